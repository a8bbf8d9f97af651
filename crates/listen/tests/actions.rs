//! Every action of the demo backend, against a real Sockudo: each one's events arrive on
//! their channels, and on no other.
//!
//! A listener per person sits on every channel that person may join, so together they cover
//! the system admins' channel, both seeded tenants' channels and every person's own channel.
//! The test performs the actions one after another through the HTTP API, then sends one
//! marker event on each channel; once every listener has its markers, everything published
//! before them has arrived (Sockudo keeps the order of one publisher's messages). Only then
//! are the received events compared, as a whole, with what each action should have caused:
//! an event on a wrong channel, an extra event, or a missing one fails the comparison.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use herald_listen::{Client, ClientEvent, Token};
use herald_protocol::Event;
use serde_json::{Value, json};

use crate::support::{Recorder, Stack};

/// A bound on any one wait: generous for a loaded 2-core machine, never reached when things work.
const LIMIT: Duration = Duration::from_secs(10);

/// The event name used as the end-of-test marker on every channel.
const MARKER: &str = "App\\Events\\SystemAlert";

/// One person's listener and the channels it listens on.
struct Listener {
    who: &'static str,
    channels: Vec<String>,
    /// How many expected events there were when it started listening: it gets none of those.
    from: usize,
    client: Client,
    events: Recorder,
}

/// What a listener received: (channel, short event name, a label from the payload), in order.
type Received = Vec<(String, String, String)>;

impl Listener {
    async fn start(
        stack: &Stack,
        who: &'static str,
        token: Token,
        channels: &[&str],
        from: usize,
    ) -> Listener {
        let channels: Vec<String> = channels.iter().map(|channel| channel.to_string()).collect();
        let names: Vec<&str> = channels.iter().map(String::as_str).collect();
        let (client, mut events) = stack.listen(token, &names);
        events.expect_subscribed(LIMIT, &names).await;
        Listener { who, channels, from, client, events }
    }

    /// The socket id the listener's connection was given (from its first channel authorization).
    fn socket_id(&self) -> String {
        self.events
            .seen
            .iter()
            .find_map(|stamped| match &stamped.event {
                ClientEvent::AuthorizationRequested { socket_id, .. } => Some(socket_id.clone()),
                _ => None,
            })
            .expect("a private channel was authorized")
    }

    /// Waits for the marker on each channel, then returns everything else received.
    async fn drain(&mut self, marker_id: &str) -> Received {
        for channel in self.channels.clone() {
            let id = format!("{marker_id}-{channel}");
            if self.events.count(|event| payload_id(event) == Some(id.as_str())) == 0 {
                self.events
                    .expect(LIMIT, &format!("the marker on {channel} for {}", self.who), |event| {
                        payload_id(event) == Some(id.as_str())
                    })
                    .await;
            }
        }
        self.events
            .seen
            .iter()
            .filter_map(|stamped| match &stamped.event {
                ClientEvent::Protocol(Event::Message { channel: Some(channel), name, data, .. })
                    if !data["id"].as_str().is_some_and(|id| id.starts_with(marker_id)) =>
                {
                    Some((channel.clone(), name.clone(), label(name, data)))
                }
                _ => None,
            })
            .collect()
    }
}

fn payload_id(event: &ClientEvent) -> Option<&str> {
    match event {
        ClientEvent::Protocol(Event::Message { data, .. }) => data["id"].as_str(),
        _ => None,
    }
}

