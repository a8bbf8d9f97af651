//! What only the Pusher protocol does, under a virtual clock: the handshake, a signature per
//! private channel, its close-code ranges, Sockudo's 4009. The rules it shares with Django
//! Channels are in `tests/lifecycle.rs`.

mod sim;

use herald_protocol::{Action, AuthResult, ConnectionState, Event, SubscriptionError};
use serde_json::json;
use sim::{Sim, URL, is_ping, sent_frames, subscribed_channel, unsubscribed_channel};

const USER: &str = "private-user.4";
const TENANT: &str = "private-tenant.1";
const PUBLIC: &str = "tenant.1";

#[test]
fn connect_opens_one_socket_and_subscribes_after_the_handshake() {
    let mut sim = Sim::new();
    sim.conn.set_channels([USER, PUBLIC]);
    assert!(sim.take_actions().is_empty(), "nothing is sent before there is a socket");
    sim.conn.connect(sim.now);
    sim.conn.connect(sim.now);
    assert_eq!(sim.take_actions(), [Action::Open { url: URL.into() }]);
    assert_eq!(sim.state(), ConnectionState::Connecting);

    sim.establish("123.456");
    assert_eq!(sim.state(), ConnectionState::Connected { socket_id: "123.456".into() });
    let actions = sim.take_actions();
    assert!(actions.contains(&Action::Authorize { channel: USER.into(), socket_id: "123.456".into() }));
    assert_eq!(
        sent_frames(&actions).iter().filter_map(|f| subscribed_channel(f)).collect::<Vec<_>>(),
        [PUBLIC]
    );

    sim.conn.handle_auth(
        USER,
        "123.456",
        AuthResult::Authorized { auth: "k:s".into(), channel_data: None },
        sim.now,
    );
    let frames = sent_frames(&sim.take_actions());
    let subscribe: serde_json::Value = serde_json::from_str(&frames[0]).unwrap();
    assert_eq!(subscribe, json!({"event": "pusher:subscribe", "data": {"channel": USER, "auth": "k:s"}}));
    sim.succeed(USER);
    assert!(sim.take_events().contains(&Event::Subscribed { channel: USER.into() }));
    assert_eq!(sim.conn.subscribed_channels().collect::<Vec<_>>(), [USER]);
}

#[test]
fn every_close_code_range_leads_to_its_state() {
    // (close code, expect: reconnect at once, expect: a scheduled reconnect, expect: failed)
    let table = [
        (1000, false, true, false),
        (1006, false, true, false),
        (4000, false, false, true),
        (4001, false, false, true),
        (4099, false, false, true),
        (4100, false, true, false),
        (4199, false, true, false),
        (4200, true, false, false),
        (4299, true, false, false),
        (4300, false, true, false),
    ];
    for (code, at_once, scheduled, failed) in table {
        let mut sim = Sim::connected(&[]);
        sim.take_actions();
        sim.conn.handle_close(code, "bye", sim.now);
        let actions = sim.take_actions();
        assert_eq!(actions.contains(&Action::Open { url: URL.into() }), at_once, "code {code}");
        assert_eq!(matches!(sim.state(), ConnectionState::Reconnecting { .. }), scheduled, "code {code}");
        assert_eq!(matches!(sim.state(), ConnectionState::Failed { .. }), failed, "code {code}");
        if failed {
            sim.advance(3_600_000);
            assert!(
                sim.take_actions().is_empty(),
                "code {code}: a refused client never comes back on its own"
            );
            assert_eq!(sim.state(), ConnectionState::Failed { reason: format!("bye (code {code})") });
        }
    }
}

#[test]
fn handshake_errors_decide_like_close_codes() {
    for (code, expect_failed) in [(4001, true), (4100, false), (4200, false)] {
        let mut sim = Sim::new();
        sim.conn.connect(sim.now);
        sim.conn.handle_open(sim.now);
        sim.take_actions();
        sim.frame(json!({"event": "pusher:error", "data": {"code": code, "message": "App key not in this cluster"}}));
        assert_eq!(sim.take_actions().first(), Some(&Action::Close), "code {code}");
        assert_eq!(matches!(sim.state(), ConnectionState::Failed { .. }), expect_failed, "code {code}");
    }
}

#[test]
fn a_repeated_reconnect_now_backs_off_instead_of_hammering() {
    let mut sim = Sim::connected(&[]);
    sim.conn.handle_close(4200, "restart", sim.now);
    assert!(sim.take_actions().contains(&Action::Open { url: URL.into() }));
    // The immediate retry fails before its handshake: now it waits.
    sim.conn.handle_close(4200, "restart", sim.now);
    assert!(matches!(sim.state(), ConnectionState::Reconnecting { attempt: 2, .. }));
}

