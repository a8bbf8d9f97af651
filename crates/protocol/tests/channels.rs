//! The Django Channels transport under a virtual clock: the handshake by token, subscribe,
//! events, heartbeat, and what each close code leads to. No sockets, no sleeps.

use herald_protocol::{
    Action, ChannelsClose, ChannelsConfig, ChannelsConnection, ConnectionState, Event, FrameError, Millis,
    SubscriptionError, channels_close,
};
use serde_json::{Value, json};

const URL: &str = "ws://127.0.0.1:8001/ws/notifications/";
const TENANT: &str = "private-tenant.1";
const USER: &str = "private-user.4";

/// A connection and a virtual clock.
struct Sim {
    conn: ChannelsConnection,
    now: Millis,
}

impl Sim {
    fn new() -> Sim {
        Sim { conn: ChannelsConnection::new(ChannelsConfig::new(URL.into()), 7), now: Millis::ZERO }
    }

    /// Told to connect as a person with `channels`, socket opened, subscription confirmed.
    fn subscribed(channels: &[&str]) -> Sim {
        let mut sim = Sim::new();
        sim.conn.set_token(Some("header.payload.sig".into()));
        sim.conn.set_channels(channels.iter().copied());
        sim.conn.connect(sim.now);
        sim.conn.handle_open(sim.now);
        sim.frame(json!({"type": "subscribed", "channels": channels}));
        sim.actions();
        sim.events();
        sim
    }

    fn frame(&mut self, message: Value) {
        self.conn.handle_frame(&message.to_string(), self.now);
    }

    fn advance(&mut self, ms: u64) {
        let end = self.now + Millis(ms);
        while let Some(at) = self.conn.poll_timeout() {
            if at > end {
                break;
            }
            self.now = self.now.max(at);
            self.conn.handle_timeout(self.now);
        }
        self.now = end;
    }