/// What tells one event of a name from another in this test: the name it is about.
fn label(name: &str, data: &Value) -> String {
    let text = match name {
        "TenantRegistered" | "TenantApproved" | "TenantSuspended" | "TenantUpdated" | "TenantCreated" => {
            &data["tenant"]["name"]
        }
        "UserCreated" | "UserUpdated" | "UserDeleted" | "ProfileUpdated" => &data["user"]["name"],
        "PaymentCompleted" | "PaymentFailed" => &data["payment"]["payer"],
        "HotspotUserCreated" | "HotspotUserExpired" => &data["hotspot_user"]["username"],
        "SystemNotification" | "SystemAlert" => &data["title"],
        "PasswordChanged" | "AccountSuspended" | "AccountActivated" => &data["user_id"],
        _ => &Value::Null,
    };
    match text {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The events the test expects, and which channel each goes to.
#[derive(Default)]
struct Expected(Vec<(String, String, String)>);

impl Expected {
    fn on(&mut self, channel: &str, name: &str, label: &str) {
        self.0.push((channel.to_owned(), name.to_owned(), label.to_owned()));
    }

    /// What a listener on `channels` since the `from`th expected event should have received.
    fn for_listener(&self, channels: &[String], from: usize) -> Received {
        self.0[from..].iter().filter(|(channel, ..)| channels.contains(channel)).cloned().collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_broadcasts_its_events_on_their_channels_and_no_others() {
    let stack = Stack::start().await;
    let api = &stack.api;
    let (admin, _) = stack.sign_in("admin@herald.test").await;
    let (acme_owner, _) = stack.sign_in("owner@acme.test").await;
    let (globex_owner, _) = stack.sign_in("owner@globex.test").await;
    let (acme_user, _) = stack.sign_in("user@acme.test").await;

    let mut listeners = vec![
        Listener::start(&stack, "admin", admin.clone(), &["private-system.admin", "private-user.1"], 0).await,
        Listener::start(&stack, "acme owner", acme_owner.clone(), &["private-tenant.1", "private-user.2"], 0)
            .await,
        Listener::start(
            &stack,
            "globex owner",
            globex_owner.clone(),
            &["private-tenant.2", "private-user.3"],
            0,
        )
        .await,
        Listener::start(&stack, "acme user", acme_user.clone(), &["private-tenant.1", "private-user.4"], 0)
            .await,
    ];
    let mut expected = Expected::default();
    // What the acme owner's own socket must not get: the event it caused with X-Socket-ID.
    let mut kept_from_acme_owner = Vec::new();

    // Tenants.
    let registration = json!({
        "name": "Hooli Hotspots", "email": "gavin@hooli.test", "owner_name": "Gavin Belson",
        "password": "password", "password_confirmation": "password",
    });
    let answer = api.call("POST", "/api/register", None, Some(registration), None).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    expected.on("private-system.admin", "TenantRegistered", "Hooli Hotspots");

    api.ok("POST", "/api/tenants/3/approve", &admin, None).await;
    expected.on("private-system.admin", "TenantApproved", "Initech Wireless");

    api.ok("POST", "/api/tenants/2/suspend", &admin, Some(json!({"reason": "Invoice overdue."}))).await;
    expected.on("private-tenant.2", "TenantSuspended", "Globex Hotspots");
    expected.on("private-system.admin", "TenantSuspended", "Globex Hotspots");

    api.ok("PATCH", "/api/tenants/1", &acme_owner, Some(json!({"name": "Acme Broadband"}))).await;
    expected.on("private-tenant.1", "TenantUpdated", "Acme Broadband");

    let created = api
        .ok(
            "POST",
            "/api/tenants",
            &admin,
            Some(json!({"name": "Umbrella Wi-Fi", "email": "it@umbrella.test"})),
        )
        .await;
    let umbrella = created["data"]["id"].as_u64().expect("the new tenant's id");

    // Users of a tenant.
    let nia = json!({
        "name": "Nia Njoroge", "email": "nia@acme.test", "role": "user",
        "password": "password", "password_confirmation": "password",
    });
    let nia = api.ok("POST", "/api/tenants/1/users", &acme_owner, Some(nia)).await;
    let nia_id = nia["data"]["id"].as_u64().expect("the new user's id");
    expected.on("private-tenant.1", "UserCreated", "Nia Njoroge");

    api.ok("PATCH", &format!("/api/users/{nia_id}"), &acme_owner, Some(json!({"name": "Nia N. Njoroge"})))
        .await;
    expected.on("private-tenant.1", "UserUpdated", "Nia N. Njoroge");

    let (nia_token, _) = stack.sign_in("nia@acme.test").await;
    let nia_channel = format!("private-user.{nia_id}");
    let from = expected.0.len();
    listeners
        .push(Listener::start(&stack, "nia", nia_token, &["private-tenant.1", &nia_channel], from).await);

    api.ok("POST", &format!("/api/users/{nia_id}/suspend"), &acme_owner, Some(json!({"reason": "Unpaid"})))
        .await;
    expected.on(&nia_channel, "AccountSuspended", &nia_id.to_string());
    expected.on("private-tenant.1", "UserUpdated", "Nia N. Njoroge");

    api.ok("POST", &format!("/api/users/{nia_id}/activate"), &acme_owner, None).await;
    expected.on(&nia_channel, "AccountActivated", &nia_id.to_string());
    expected.on("private-tenant.1", "UserUpdated", "Nia N. Njoroge");

    // A person's own account.
    let password = json!({
        "current_password": "password", "password": "new-password", "password_confirmation": "new-password",
    });
    api.ok("PUT", "/api/me/password", &acme_user, Some(password)).await;
    expected.on("private-user.4", "PasswordChanged", "4");

    api.ok("PATCH", "/api/me", &acme_user, Some(json!({"name": "Uma U. User"}))).await;
    expected.on("private-user.4", "ProfileUpdated", "Uma U. User");
    expected.on("private-tenant.1", "UserUpdated", "Uma U. User");

    // Payments and hotspot users.
    let payment =
        json!({"amount": "12.50", "currency": "kes", "payer": "Wanjiru Kamau", "status": "completed"});
    api.ok("POST", "/api/tenants/1/payments", &acme_owner, Some(payment)).await;
    expected.on("private-tenant.1", "PaymentCompleted", "Wanjiru Kamau");

    let failed = json!({"amount": 99, "currency": "USD", "payer": "Otis Okafor", "status": "failed", "reason": "Card declined"});
    api.ok("POST", "/api/tenants/1/payments", &acme_owner, Some(failed)).await;
    expected.on("private-tenant.1", "PaymentFailed", "Otis Okafor");

    let hotspot = json!({"username": "guest-0042", "package": "1 Hour Pass", "seconds": 1});
    api.ok("POST", "/api/tenants/1/hotspot-users", &acme_owner, Some(hotspot)).await;
    expected.on("private-tenant.1", "HotspotUserCreated", "guest-0042");
    expected.on("private-tenant.1", "HotspotUserExpired", "guest-0042");
    // The expiry comes from the server's own timer, a second or two later: wait for it here,
    // so that it is published before the markers.
    listeners[1]
        .events
        .expect(LIMIT, "HotspotUserExpired", |event| {
            matches!(event, ClientEvent::Protocol(Event::Message { name, .. }) if name == "HotspotUserExpired")
        })
        .await;

    // Operators' messages.
    let notice = json!({"title": "Maintenance tonight", "message": "01:00 to 02:00 UTC.", "level": "info"});
    api.ok("POST", "/api/tenants/1/notices", &admin, Some(notice)).await;
    expected.on("private-tenant.1", "SystemNotification", "Maintenance tonight");

    let alert = json!({"title": "Replica lagging", "message": "db-2 is 45 s behind.", "level": "critical"});
    api.ok("POST", "/api/system/alerts", &admin, Some(alert)).await;
    expected.on("private-system.admin", "SystemAlert", "Replica lagging");

    // toOthers(): the acting owner's socket is left out; everyone else on the channel gets it.
    let owner_socket = listeners[1].socket_id();
    let payment = json!({"amount": "5", "currency": "EUR", "payer": "Self Service", "status": "completed"});
    let answer = api
        .call("POST", "/api/tenants/1/payments", Some(&acme_owner), Some(payment), Some(&owner_socket))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    expected.on("private-tenant.1", "PaymentCompleted", "Self Service");
    kept_from_acme_owner.push((
        "private-tenant.1".to_owned(),
        "PaymentCompleted".to_owned(),
        "Self Service".to_owned(),
    ));

    let answer = api.call("DELETE", &format!("/api/users/{nia_id}"), Some(&acme_owner), None, None).await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    expected.on("private-tenant.1", "UserDeleted", "Nia N. Njoroge");

    // The markers, then the comparison.
    let marker_id = "marker";
    let mut channels: Vec<String> = listeners.iter().flat_map(|listener| listener.channels.clone()).collect();
    channels.sort();
    channels.dedup();
    for channel in &channels {
        // Straight through Sockudo: the deleted user's channel has no user left to publish for.
        let marker = json!({"id": format!("{marker_id}-{channel}"), "title": "marker", "message": "", "level": "info"});
        stack.trigger(channel, MARKER, &marker).await;
    }
    let mut received = BTreeMap::new();
    for listener in &mut listeners {
        received.insert(listener.who, listener.drain(marker_id).await);
    }
    for listener in &listeners {
        let mut wanted = expected.for_listener(&listener.channels, listener.from);
        if listener.who == "acme owner" {
            for kept in &kept_from_acme_owner {
                let index = wanted.iter().position(|event| event == kept).expect("expected at first");
                wanted.remove(index);
            }
        }
        assert_eq!(
            received[listener.who], wanted,
            "what {} received on {:?}",
            listener.who, listener.channels
        );
    }

    // The tenant created by the admin has no member to listen yet: its first member reads
    // its `TenantCreated` back through catch-up, on its channel.
    let member = json!({
        "name": "Alice Abernathy", "email": "alice@umbrella.test", "role": "tenant_admin",
        "password": "password", "password_confirmation": "password",
    });
    let member = api.ok("POST", &format!("/api/tenants/{umbrella}/users"), &admin, Some(member)).await;
    let (alice, _) = stack.sign_in("alice@umbrella.test").await;
    let caught_up = api.ok("GET", "/api/notifications?limit=100", &alice, None).await;
    let records: Vec<(String, String)> = caught_up["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| {
            (record["channel"].as_str().unwrap().to_owned(), record["event"].as_str().unwrap().to_owned())
        })
        .collect();
    let tenant_channel = format!("private-tenant.{umbrella}");
    assert_eq!(
        records,
        [
            (tenant_channel.clone(), "App\\Events\\TenantCreated".to_owned()),
            (tenant_channel, "App\\Events\\UserCreated".to_owned())
        ],
        "member {}",
        member["data"]["id"]
    );

    for listener in &listeners {
        listener.client.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_returns_exactly_what_each_person_could_have_received_in_order() {
    let stack = Stack::start().await;
    let api = &stack.api;
    let (admin, _) = stack.sign_in("admin@herald.test").await;
    let (acme_user, _) = stack.sign_in("user@acme.test").await;
    let (globex_owner, _) = stack.sign_in("owner@globex.test").await;

    let mut fired = Vec::new();
    for request in [
        json!({"event": "PaymentCompleted", "tenant_id": 1}),
        json!({"event": "PaymentCompleted", "tenant_id": 2}),
        json!({"event": "PasswordChanged", "user_id": 4}),
        json!({"event": "PasswordChanged", "user_id": 3}),
        json!({"event": "SystemAlert"}),
        json!({"event": "UserCreated", "tenant_id": 1, "count": 3}),
    ] {
        let answer = stack.devserver.fire(request).await;
        let channel = answer["channel"].as_str().unwrap().to_owned();
        for id in answer["ids"].as_array().unwrap() {
            fired.push((channel.clone(), id.as_str().unwrap().to_owned()));
        }
    }
    let ids_on = |channels: &[&str]| -> Vec<String> {
        fired
            .iter()
            .filter(|(channel, _)| channels.contains(&channel.as_str()))
            .map(|(_, id)| id.clone())
            .collect()
    };
    let read_all = |token: Token, limit: u64| async move {
        let mut ids = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let path = match &after {
                Some(after) => format!("/api/notifications?after={after}&limit={limit}"),
                None => format!("/api/notifications?limit={limit}"),
            };
            let page = api.ok("GET", &path, &token, None).await;
            let data = page["data"].as_array().unwrap().clone();
            if data.is_empty() {
                assert_eq!(page["next_after"].as_str(), after.as_deref(), "an empty page keeps the cursor");
                return ids;
            }
            ids.extend(data.iter().map(|record| record["id"].as_str().unwrap().to_owned()));
            after = page["next_after"].as_str().map(str::to_owned);
        }
    };
    assert_eq!(read_all(acme_user.clone(), 2).await, ids_on(&["private-tenant.1", "private-user.4"]));
    assert_eq!(read_all(globex_owner, 100).await, ids_on(&["private-tenant.2", "private-user.3"]));
    assert_eq!(read_all(admin, 1).await, ids_on(&["private-system.admin", "private-user.1"]));

    let unknown = api.call("GET", "/api/notifications?after=evt_nope", Some(&acme_user), None, None).await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(unknown.body["errors"]["after"][0], "The selected after is invalid.");
}
