//! Cursor paging of the lists and the feed the server keeps (CONTRACT.md, "Paging, and the
//! feed the server keeps"): every row once while rows are added between pages, search and
//! status filters, `per_page` and cursor checks, other tenants' data refused, the feed's
//! filters and tabs, read, unread, archive and read-all per person, the unread count, the
//! catch-up form unchanged, the demo volume, and the marks reaching a person's other devices
//! through a real Sockudo.
//!
//! Seeded people: 1 Ada (system admin), 2 Olive (Acme's admin), 3 Gus (Globex's admin), 4 Uma
//! (an Acme user). Acme is tenant 1, Globex 2.

mod common;

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use futures_util::{SinkExt, StreamExt};
use herald_contract::signing::channel_auth;
use herald_contract::{Channel, EventKind};
use herald_devserver::Config;
use herald_devserver::clock::rfc3339_millis;
use herald_devserver::seed::DemoVolume;
use herald_teststack::Sockudo;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use common::{TestServer, test_config};

/// A bound on any one wait for Sockudo: generous for a loaded 2-core machine.
const LIMIT: Duration = Duration::from_secs(10);

/// Records a `kind` event on `channel` as a change would, with `fields` over its generated
/// ones; its id.
fn record(server: &TestServer, kind: EventKind, channel: Channel, fields: Value) -> String {
    let event = server.state.event(kind, vec![channel], fields);
    server.state.store().write(|tx| tx.record(&event)).unwrap();
    event.id
}

/// Tenant 1 filled up to `users` members.
fn fill(server: &TestServer, users: u64) {
    let now = server.clock.now();
    server.state.store().fill_demo_tenant(DemoVolume { users, events: 0 }, now).unwrap();
}

fn ids(page: &Value) -> Vec<Value> {
    page["data"].as_array().unwrap().iter().map(|row| row["id"].clone()).collect()
}

/// Pages through `path` (which has a `?`) `per_page` rows at a time, calling `between` after
/// each page; the ids in the order read.
async fn page_through(
    server: &TestServer,
    token: &str,
    path: &str,
    per_page: u32,
    mut between: impl FnMut(),
) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(cursor) => format!("{path}&per_page={per_page}&cursor={cursor}"),
            None => format!("{path}&per_page={per_page}"),
        };
        let page = server.get(&url, Some(token)).await;
        assert_eq!(page.status, 200, "{url}: {}", page.body);
        assert_eq!(page.body["per_page"], per_page);
        assert!(ids(&page.body).len() <= per_page as usize);
        seen.extend(ids(&page.body));
        between();
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn paging_through_a_tenants_users_gives_every_row_once_while_users_are_added() {
    let server = TestServer::offline();
    fill(&server, 130);
    let owner = server.token_for(2);
    let before = page_through(&server, &owner, "/api/tenants/1/users?", 100, || {}).await;
    assert_eq!(before.len(), 130);
    let mut members = 130;
    let seen = page_through(&server, &owner, "/api/tenants/1/users?", 7, || {
        members += 3;
        fill(&server, members);
    })
    .await;
    assert_eq!(seen, before, "newest first, no duplicate and no gap: the new users are above page one");
    let unique: HashSet<String> = seen.iter().map(Value::to_string).collect();
    assert_eq!(unique.len(), seen.len());
    let mut sorted = seen.clone();
    sorted.sort_by_key(|id| std::cmp::Reverse(id.as_u64().unwrap()));
    assert_eq!(seen, sorted, "newest (highest id) first");

    let first = server.get("/api/tenants/1/users?per_page=2", Some(&owner)).await.body;
    assert_eq!(first["prev_cursor"], Value::Null, "no way back from the first page");
    let next = first["next_cursor"].as_str().unwrap();
    let second =
        server.get(&format!("/api/tenants/1/users?per_page=2&cursor={next}"), Some(&owner)).await.body;
    let back = second["prev_cursor"].as_str().unwrap();
    let again =
        server.get(&format!("/api/tenants/1/users?per_page=2&cursor={back}"), Some(&owner)).await.body;
    assert_eq!(ids(&again), ids(&first), "prev_cursor leads back to the same rows, newest first");
}

