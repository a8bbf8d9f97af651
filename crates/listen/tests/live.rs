//! The listener against a real Sockudo and the real demo backend, as child processes: no
//! mocks. Needs Sockudo 5.2.0 (TOOLCHAIN.md; `HERALD_SOCKUDO_BIN` overrides where) and the
//! devserver binary (`cargo build -p herald-devserver`; `HERALD_DEVSERVER_BIN` overrides).
//!
//! Each test starts its own Sockudo and backend on free ports, so they run in parallel and
//! one can kill its Sockudo without disturbing the others.

mod support;

use std::time::Duration;

use herald_client::refresh::REFUSED_NOTICE;
use herald_listen::{
    ChannelTemplates, ClientEvent, Role, Session, SessionEvent, SessionEvents, channels_for,
};
use herald_protocol::{AuthResult, ConnectionState, Event, SubscriptionError};
use serde_json::{Value, json};
use tokio::time::{Instant, timeout};

use crate::support::{Recorder, Stack};

/// A bound on any one wait: generous for a loaded 2-core machine, never reached when things work.
const LIMIT: Duration = Duration::from_secs(10);

/// How soon after Sockudo answers `/up` again every channel must be subscribed again.
const RESUBSCRIBE_BOUND: Duration = Duration::from_secs(3);

/// The access tokens' life in the refresh tests (`--token-ttl`): short, so that a test sees
/// several lifetimes go by.
const TOKEN_TTL: Duration = Duration::from_secs(2);

/// The session's next event, failing the test if none comes within [`LIMIT`].
async fn next_session_event(session_events: &mut SessionEvents) -> SessionEvent {
    timeout(LIMIT, session_events.recv())
        .await
        .unwrap_or_else(|_| panic!("the session said nothing for {LIMIT:?}"))
        .expect("the session's task is running")
}

/// The application event whose payload `id` is `id`, if `event` is one.
fn message_with_id<'a>(
    event: &'a ClientEvent,
    id: &str,
) -> Option<(&'a Option<String>, &'a str, &'a str, &'a Value)> {
    match event {
        ClientEvent::Protocol(Event::Message { channel, name, raw_name, data }) if data["id"] == id => {
            Some((channel, name, raw_name, data))
        }
        _ => None,
    }
}

fn first_id(answer: &Value) -> String {
    answer["ids"][0].as_str().unwrap_or_else(|| panic!("no event id in {answer}")).to_owned()
}