#[test]
fn the_servers_shorter_activity_timeout_wins() {
    let mut sim = Sim::new();
    sim.conn.connect(sim.now);
    sim.conn.handle_open(sim.now);
    sim.frame(json!({"event": "pusher:connection_established", "data": "{\"socket_id\":\"1.1\",\"activity_timeout\":30}"}));
    sim.take_actions();
    sim.advance(30_000);
    assert!(is_ping(&sent_frames(&sim.take_actions())[0]));
}

#[test]
fn every_channel_is_resubscribed_with_fresh_auth_after_a_reconnect() {
    let mut sim = Sim::connected(&[USER, TENANT, PUBLIC]);
    sim.authorize_and_confirm_all();
    sim.conn.handle_close(1006, "", sim.now);
    sim.advance(30_000);
    sim.establish("2.2");
    let actions = sim.authorize_and_confirm_all();
    let authorized: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Authorize { channel, socket_id } => Some((channel.as_str(), socket_id.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(authorized, [(TENANT, "2.2"), (USER, "2.2")]);
    let mut subscribed: Vec<_> = sent_frames(&actions).iter().filter_map(|f| subscribed_channel(f)).collect();
    subscribed.sort();
    assert_eq!(subscribed, [TENANT, USER, PUBLIC]);
    let mut confirmed: Vec<_> = sim.conn.subscribed_channels().collect();
    confirmed.sort();
    assert_eq!(confirmed, [TENANT, USER, PUBLIC]);
}

/// Catch-up reads back what a socket missed once `Settled` says nothing more can be missed:
/// it must come after the last channel's answer, once per socket, and again on the next one.
#[test]
fn a_refused_channel_counts_as_answered_and_settled_comes_once_per_socket() {
    let settled = |events: &[Event]| events.iter().filter(|e| matches!(e, Event::Settled)).count();
    let mut sim = Sim::connected(&[USER, TENANT]);
    for action in sim.take_actions() {
        if let Action::Authorize { channel, socket_id } = action {
            let result = if channel == TENANT {
                AuthResult::Forbidden
            } else {
                AuthResult::Authorized { auth: "k:sig".into(), channel_data: None }
            };
            sim.conn.handle_auth(&channel, &socket_id, result, sim.now);
        }
    }
    assert_eq!(settled(&sim.take_events()), 0, "the user channel's subscribe is not answered yet");
    sim.succeed(USER);
    let events = sim.take_events();
    assert_eq!(settled(&events), 1, "a refused channel counts as answered: {events:?}");
    assert!(matches!(events.last(), Some(Event::Settled)), "after the last answer");
    sim.succeed(USER);
    assert_eq!(settled(&sim.take_events()), 0, "once per socket");

    sim.conn.handle_close(1006, "", sim.now);
    sim.advance(30_000);
    sim.establish("2.2");
    sim.authorize_and_confirm_all();
    assert_eq!(settled(&sim.take_events()), 1, "again on the next socket");

    sim.conn.set_channels([USER, TENANT, PUBLIC]);
    assert_eq!(settled(&sim.take_events()), 0, "a new channel is not answered yet");
    sim.authorize_and_confirm_all();
    assert_eq!(settled(&sim.take_events()), 1);
}

#[test]
fn an_auth_answer_for_an_old_socket_is_ignored() {
    let mut sim = Sim::connected(&[USER]);
    sim.take_actions();
    sim.conn.handle_close(1006, "", sim.now);
    sim.advance(30_000);
    sim.establish("2.2");
    sim.take_actions();
    sim.conn.handle_auth(
        USER,
        "1.1",
        AuthResult::Authorized { auth: "k:old".into(), channel_data: None },
        sim.now,
    );
    assert!(sent_frames(&sim.take_actions()).is_empty());
}

#[test]
fn sockudo_4009_without_a_channel_fails_the_oldest_pending_subscription() {
    let mut sim = Sim::connected(&[TENANT, USER]);
    for action in sim.take_actions() {
        if let Action::Authorize { channel, socket_id } = action {
            sim.conn.handle_auth(
                &channel,
                &socket_id,
                AuthResult::Authorized { auth: "k:bad".into(), channel_data: None },
                sim.now,
            );
        }
    }
    sim.take_actions();
    sim.take_events();
    sim.frame(json!({"event": "pusher:error", "data": {"code": 4009, "message": "Invalid signature"}}));
    sim.succeed(USER);
    let events = sim.take_events();
    assert_eq!(
        events,
        [
            Event::SubscriptionFailed {
                channel: TENANT.into(),
                error: SubscriptionError::Rejected { code: Some(4009), message: "Invalid signature".into() },
            },
            Event::Subscribed { channel: USER.into() },
            Event::Settled,
        ]
    );
    assert!(matches!(sim.state(), ConnectionState::Connected { .. }), "the socket stays open");
    // A refused channel is not tried again on the next socket.
    sim.conn.handle_close(1006, "", sim.now);
    sim.advance(30_000);
    sim.establish("2.2");
    let retried: Vec<_> = sim
        .take_actions()
        .into_iter()
        .filter(|a| matches!(a, Action::Authorize { channel, .. } if channel == TENANT))
        .collect();
    assert!(retried.is_empty());
}

#[test]
fn auth_failures_401_403_and_network_errors() {
    // 401 and 403: reported once, never retried, not even after a reconnect.
    for (result, error) in [
        (AuthResult::Unauthorized, SubscriptionError::Unauthorized),
        (AuthResult::Forbidden, SubscriptionError::Forbidden),
    ] {
        let mut sim = Sim::connected(&[USER]);
        sim.take_actions();
        sim.take_events();
        sim.conn.handle_auth(USER, "1.1", result, sim.now);
        // The only channel has its answer, so the socket has settled.
        assert_eq!(
            sim.take_events(),
            [Event::SubscriptionFailed { channel: USER.into(), error: error.clone() }, Event::Settled]
        );
        sim.advance(119_000);
        assert!(sim.take_actions().is_empty(), "{error:?} is not retried while the socket lives");
        sim.conn.handle_close(1006, "", sim.now);
        sim.advance(60_000);
        sim.establish("2.2");
        assert!(!sim.take_actions().iter().any(|a| matches!(a, Action::Authorize { .. })), "{error:?}");
        // Wanting the channel afresh (e.g. after signing in again) tries it once more.
        sim.conn.set_channels(Vec::<String>::new());
        sim.conn.set_channels([USER]);
        assert!(sim.take_actions().iter().any(|a| matches!(a, Action::Authorize { .. })));
    }

    // A new token (a refresh) is a new chance, on the socket that is open: the same token is not.
    let mut sim = Sim::connected(&[USER]);
    sim.conn.set_token(Some("first".into()));
    sim.take_actions();
    sim.conn.handle_auth(USER, "1.1", AuthResult::Unauthorized, sim.now);
    sim.conn.set_token(Some("first".into()));
    assert!(sim.take_actions().is_empty());
    sim.conn.set_token(Some("refreshed".into()));
    assert_eq!(sim.take_actions(), [Action::Authorize { channel: USER.into(), socket_id: "1.1".into() }]);
    assert!(matches!(sim.state(), ConnectionState::Connected { .. }), "the socket stays");

    // A network error: retried with growing delays, a bounded number of times per minute.
    let mut sim = Sim::connected(&[USER]);
    sim.take_actions();
    let mut requests = 1;
    let start = sim.now;
    while sim.now.since(start).0 < 60_000 {
        sim.conn.handle_auth(USER, "1.1", AuthResult::Failed { reason: "offline".into() }, sim.now);
        let Some(Event::AuthorizationRetry { retry_at, .. }) = sim.take_events().pop() else { panic!() };
        sim.advance(retry_at.since(sim.now).0);
        let actions = sim.take_actions();
        requests += actions.iter().filter(|a| matches!(a, Action::Authorize { .. })).count();
    }
    assert!((4..=12).contains(&requests), "{requests} authorization requests in a minute");
    sim.conn.handle_auth(
        USER,
        "1.1",
        AuthResult::Authorized { auth: "k:s".into(), channel_data: None },
        sim.now,
    );
    assert_eq!(
        sent_frames(&sim.take_actions()).iter().filter_map(|f| subscribed_channel(f)).collect::<Vec<_>>(),
        [USER]
    );
}

#[test]
fn unsubscribe_while_authorizing_or_awaiting_the_answer() {
    // Left while the authorizer is asked: its answer is dropped, nothing is sent.
    let mut sim = Sim::connected(&[USER]);
    sim.take_actions();
    sim.conn.set_channels(Vec::<String>::new());
    sim.conn.handle_auth(
        USER,
        "1.1",
        AuthResult::Authorized { auth: "k:s".into(), channel_data: None },
        sim.now,
    );
    assert!(sim.take_actions().is_empty());

    // Left after the subscribe went out: unsubscribe, and ignore the late success.
    let mut sim = Sim::connected(&[USER]);
    sim.take_actions();
    sim.conn.handle_auth(
        USER,
        "1.1",
        AuthResult::Authorized { auth: "k:s".into(), channel_data: None },
        sim.now,
    );
    sim.take_actions();
    sim.conn.set_channels(Vec::<String>::new());
    let frames = sent_frames(&sim.take_actions());
    assert_eq!(frames.iter().filter_map(|f| unsubscribed_channel(f)).collect::<Vec<_>>(), [USER]);
    sim.take_events();
    sim.succeed(USER);
    assert!(!sim.take_events().iter().any(|e| matches!(e, Event::Subscribed { .. })));
    // Events on the channel that was left never reach the app.
    sim.frame(json!({"event": "App\\Events\\PasswordChanged", "channel": USER, "data": "{}"}));
    assert!(matches!(sim.take_events()[..], [Event::Ignored { .. }]));
}