#[tokio::test]
async fn paging_through_tenants_gives_every_row_once_while_tenants_are_created() {
    let server = TestServer::offline();
    let admin = server.token_for(1);
    for index in 0..10 {
        let body = json!({"name": format!("Tenant {index}"), "email": format!("t{index}@example.test")});
        assert_eq!(server.post_json("/api/tenants", Some(&admin), &body).await.status, 201);
    }
    let before = page_through(&server, &admin, "/api/tenants?", 100, || {}).await;
    assert_eq!(before.len(), 13);
    let mut created = Vec::new();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = cursor
            .as_ref()
            .map_or("/api/tenants?per_page=4".to_owned(), |c| format!("/api/tenants?per_page=4&cursor={c}"));
        let page = server.get(&url, Some(&admin)).await.body;
        seen.extend(ids(&page));
        let body = json!({"name": "Late", "email": format!("late{}@example.test", created.len())});
        created.push(server.post_json("/api/tenants", Some(&admin), &body).await.body["data"]["id"].clone());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, before);
    let now = server.get("/api/tenants?per_page=100", Some(&admin)).await.body;
    let mut newest: Vec<Value> = created.into_iter().rev().collect();
    newest.extend(before);
    assert_eq!(ids(&now), newest, "the tenants created meanwhile come first on a new first page");
}

#[tokio::test]
async fn search_matches_name_and_email_in_any_case_and_status_filters() {
    let server = TestServer::offline();
    fill(&server, 400);
    let owner = server.token_for(2);
    let all = server.get("/api/tenants/1/users?per_page=100&search=AMINA", Some(&owner)).await.body;
    let found = all["data"].as_array().unwrap();
    assert!(!found.is_empty());
    for user in found {
        let text = format!("{} {}", user["name"], user["email"]).to_lowercase();
        assert!(text.contains("amina"), "{user}");
    }
    let by_email = server.get("/api/tenants/1/users?search=USER@ACME", Some(&owner)).await.body;
    assert_eq!(ids(&by_email), [json!(4)], "Uma, by her email");
    for wildcard in ["%25", "_", "%5C"] {
        let none = server.get(&format!("/api/tenants/1/users?search={wildcard}"), Some(&owner)).await.body;
        assert_eq!(ids(&none), Vec::<Value>::new(), "{wildcard} is matched as itself");
    }
    let suspended = page_through(&server, &owner, "/api/tenants/1/users?status=suspended", 50, || {}).await;
    let every = page_through(&server, &owner, "/api/tenants/1/users?", 100, || {}).await;
    let suspended_rows =
        server.get("/api/tenants/1/users?status=suspended&per_page=100", Some(&owner)).await.body;
    assert!(suspended_rows["data"].as_array().unwrap().iter().all(|user| user["status"] == "suspended"));
    assert!(!suspended.is_empty() && suspended.len() < every.len());
    let active = page_through(&server, &owner, "/api/tenants/1/users?status=active", 50, || {}).await;
    assert_eq!(active.len() + suspended.len(), every.len());
    let blank = server.get("/api/tenants/1/users?status=&search=&cursor=&per_page=", Some(&owner)).await;
    assert_eq!(
        (blank.status.as_u16(), blank.body["per_page"].clone()),
        (200, json!(50)),
        "blank means not given"
    );

    let admin = server.token_for(1);
    let globex = server.get("/api/tenants?search=globex", Some(&admin)).await.body;
    assert_eq!(ids(&globex), [json!(2)]);
    let pending = server.get("/api/tenants?status=pending", Some(&admin)).await.body;
    assert_eq!(ids(&pending), [json!(3)]);
}