    fn actions(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.conn.poll_action()).collect()
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.conn.poll_event()).collect()
    }

    fn sent(&mut self) -> Vec<Value> {
        self.actions()
            .into_iter()
            .filter_map(|action| match action {
                Action::Send(text) => Some(serde_json::from_str(&text).unwrap()),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn the_token_goes_in_the_url_and_the_channels_in_one_subscribe() {
    let mut sim = Sim::new();
    sim.conn.set_channels([USER, TENANT]);
    sim.conn.connect(sim.now);
    assert!(sim.actions().is_empty(), "no token, nothing to connect with");
    sim.conn.set_token(Some("a b+c".into()));
    sim.conn.connect(sim.now);
    assert_eq!(sim.actions(), [Action::Open { url: format!("{URL}?token=a%20b%2Bc") }]);
    sim.conn.handle_open(sim.now);
    assert_eq!(sim.sent(), [json!({"type": "subscribe", "channels": [TENANT, USER]})]);
    assert!(matches!(sim.conn.state(), ConnectionState::Connected { .. }));
    assert!(!sim.events().contains(&Event::Settled), "not before the server confirms");
    sim.frame(json!({"type": "subscribed", "channels": [TENANT, USER]}));
    let events = sim.events();
    assert_eq!(
        events,
        [
            Event::Subscribed { channel: TENANT.into() },
            Event::Subscribed { channel: USER.into() },
            Event::Settled
        ]
    );
    assert_eq!(sim.conn.subscribed_channels().collect::<Vec<_>>(), [TENANT, USER]);
}

#[test]
fn events_arrive_with_their_short_names_from_objects_or_strings() {
    let mut sim = Sim::subscribed(&[TENANT, USER]);
    sim.frame(json!({"type": "UserCreated", "channel": TENANT, "data": {"id": "e1"}}));
    sim.frame(json!({"type": "App\\Events\\PasswordChanged", "channel": USER, "data": "{\"id\":\"e2\"}"}));
    sim.frame(json!({"type": "UserCreated", "channel": "private-tenant.2", "data": {"id": "e3"}}));
    let events = sim.events();
    assert_eq!(
        events[..2],
        [
            Event::Message {
                channel: Some(TENANT.into()),
                name: "UserCreated".into(),
                raw_name: "UserCreated".into(),
                data: json!({"id": "e1"}),
            },
            Event::Message {
                channel: Some(USER.into()),
                name: "PasswordChanged".into(),
                raw_name: "App\\Events\\PasswordChanged".into(),
                data: json!({"id": "e2"}),
            },
        ]
    );
    assert!(
        matches!(&events[2], Event::Ignored { channel: Some(c), .. } if c == "private-tenant.2"),
        "a channel not asked for is not delivered: {events:?}"
    );
}

#[test]
fn malformed_and_oversized_messages_are_rejected_and_the_socket_carries_on() {
    let mut sim = Sim::subscribed(&[USER]);
    for text in ["not json", "[]", "{\"no\":\"type\"}"] {
        sim.conn.handle_frame(text, sim.now);
    }
    sim.conn.handle_frame(&"x".repeat(1024 * 1024), sim.now);
    let rejected: Vec<FrameError> = sim
        .events()
        .into_iter()
        .filter_map(|event| match event {
            Event::FrameRejected(error) => Some(error),
            _ => None,
        })
        .collect();
    assert!(matches!(
        rejected[..],
        [
            FrameError::NotJson { .. },
            FrameError::NotAnObject,
            FrameError::MissingEvent,
            FrameError::TooLarge { .. }
        ]
    ));
    assert!(matches!(sim.conn.state(), ConnectionState::Connected { .. }));
    sim.frame(json!({"type": "error", "message": "unknown message"}));
    assert_eq!(sim.events(), [Event::ServerError { code: None, message: "unknown message".into() }]);
}

#[test]
fn silence_gets_a_ping_and_no_pong_reconnects() {
    let mut sim = Sim::subscribed(&[USER]);
    sim.advance(29_999);
    assert!(sim.sent().is_empty());
    sim.advance(1);
    assert_eq!(sim.sent(), [json!({"type": "ping"})]);
    sim.frame(json!({"type": "pong"}));
    sim.advance(30_000);
    assert_eq!(sim.sent(), [json!({"type": "ping"})], "the pong reset the clock");
    sim.advance(10_000);
    assert_eq!(sim.actions(), [Action::Close], "no pong within 10 s: the socket is dead");
    assert!(matches!(sim.conn.state(), ConnectionState::Reconnecting { attempt: 1, .. }));
    sim.frame(json!({"type": "ping"}));
    assert!(sim.sent().is_empty(), "nothing is sent without a socket");
}

#[test]
fn the_servers_ping_is_answered() {
    let mut sim = Sim::subscribed(&[USER]);
    sim.frame(json!({"type": "ping"}));
    assert_eq!(sim.sent(), [json!({"type": "pong"})]);
}

#[test]
fn the_close_code_table() {
    let check = |code, expect| assert_eq!(channels_close(code), expect, "{code}");
    check(4001, ChannelsClose::AuthenticationFailed);
    check(4003, ChannelsClose::Refused);
    check(4004, ChannelsClose::Refused);
    check(4000, ChannelsClose::Reconnect);
    check(1006, ChannelsClose::Reconnect);
    check(1001, ChannelsClose::Reconnect);
    check(1000, ChannelsClose::Reconnect);
}

#[test]
fn a_4001_reports_the_session_gone_and_never_retries() {
    let mut sim = Sim::subscribed(&[USER]);
    sim.conn.handle_close(4001, "", sim.now);
    let events = sim.events();
    assert!(events.contains(&Event::SubscriptionFailed {
        channel: USER.into(),
        error: SubscriptionError::Unauthorized
    }));
    assert!(matches!(sim.conn.state(), ConnectionState::Failed { .. }));
    sim.advance(600_000);
    sim.conn.connect(sim.now);
    assert!(sim.actions().is_empty(), "the same token is not tried again");
    sim.conn.set_token(Some("fresh.token.sig".into()));
    sim.conn.connect(sim.now);
    assert_eq!(sim.actions(), [Action::Open { url: format!("{URL}?token=fresh.token.sig") }]);
}

#[test]
fn a_4003_is_shown_once_and_not_retried_until_the_channels_change() {
    let mut sim = Sim::subscribed(&[USER]);
    sim.conn.set_channels([USER, "private-tenant.91"]);
    sim.advance(0);
    sim.conn.handle_open(sim.now);
    sim.actions();
    sim.events();
    sim.conn.handle_close(4003, "private-tenant.91", sim.now);
    let failures: Vec<Event> =
        sim.events().into_iter().filter(|e| matches!(e, Event::SubscriptionFailed { .. })).collect();
    assert_eq!(
        failures,
        [Event::SubscriptionFailed {
            channel: "private-tenant.91".into(),
            error: SubscriptionError::Rejected {
                code: Some(4003),
                message: "permission denied (4003)".into()
            },
        }]
    );
    sim.advance(600_000);
    sim.conn.connect(sim.now);
    sim.conn.retry_now(sim.now);
    assert!(sim.actions().is_empty(), "no retry loop");
    sim.conn.set_channels([USER]);
    sim.conn.connect(sim.now);
    assert!(matches!(sim.actions()[..], [Action::Open { .. }]), "other channels get a try");
}

#[test]
fn server_errors_and_drops_reconnect_with_backoff_and_resubscribe() {
    let mut sim = Sim::subscribed(&[TENANT, USER]);
    sim.conn.handle_close(4000, "", sim.now);
    let ConnectionState::Reconnecting { attempt: 1, retry_at } = sim.conn.state().clone() else {
        panic!("{:?}", sim.conn.state())
    };
    assert!(retry_at.since(sim.now) <= Millis(1_000), "the first retry within a second");
    sim.advance(1_000);
    assert!(matches!(sim.actions()[..], [Action::Open { .. }]));
    sim.conn.handle_close(1006, "", sim.now);
    let ConnectionState::Reconnecting { attempt: 2, .. } = sim.conn.state().clone() else { panic!() };
    sim.advance(2_000);
    sim.actions();
    sim.conn.handle_open(sim.now);
    assert_eq!(sim.sent(), [json!({"type": "subscribe", "channels": [TENANT, USER]})]);
    sim.frame(json!({"type": "subscribed", "channels": [TENANT, USER]}));
    assert!(sim.events().contains(&Event::Settled), "settled again on the new socket");
    sim.conn.handle_close(1006, "", sim.now);
    assert!(
        matches!(sim.conn.state(), ConnectionState::Reconnecting { attempt: 1, .. }),
        "a confirmed subscription reset the backoff"
    );
}

#[test]
fn offline_waits_and_online_retries_at_once() {
    let mut sim = Sim::subscribed(&[USER]);
    sim.conn.handle_close(1006, "", sim.now);
    sim.conn.handle_network(false, sim.now);
    assert_eq!(sim.conn.state(), &ConnectionState::Unavailable);
    sim.advance(60_000);
    assert!(sim.actions().is_empty());
    sim.conn.handle_network(true, sim.now);
    assert!(matches!(sim.actions()[..], [Action::Open { .. }]));
}

#[test]
fn a_new_token_or_new_channels_on_an_open_socket_reconnect_at_once() {
    let mut sim = Sim::subscribed(&[USER]);
    sim.conn.set_token(Some("next.token.sig".into()));
    assert_eq!(sim.actions(), [Action::Close]);
    sim.advance(0);
    assert_eq!(sim.actions(), [Action::Open { url: format!("{URL}?token=next.token.sig") }]);
    sim.conn.disconnect();
    assert_eq!(sim.conn.state(), &ConnectionState::Disconnected);
}

mod properties {
    use herald_protocol::{Action, ChannelsConfig, ChannelsConnection, Event, Millis};
    use proptest::prelude::*;
    use serde_json::json;

    const CHANNELS: [&str; 3] = ["private-user.4", "private-tenant.1", "private-system.admin"];

    #[derive(Debug, Clone)]
    enum Input {
        SetChannels(Vec<bool>),
        Token(u8),
        Connect,
        Disconnect,
        Open,
        Close(u16),
        Frame(String),
        Advance(u32),
        Network(bool),
        Visible,
        RetryNow,
    }

    fn input() -> impl Strategy<Value = Input> {
        prop_oneof![
            prop::collection::vec(any::<bool>(), 3).prop_map(Input::SetChannels),
            (0..3u8).prop_map(Input::Token),
            Just(Input::Connect),
            Just(Input::Disconnect),
            Just(Input::Open),
            prop_oneof![Just(1000u16), Just(1006), Just(4000), Just(4001), Just(4003), Just(4004)]
                .prop_map(Input::Close),
            prop_oneof![
                ".{0,40}",
                Just(r#"{"type":"subscribed","channels":["private-user.4","private-tenant.1"]}"#.to_owned()),
                Just(r#"{"type":"ping"}"#.to_owned()),
                Just(r#"{"type":"pong"}"#.to_owned()),
                Just(r#"{"type":"UserCreated","channel":"private-tenant.1","data":{"id":1}}"#.to_owned()),
            ]
            .prop_map(Input::Frame),
            (0..120_000u32).prop_map(Input::Advance),
            any::<bool>().prop_map(Input::Network),
            Just(Input::Visible),
            Just(Input::RetryNow),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Whatever happens, there is never more than one socket (every `Open` is preceded by
        /// a `Close` of the one before, or by its `handle_close`), nothing panics, and a fresh
        /// token with a healthy server subscribes every wanted channel and settles.
        #[test]
        fn any_inputs_keep_one_socket_and_a_fresh_start_settles(
            inputs in prop::collection::vec(input(), 0..60),
            wanted in prop::collection::vec(any::<bool>(), 3),
        ) {
            let mut conn = ChannelsConnection::new(ChannelsConfig::new("ws://h/ws/".into()), 3);
            let mut now = Millis::ZERO;
            let mut open_sockets = 0u32;
            let count = |actions: Vec<Action>, open_sockets: &mut u32| {
                for action in actions {
                    match action {
                        Action::Open { .. } => {
                            *open_sockets += 1;
                            prop_assert!(*open_sockets <= 1, "a second socket opened");
                        }
                        Action::Close => *open_sockets = open_sockets.saturating_sub(1),
                        _ => {}
                    }
                }
                Ok(())
            };
            for input in &inputs {
                match input {
                    Input::SetChannels(mask) => conn.set_channels(
                        CHANNELS.iter().zip(mask).filter(|(_, on)| **on).map(|(c, _)| *c),
                    ),
                    Input::Token(n) => conn.set_token((*n > 0).then(|| format!("token{n}"))),
                    Input::Connect => conn.connect(now),
                    Input::Disconnect => conn.disconnect(),
                    Input::Open => conn.handle_open(now),
                    Input::Close(code) => {
                        // The socket went away on its own: none is open any more.
                        open_sockets = 0;
                        conn.handle_close(*code, "", now)
                    }
                    Input::Frame(text) => conn.handle_frame(text, now),
                    Input::Advance(ms) => {
                        let end = now + Millis(u64::from(*ms));
                        while let Some(at) = conn.poll_timeout() {
                            if at > end { break; }
                            now = now.max(at);
                            conn.handle_timeout(now);
                            count(std::iter::from_fn(|| conn.poll_action()).collect(), &mut open_sockets)?;
                        }
                        now = end;
                    }
                    Input::Network(online) => conn.handle_network(*online, now),
                    Input::Visible => conn.handle_visibility(true, now),
                    Input::RetryNow => conn.retry_now(now),
                }
                count(std::iter::from_fn(|| conn.poll_action()).collect(), &mut open_sockets)?;
                while conn.poll_event().is_some() {}
            }

            let desired: Vec<&str> = CHANNELS.iter().zip(&wanted).filter(|(_, on)| **on).map(|(c, _)| *c).collect();
            conn.disconnect();
            conn.handle_network(true, now);
            conn.set_token(Some("fresh".into()));
            conn.set_channels(desired.clone());
            conn.connect(now);
            let actions: Vec<Action> = std::iter::from_fn(|| conn.poll_action()).collect();
            prop_assert!(matches!(actions.last(), Some(Action::Open { .. })), "{actions:?}");
            conn.handle_open(now);
            conn.handle_frame(&json!({"type": "subscribed", "channels": desired}).to_string(), now);
            let events: Vec<Event> = std::iter::from_fn(|| conn.poll_event()).collect();
            let mut subscribed: Vec<&str> = conn.subscribed_channels().collect();
            subscribed.sort_unstable();
            let mut expected = desired.clone();
            expected.sort_unstable();
            prop_assert_eq!(subscribed, expected);
            prop_assert_eq!(events.iter().filter(|e| matches!(e, Event::Settled)).count(), usize::from(!desired.is_empty()));
        }
    }
}