/// Waits for the application event with payload `id`.
async fn expect_message(events: &mut Recorder, id: &str) {
    events.expect(LIMIT, &format!("event {id}"), |event| message_with_id(event, id).is_some()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_admin_receives_each_event_once_on_tenant_user_and_public_channels() {
    let stack = Stack::start().await;
    let (token, user) = stack.sign_in("owner@acme.test").await;
    assert_eq!((user.id, user.role, user.tenant_id), (2, Role::TenantAdmin, Some(1)));
    let own = channels_for(&ChannelTemplates::default(), &user);
    assert_eq!(own, ["private-tenant.1", "private-user.2"]);
    // The seeds' style of public tenant channel, which CONTRACT.md says must work too. The
    // dev route publishes only to private channels, so this one is fed through Sockudo's
    // HTTP API directly.
    let channels = ["private-tenant.1", "private-user.2", "tenant.1"];
    let (client, mut events) = stack.listen(token, &channels);
    events.expect_subscribed(LIMIT, &channels).await;

    let user_created = stack.devserver.fire(json!({"event": "UserCreated", "tenant_id": 1})).await;
    assert_eq!(user_created["channel"], "private-tenant.1");
    let password_changed = stack.devserver.fire(json!({"event": "PasswordChanged", "user_id": 2})).await;
    assert_eq!(password_changed["channel"], "private-user.2");
    let notice = json!({
        "id": "public-notice-1",
        "occurred_at": "2025-01-01T00:00:00Z",
        "title": "Maintenance",
        "message": "Tonight at 22:00.",
        "level": "info",
    });
    stack.trigger("tenant.1", "App\\Events\\SystemNotification", &notice).await;

    let expected = [
        (first_id(&user_created), "private-tenant.1", "UserCreated", "App\\Events\\UserCreated"),
        (first_id(&password_changed), "private-user.2", "PasswordChanged", "App\\Events\\PasswordChanged"),
        ("public-notice-1".to_owned(), "tenant.1", "SystemNotification", "App\\Events\\SystemNotification"),
    ];
    for (id, ..) in &expected {
        if events.count(|event| message_with_id(event, id).is_some()) == 0 {
            expect_message(&mut events, id).await;
        }
    }
    // One more event after them: a duplicate of the first three would have come by then.
    let marker = stack.devserver.fire(json!({"event": "UserUpdated", "tenant_id": 1})).await;
    expect_message(&mut events, &first_id(&marker)).await;

    for (id, channel, name, raw_name) in &expected {
        let arrivals: Vec<_> = events.seen.iter().filter_map(|s| message_with_id(&s.event, id)).collect();
        assert_eq!(arrivals.len(), 1, "event {id} arrived {} times:\n{}", arrivals.len(), events.history());
        let (got_channel, got_name, got_raw_name, data) = arrivals[0];
        assert_eq!(got_channel.as_deref(), Some(*channel));
        assert_eq!((got_name, got_raw_name), (*name, *raw_name));
        assert!(data["occurred_at"].is_string(), "decoded payload: {data}");
    }
    let data_of =
        |id: &str| events.seen.iter().find_map(|s| message_with_id(&s.event, id)).unwrap().3.clone();
    let created = data_of(&expected[0].0);
    assert_eq!(created["user"]["tenant_id"], 1, "{created}");
    assert!(created["user"]["name"].is_string(), "{created}");
    assert_eq!(data_of(&expected[1].0)["user_id"], 2);
    assert_eq!(data_of("public-notice-1"), notice);

    client.shutdown().await;
    events
        .expect(LIMIT, "Disconnected after shutdown", |event| {
            matches!(event, ClientEvent::Protocol(Event::StateChanged(ConnectionState::Disconnected)))
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_sockudo_is_killed_and_restarted_every_channel_is_subscribed_again_within_3_s() {
    let mut stack = Stack::start().await;
    let (token, _) = stack.sign_in("owner@acme.test").await;
    let channels = ["private-tenant.1", "private-user.2"];
    let (client, mut events) = stack.listen(token, &channels);
    events.expect_subscribed(LIMIT, &channels).await;
    let before_kill = events.seen.len();

    stack.sockudo.kill();
    events
        .expect(LIMIT, "Reconnecting after Sockudo died", |event| {
            matches!(event, ClientEvent::Protocol(Event::StateChanged(ConnectionState::Reconnecting { .. })))
        })
        .await;
    let up = stack.sockudo.restart().await;
    let last_subscribed = events.expect_subscribed(LIMIT, &channels).await;
    let took = last_subscribed.saturating_duration_since(up);
    let states: Vec<String> = events.seen[before_kill..]
        .iter()
        .filter_map(|s| match &s.event {
            ClientEvent::Protocol(Event::StateChanged(state)) => Some(format!("{state:?}")),
            _ => None,
        })
        .collect();
    eprintln!(
        "resubscribed {} channels {} ms after Sockudo answered /up again; states since the kill: {}",
        channels.len(),
        took.as_millis(),
        states.join(" → ")
    );
    assert!(
        took < RESUBSCRIBE_BOUND,
        "resubscribing took {took:?} after /up answered (bound {RESUBSCRIBE_BOUND:?}):\n{}",
        events.history()
    );

    let after = stack.devserver.fire(json!({"event": "UserCreated", "tenant_id": 1})).await;
    expect_message(&mut events, &first_id(&after)).await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_channel_fails_once_and_is_never_retried() {
    let stack = Stack::start().await;
    let (token, _) = stack.sign_in("owner@acme.test").await;
    // Acme's owner asks for Globex's tenant channel beside their own.
    let (client, mut events) = stack.listen(token, &["private-user.2", "private-tenant.2"]);
    let is_forbidden = |event: &ClientEvent| {
        matches!(event, ClientEvent::Protocol(Event::SubscriptionFailed { channel, error: SubscriptionError::Forbidden })
            if channel == "private-tenant.2")
    };
    let is_request = |event: &ClientEvent| matches!(event, ClientEvent::AuthorizationRequested { channel, .. } if channel == "private-tenant.2");
    let is_own_subscribed = |event: &ClientEvent| matches!(event, ClientEvent::Protocol(Event::Subscribed { channel }) if channel == "private-user.2");

    events.expect(LIMIT, "the 403 for private-tenant.2", is_forbidden).await;
    if events.count(is_own_subscribed) == 0 {
        events.expect(LIMIT, "the subscription of private-user.2", is_own_subscribed).await;
    }

    // A retry would come within the first backoff ceiling (1 s); watch three times as long.
    let retry =
        events.next_where(Duration::from_secs(3), |event| is_request(event) || is_forbidden(event)).await;
    assert!(retry.is_none(), "private-tenant.2 was tried again: {retry:?}\n{}", events.history());
    assert_eq!(events.count(is_request), 1, "{}", events.history());
    assert_eq!(events.count(is_forbidden), 1, "{}", events.history());
    let forbidden_answers = events.count(|event| {
        matches!(event, ClientEvent::AuthorizationAnswered { channel, result: AuthResult::Forbidden, .. }
            if channel == "private-tenant.2")
    });
    assert_eq!(forbidden_answers, 1);

    // The refusal cost nothing else: the socket and the person's own channel are fine.
    let status = client.status();
    assert!(matches!(status.state, ConnectionState::Connected { .. }), "{status:?}");
    assert_eq!(status.subscribed, ["private-user.2"]);
    let own = stack.devserver.fire(json!({"event": "PasswordChanged", "user_id": 2})).await;
    expect_message(&mut events, &first_id(&own)).await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_stays_on_one_socket_past_three_token_lifetimes_and_signs_new_channels_with_fresh_tokens()
{
    let stack = Stack::start_with(&["--token-ttl", &TOKEN_TTL.as_secs().to_string()]).await;
    let (grant, _) = stack.sign_in_grant("owner@acme.test").await;
    assert!(grant.refresh_token.is_some(), "the backend hands out refresh tokens: {grant:?}");
    let first_token = grant.token.clone();
    let three_lifetimes_later = grant.received_at + 3 * TOKEN_TTL;
    let (session, mut session_events) = Session::start(&stack.devserver.base, grant);
    let (client, mut events) = stack.listen(session.token(), &["private-user.2"]);
    events.expect_subscribed(LIMIT, &["private-user.2"]).await;
    let ConnectionState::Connected { socket_id } = client.status().state else {
        panic!("subscribed but not connected:\n{}", events.history());
    };

    let mut refreshes = 0;
    while Instant::now() < three_lifetimes_later {
        match next_session_event(&mut session_events).await {
            SessionEvent::Refreshed { expires_in } => {
                assert_eq!(expires_in, Some(TOKEN_TTL));
                refreshes += 1;
            }
            other => panic!("after {refreshes} refreshes: {other:?}"),
        }
    }
    assert!(refreshes >= 2, "{refreshes} refreshes in three token lifetimes");

    // A new channel, signed right after a refresh (the token in use has nearly all of its
    // life ahead; the backend's `exp` is in whole seconds, so a token can die up to a second
    // before `expires_in` says). The first token died long ago: only the current one works.
    client.set_channels(["private-user.2", "private-tenant.1"]);
    let is_tenant_answer = |event: &ClientEvent| matches!(event, ClientEvent::AuthorizationAnswered { channel, .. } if channel == "private-tenant.1");
    let answer = events.expect(LIMIT, "the authorization of private-tenant.1", is_tenant_answer).await;
    assert!(
        matches!(&answer.event, ClientEvent::AuthorizationAnswered { socket_id: on, result: AuthResult::Authorized { .. }, .. } if *on == socket_id),
        "{:?}\n{}",
        answer.event,
        events.history()
    );
    events.expect_subscribed(LIMIT, &["private-tenant.1"]).await;
    let first_token_now = stack.api.call("GET", "/api/me", Some(&first_token), None, None).await;
    assert_eq!(first_token_now.status, 401, "the sign-in's token still works: {first_token_now:?}");
    eprintln!(
        "{refreshes} refreshes in three token lifetimes; private-tenant.1 signed with the newest token"
    );

    // Events still arrive on the old subscription and the new one.
    let tenant_event = stack.devserver.fire(json!({"event": "UserCreated", "tenant_id": 1})).await;
    let user_event = stack.devserver.fire(json!({"event": "PasswordChanged", "user_id": 2})).await;
    expect_message(&mut events, &first_id(&tenant_event)).await;
    if events.count(|event| message_with_id(event, &first_id(&user_event)).is_some()) == 0 {
        expect_message(&mut events, &first_id(&user_event)).await;
    }

    // One socket throughout: connected once, never closed, the same socket id now; one
    // authorization of the new channel.
    assert_eq!(events.count(is_tenant_answer), 1, "{}", events.history());
    let states: Vec<&ConnectionState> = events
        .seen
        .iter()
        .filter_map(|s| match &s.event {
            ClientEvent::Protocol(Event::StateChanged(state)) => Some(state),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        [&ConnectionState::Connecting, &ConnectionState::Connected { socket_id: socket_id.clone() }],
        "{}",
        events.history()
    );
    assert_eq!(events.count(|event| matches!(event, ClientEvent::SocketClosed { .. })), 0);
    assert_eq!(client.status().state, ConnectionState::Connected { socket_id });
    assert_eq!(client.status().subscribed, ["private-tenant.1", "private-user.2"]);

    session.stop();
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_elsewhere_ends_the_session_at_its_next_refresh() {
    let stack = Stack::start_with(&["--token-ttl", &TOKEN_TTL.as_secs().to_string()]).await;
    let (grant, _) = stack.sign_in_grant("owner@acme.test").await;
    let (session, mut session_events) = Session::start(&stack.devserver.base, grant);

    // `POST /api/logout` revokes the sign-in's whole family, refresh tokens included.
    let current = session.token().get();
    stack.api.ok("POST", "/api/logout", &current, None).await;
    assert_eq!(
        next_session_event(&mut session_events).await,
        SessionEvent::Ended { notice: REFUSED_NOTICE.to_owned() }
    );
    assert_eq!(session_events.recv().await, None, "the session's task has stopped");
}