#[tokio::test]
async fn bad_paging_and_filters_are_laravels_422() {
    let server = TestServer::offline();
    let (admin, owner, uma) = (server.token_for(1), server.token_for(2), server.token_for(4));
    let cases = [
        (
            &owner,
            "/api/tenants/1/users?per_page=101",
            "per_page",
            "The per page field must be between 1 and 100.",
        ),
        (
            &owner,
            "/api/tenants/1/users?per_page=0",
            "per_page",
            "The per page field must be between 1 and 100.",
        ),
        (&owner, "/api/tenants/1/users?per_page=ten", "per_page", "The per page field must be an integer."),
        (&owner, "/api/tenants/1/users?cursor=not-a-cursor", "cursor", "The selected cursor is invalid."),
        (&owner, "/api/tenants/1/users?status=pending", "status", "The selected status is invalid."),
        (&admin, "/api/tenants?status=gone", "status", "The selected status is invalid."),
        (&admin, "/api/tenants?per_page=1000", "per_page", "The per page field must be between 1 and 100."),
        (
            &uma,
            "/api/notifications?per_page=101",
            "per_page",
            "The per page field must be between 1 and 100.",
        ),
        (&uma, "/api/notifications?cursor=eyJpZCI6MX0", "cursor", "The selected cursor is invalid."),
        (&uma, "/api/notifications?channel=system", "channel", "The selected channel is invalid."),
        (&uma, "/api/notifications?severity=fatal", "severity", "The selected severity is invalid."),
        (&uma, "/api/notifications?unread=yes", "unread", "The unread field must be true or false."),
        (&uma, "/api/notifications?archived=2", "archived", "The archived field must be true or false."),
    ];
    for (token, path, field, message) in cases {
        let answer = server.get(path, Some(token)).await;
        assert_eq!(answer.status.as_u16(), 422, "{path}: {}", answer.body);
        assert_eq!(answer.body, json!({"message": message, "errors": {field: [message]}}), "{path}");
    }
    let at_most = server.get("/api/tenants/1/users?per_page=100", Some(&owner)).await;
    assert_eq!(at_most.status.as_u16(), 200);
}

#[tokio::test]
async fn lists_and_feeds_refuse_other_people_as_the_other_routes_do() {
    let server = TestServer::offline();
    let tenant_two = record(&server, EventKind::PaymentCompleted, Channel::Tenant(2), json!({}));
    let (ada, olive, gus, uma) =
        (server.token_for(1), server.token_for(2), server.token_for(3), server.token_for(4));
    for (token, path, status) in [
        (&gus, "/api/tenants/1/users", 403),
        (&uma, "/api/tenants/1/users", 403),
        (&olive, "/api/tenants/2/users?per_page=5", 403),
        (&olive, "/api/tenants/99/users", 404),
        (&olive, "/api/tenants", 403),
        (&uma, "/api/tenants?status=active", 403),
        (&ada, "/api/tenants/2/users", 200),
    ] {
        assert_eq!(server.get(path, Some(token)).await.status.as_u16(), status, "{path}");
    }
    for path in [
        "/api/tenants?per_page=5",
        "/api/tenants/1/users?per_page=5",
        "/api/notifications?per_page=5",
        "/api/notifications/unread-count",
    ] {
        let answer = server.get(path, None).await;
        assert_eq!(
            (answer.status.as_u16(), answer.body),
            (401, json!({"message": "Unauthenticated."})),
            "{path}"
        );
    }
    for (method, path) in [
        ("PATCH", format!("/api/notifications/{tenant_two}")),
        ("POST", "/api/notifications/read-all".into()),
    ] {
        let answer = server.call(method, &path, None, Some(&json!({"read": true}))).await;
        assert_eq!(answer.status.as_u16(), 401, "{method} {path}");
    }
    // Gus may mark his tenant's event; Uma (of another tenant) is told it does not exist.
    let read = json!({"read": true});
    let path = format!("/api/notifications/{tenant_two}");
    assert_eq!(server.call("PATCH", &path, Some(&uma), Some(&read)).await.status.as_u16(), 404);
    assert_eq!(
        server.call("PATCH", "/api/notifications/evt_nope", Some(&uma), Some(&read)).await.status.as_u16(),
        404
    );
    assert_eq!(server.call("PATCH", &path, Some(&gus), Some(&read)).await.status.as_u16(), 200);
}

/// Events for the feed tests: on Acme's channel, Uma's, Olive's, the admins' and Globex's,
/// oldest first.
struct Fired {
    payment: String,
    router_offline: String,
    password_changed: String,
    olives: String,
    alert: String,
    globex: String,
}

fn fire(server: &TestServer) -> Fired {
    let notice = json!({"title": "Router offline", "message": "ap-2 stopped answering.", "level": "error"});
    Fired {
        payment: record(server, EventKind::PaymentCompleted, Channel::Tenant(1), json!({})),
        router_offline: record(server, EventKind::SystemNotification, Channel::Tenant(1), notice),
        password_changed: record(server, EventKind::PasswordChanged, Channel::User(4), json!({"user_id": 4})),
        olives: record(server, EventKind::PasswordChanged, Channel::User(2), json!({"user_id": 2})),
        alert: record(
            server,
            EventKind::SystemAlert,
            Channel::SystemAdmin,
            json!({"title": "Queue", "message": "Backlog", "level": "warning"}),
        ),
        globex: record(server, EventKind::PaymentFailed, Channel::Tenant(2), json!({})),
    }
}

#[tokio::test]
async fn the_feed_is_what_the_person_could_receive_newest_first_with_filters() {
    let server = TestServer::offline();
    let fired = fire(&server);
    let uma = server.token_for(4);
    let feed = server.get("/api/notifications", Some(&uma)).await;
    assert_eq!(feed.status.as_u16(), 200, "{}", feed.body);
    assert_eq!(
        ids(&feed.body),
        [json!(fired.password_changed), json!(fired.router_offline), json!(fired.payment)]
    );
    assert_eq!(
        (&feed.body["next_cursor"], &feed.body["prev_cursor"], &feed.body["per_page"]),
        (&Value::Null, &Value::Null, &json!(50))
    );
    let entry = &feed.body["data"][0];
    assert_eq!(entry["channel"], "private-user.4");
    assert_eq!(entry["event"], "App\\Events\\PasswordChanged");
    assert_eq!(entry["data"]["user_id"], 4);
    assert_eq!((&entry["read_at"], &entry["archived_at"]), (&Value::Null, &Value::Null));
    let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["archived_at", "channel", "data", "event", "id", "occurred_at", "read_at"]);

    let check = |query: &'static str, token: String, expect: Vec<&String>| {
        let server = &server;
        let expect: Vec<Value> = expect.into_iter().map(|id| json!(id)).collect();
        async move {
            let page = server.get(&format!("/api/notifications?{query}"), Some(&token)).await;
            assert_eq!(page.status.as_u16(), 200, "{query}: {}", page.body);
            assert_eq!(ids(&page.body), expect, "{query}");
        }
    };
    check("channel=user", uma.clone(), vec![&fired.password_changed]).await;
    check("channel=tenant", uma.clone(), vec![&fired.router_offline, &fired.payment]).await;
    check("channel=admin", uma.clone(), vec![]).await;
    check("severity=error", uma.clone(), vec![&fired.router_offline]).await;
    check("severity=success", uma.clone(), vec![&fired.payment]).await;
    check("severity=warning&channel=user", uma.clone(), vec![&fired.password_changed]).await;
    check("per_page=2&unread=1", uma.clone(), vec![&fired.password_changed, &fired.router_offline]).await;
    check("", server.token_for(1), vec![&fired.alert]).await;
    check("", server.token_for(2), vec![&fired.olives, &fired.router_offline, &fired.payment]).await;
    check("channel=tenant", server.token_for(3), vec![&fired.globex]).await;

    let first = server.get("/api/notifications?per_page=2", Some(&uma)).await.body;
    let next = first["next_cursor"].as_str().unwrap();
    let rest = server.get(&format!("/api/notifications?per_page=2&cursor={next}"), Some(&uma)).await.body;
    assert_eq!(ids(&rest), [json!(fired.payment)]);
    assert_eq!(rest["next_cursor"], Value::Null);
}

#[tokio::test]
async fn paging_through_the_feed_gives_every_entry_once_while_events_arrive() {
    let server = TestServer::offline();
    let mut expected: Vec<Value> = (0..45)
        .map(|_| json!(record(&server, EventKind::UserCreated, Channel::Tenant(1), json!({}))))
        .collect();
    expected.reverse();
    let uma = server.token_for(4);
    let seen = page_through(&server, &uma, "/api/notifications?", 4, || {
        record(&server, EventKind::PaymentCompleted, Channel::Tenant(1), json!({}));
        record(&server, EventKind::PasswordChanged, Channel::User(4), json!({"user_id": 4}));
    })
    .await;
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn read_unread_archive_and_read_all_are_each_persons_own() {
    let server = TestServer::offline();
    let fired = fire(&server);
    let (uma, olive) = (server.token_for(4), server.token_for(2));
    let count = |token: &String| {
        let (server, token) = (&server, token.clone());
        async move {
            let answer = server.get("/api/notifications/unread-count", Some(&token)).await;
            assert_eq!(answer.status.as_u16(), 200);
            answer.body["unread"].as_u64().unwrap()
        }
    };
    assert_eq!((count(&uma).await, count(&olive).await), (3, 3));

    let path = format!("/api/notifications/{}", fired.payment);
    let read = server.call("PATCH", &path, Some(&uma), Some(&json!({"read": true}))).await;
    assert_eq!(read.status.as_u16(), 200, "{}", read.body);
    assert_eq!(read.body["data"]["id"], json!(fired.payment));
    assert_eq!(read.body["data"]["read_at"], "2025-01-01T00:00:00.000Z");
    assert_eq!(read.body["data"]["archived_at"], Value::Null);
    assert_eq!((count(&uma).await, count(&olive).await), (2, 3), "Olive's marks are her own");
    server.clock.advance(Duration::from_secs(60));
    let again = server.call("PATCH", &path, Some(&uma), Some(&json!({"read": "1"}))).await.body;
    assert_eq!(again["data"]["read_at"], "2025-01-01T00:00:00.000Z", "reading again keeps the first read_at");
    let olives = server.get("/api/notifications", Some(&olive)).await.body;
    assert!(olives["data"].as_array().unwrap().iter().all(|entry| entry["read_at"].is_null()));

    let unread = server.call("PATCH", &path, Some(&uma), Some(&json!({"read": false}))).await.body;
    assert_eq!(unread["data"]["read_at"], Value::Null);
    assert_eq!(count(&uma).await, 3);

    let archive = format!("/api/notifications/{}", fired.router_offline);
    let archived = server.call("PATCH", &archive, Some(&uma), Some(&json!({"archived": true}))).await.body;
    assert_eq!(archived["data"]["archived_at"], "2025-01-01T00:01:00.000Z");
    assert_eq!(count(&uma).await, 2, "an archived entry is not counted");
    let inbox = server.get("/api/notifications", Some(&uma)).await.body;
    assert_eq!(
        ids(&inbox),
        [json!(fired.password_changed), json!(fired.payment)],
        "archiving takes it off the feed"
    );
    let archive_tab = server.get("/api/notifications?archived=1", Some(&uma)).await.body;
    assert_eq!(ids(&archive_tab), [json!(fired.router_offline)]);
    for (query, expect) in [
        ("archived=1&severity=error&unread=1", vec![json!(fired.router_offline)]),
        ("archived=1&severity=success", vec![]),
        ("archived=1&channel=user", vec![]),
        ("severity=error", vec![]),
    ] {
        let page = server.get(&format!("/api/notifications?{query}"), Some(&uma)).await.body;
        assert_eq!(ids(&page), expect, "{query}");
    }
    let both = server
        .call("PATCH", &archive, Some(&uma), Some(&json!({"archived": false, "read": true})))
        .await
        .body;
    assert_eq!(
        (&both["data"]["archived_at"], &both["data"]["read_at"]),
        (&Value::Null, &json!("2025-01-01T00:01:00.000Z"))
    );

    for (body, field) in
        [(json!({}), "read"), (json!({"read": null}), "read"), (json!({"archived": "soon"}), "archived")]
    {
        let refused = server.call("PATCH", &path, Some(&uma), Some(&body)).await;
        assert_eq!(refused.status.as_u16(), 422, "{body}: {}", refused.body);
        assert!(refused.body["errors"][field].is_array(), "{body}: {}", refused.body);
    }

    let read_all = server.call("POST", "/api/notifications/read-all", Some(&uma), None).await;
    assert_eq!((read_all.status.as_u16(), read_all.body), (204, Value::Null));
    assert_eq!((count(&uma).await, count(&olive).await), (0, 3));
    let unread_tab = server.get("/api/notifications?unread=1", Some(&uma)).await.body;
    assert_eq!(ids(&unread_tab), Vec::<Value>::new());
    let all = server.get("/api/notifications", Some(&uma)).await.body;
    let read_ats: Vec<&Value> =
        all["data"].as_array().unwrap().iter().map(|entry| &entry["read_at"]).collect();
    assert_eq!(read_ats, [&json!("2025-01-01T00:01:00.000Z"); 3], "read now, and the earlier mark kept");
    let later = record(&server, EventKind::PaymentCompleted, Channel::Tenant(1), json!({}));
    assert_eq!(count(&uma).await, 1, "what arrives after read-all is unread");
    let unread_tab = server.get("/api/notifications?unread=1", Some(&uma)).await.body;
    assert_eq!(ids(&unread_tab), [json!(later)]);
}

#[tokio::test]
async fn the_catch_up_form_answers_as_it_always_has() {
    let server = TestServer::offline();
    let fired = fire(&server);
    let uma = server.token_for(4);
    let from_first = server.get("/api/notifications?limit=2", Some(&uma)).await.body;
    assert_eq!(
        from_first.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["data", "next_after"],
        "no cursor fields, no marks"
    );
    assert_eq!(ids(&from_first), [json!(fired.payment), json!(fired.router_offline)], "oldest first");
    assert_eq!(from_first["next_after"], json!(fired.router_offline));
    assert!(from_first["data"][0].get("read_at").is_none());
    let rest = server
        .get(&format!("/api/notifications?after={}&limit=2", fired.router_offline), Some(&uma))
        .await
        .body;
    assert_eq!(ids(&rest), [json!(fired.password_changed)]);
    assert_eq!(rest["next_after"], json!(fired.password_changed));
}

#[tokio::test]
async fn the_demo_volume_fills_acme_once_with_realistic_people_and_events() {
    let server = TestServer::offline();
    let now = server.clock.now();
    let wanted = DemoVolume { users: 60, events: 80 };
    let added = server.state.store().fill_demo_tenant(wanted, now).unwrap();
    assert_eq!(added, DemoVolume { users: 58, events: 80 }, "Acme had Olive and Uma");
    assert_eq!(server.state.store().fill_demo_tenant(wanted, now).unwrap(), DemoVolume::default(), "once");

    let admin = server.token_for(1);
    let members = page_through(&server, &admin, "/api/tenants/1/users?", 100, || {}).await;
    assert_eq!(members.len(), 60);
    let page = server.get("/api/tenants/1/users?per_page=100", Some(&admin)).await.body;
    let mut emails = HashSet::new();
    for user in page["data"].as_array().unwrap() {
        let (name, email) = (user["name"].as_str().unwrap(), user["email"].as_str().unwrap());
        assert_eq!(name.split(' ').count(), 2, "{name}");
        assert!(email.ends_with("@acme.test") && emails.insert(email.to_owned()), "{email}");
        assert!(["active", "suspended"].contains(&user["status"].as_str().unwrap()));
    }
    let olive = server.token_for(2);
    let feed = page_through(&server, &olive, "/api/notifications?", 100, || {}).await;
    let admins = page_through(&server, &admin, "/api/notifications?", 100, || {}).await;
    assert!(
        feed.len() + admins.len() <= 80 && feed.len() > 40,
        "mostly Acme's: {} and {}",
        feed.len(),
        admins.len()
    );
    let caught_up = server.get("/api/notifications?limit=1000", Some(&olive)).await.body;
    let times: Vec<&str> = caught_up["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| record["occurred_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "recorded in the order of their times");
    assert!(times[0].as_bytes()[..4] == *b"2024", "spread over the year before now: {}", times[0]);
    let active = page["data"].as_array().unwrap().iter().find(|user| user["status"] == "active").unwrap();
    let login = server
        .post_json("/api/login", None, &json!({"email": active["email"], "password": "password"}))
        .await;
    assert_eq!(login.status.as_u16(), 200, "the seeded password: {}", login.body);
}

/// A Pusher protocol 7 client on a real Sockudo, subscribed to one private channel.
struct PusherSocket {
    ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    socket_id: String,
}

impl PusherSocket {
    async fn subscribe(sockudo: &Sockudo, channel: &str) -> PusherSocket {
        let url = format!("{}/app/herald-key?protocol=7", sockudo.ws_url());
        let (ws, _) =
            tokio::time::timeout(LIMIT, tokio_tungstenite::connect_async(url)).await.unwrap().unwrap();
        let mut socket = PusherSocket { ws, socket_id: String::new() };
        let established = socket.next_event("pusher:connection_established").await;
        socket.socket_id = established["socket_id"].as_str().unwrap().to_owned();
        let auth = channel_auth("herald-key", "herald-secret", &socket.socket_id, channel);
        let subscribe = json!({"event": "pusher:subscribe", "data": {"auth": auth, "channel": channel}});
        socket.ws.send(Message::text(subscribe.to_string())).await.unwrap();
        socket.next_event("pusher_internal:subscription_succeeded").await;
        socket
    }

    /// The data of the next frame named `name`, skipping others.
    async fn next_event(&mut self, name: &str) -> Value {
        loop {
            let message = tokio::time::timeout(LIMIT, self.ws.next()).await.expect("a frame in time");
            let Some(Ok(Message::Text(text))) = message else { continue };
            let frame: Value = serde_json::from_str(text.as_str()).unwrap();
            if frame["event"] == name {
                return match &frame["data"] {
                    Value::String(data) => serde_json::from_str(data).unwrap_or(Value::Null),
                    data => data.clone(),
                };
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marks_reach_the_persons_other_devices_through_sockudo() {
    let sockudo = Sockudo::start().await;
    let server = TestServer::starting_at(test_config(&sockudo.http_url()), SystemTime::now());
    let now = rfc3339_millis(server.clock.now());
    let fired = fire(&server);
    let mut laptop = PusherSocket::subscribe(&sockudo, "private-user.4").await;
    let phone = PusherSocket::subscribe(&sockudo, "private-user.4").await;
    let uma = server.token_for(4);
    let from_phone = |method: &str, path: &str, body: Option<Value>| {
        let mut request = common::request(method, path, Some(&uma)).header("X-Socket-ID", &phone.socket_id);
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        request.body(axum::body::Body::from(body.map(|b| b.to_string()).unwrap_or_default())).unwrap()
    };

    let path = format!("/api/notifications/{}", fired.payment);
    let read = server.send(from_phone("PATCH", &path, Some(json!({"read": true})))).await;
    assert_eq!(read.status.as_u16(), 200, "{}", read.body);
    let told = laptop.next_event("App\\Events\\NotificationsRead").await;
    assert_eq!(told, json!({"ids": [fired.payment], "read_at": now}));

    let archived =
        server.send(from_phone("PATCH", &path, Some(json!({"archived": true, "read": false})))).await;
    assert_eq!(archived.status.as_u16(), 200, "{}", archived.body);
    assert_eq!(
        laptop.next_event("App\\Events\\NotificationsRead").await,
        json!({"ids": [fired.payment], "read_at": null})
    );
    assert_eq!(
        laptop.next_event("App\\Events\\NotificationsArchived").await,
        json!({"ids": [fired.payment], "archived": true})
    );

    let all = server.send(from_phone("POST", "/api/notifications/read-all", None)).await;
    assert_eq!(all.status.as_u16(), 204);
    assert_eq!(
        laptop.next_event("App\\Events\\NotificationsRead").await,
        json!({"all": true, "read_at": now})
    );

    // The marks are not entries of the feed, and catch-up does not replay them.
    let feed = server.get("/api/notifications?per_page=100", Some(&uma)).await.body;
    let archive = server.get("/api/notifications?per_page=100&archived=1", Some(&uma)).await.body;
    assert_eq!(ids(&feed).len() + ids(&archive).len(), 3);
    let caught_up = server.get("/api/notifications?limit=100", Some(&uma)).await.body;
    assert!(
        caught_up["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|record| !record["event"].as_str().unwrap().contains("Notifications"))
    );
    drop(phone);
}

#[tokio::test]
async fn the_seed_flags_fill_the_demo_tenant_as_the_server_starts() {
    let config = Config { seed_users: 12, seed_events: 9, ..test_config("http://127.0.0.1:9") };
    let server = TestServer::new(config);
    let admin = server.token_for(1);
    let members = page_through(&server, &admin, "/api/tenants/1/users?", 5, || {}).await;
    assert_eq!(members.len(), 12);
    let olive = server.token_for(2);
    let mut seen: HashSet<String> = HashSet::new();
    for token in [&admin, &olive, &server.token_for(4)] {
        let caught_up = server.get("/api/notifications?limit=1000", Some(token)).await.body;
        seen.extend(caught_up["data"].as_array().unwrap().iter().map(|record| record["id"].to_string()));
    }
    assert_eq!(seen.len(), 9, "every event is Acme's, its seeded people's or the admins'");
}
