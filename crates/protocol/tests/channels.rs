//! What only the Django Channels protocol does: the token in the URL, one subscribe for every
//! channel, and what each of its close codes leads to. The rules it shares with Pusher are in
//! `tests/lifecycle.rs`.

mod sim;

use herald_protocol::{
    Action, ChannelsClose, ConnectionState, Event, FrameError, SubscriptionError, channels_close,
};
use serde_json::json;
use sim::{CHANNELS_URL, Sim, Wire};

const TENANT: &str = "private-tenant.1";
const USER: &str = "private-user.4";

/// Told to connect as a person with `channels`, socket opened, subscription confirmed.
fn subscribed(channels: &[&str]) -> Sim {
    let mut sim = Sim::connected_on(Wire::Channels, channels);
    sim.confirm(channels);
    sim.take_actions();
    sim.take_events();
    sim
}

#[test]
fn the_token_goes_in_the_url_and_the_channels_in_one_subscribe() {
    let mut sim = Sim::on(Wire::Channels);
    sim.conn.set_token(None);
    sim.conn.set_channels([USER, TENANT]);
    sim.conn.connect(sim.now);
    assert!(sim.take_actions().is_empty(), "no token, nothing to connect with");
    sim.conn.set_token(Some("a b+c".into()));
    sim.conn.connect(sim.now);
    assert_eq!(sim.take_actions(), [Action::Open { url: format!("{CHANNELS_URL}?token=a%20b%2Bc") }]);
    sim.conn.handle_open(sim.now);
    assert_eq!(sim.sent(), [json!({"type": "subscribe", "channels": [TENANT, USER]})]);
    assert!(matches!(sim.state(), ConnectionState::Connected { .. }));
    assert!(!sim.take_events().contains(&Event::Settled), "not before the server confirms");
    sim.confirm(&[TENANT, USER]);
    assert_eq!(
        sim.take_events(),
        [
            Event::Subscribed { channel: TENANT.into() },
            Event::Subscribed { channel: USER.into() },
            Event::Settled
        ]
    );
    assert_eq!(sim.conn.subscribed_channels().collect::<Vec<_>>(), [TENANT, USER]);
}

#[test]
fn event_data_arrives_decoded_from_objects_or_strings() {
    let mut sim = subscribed(&[TENANT, USER]);
    sim.frame(json!({"type": "UserCreated", "channel": TENANT, "data": {"id": "e1"}}));
    sim.frame(json!({"type": "UserCreated", "channel": TENANT, "data": "{\"id\":\"e2\"}"}));
    sim.frame(json!({"type": "UserCreated", "channel": "private-tenant.2", "data": {"id": "e3"}}));
    let events = sim.take_events();
    let data: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            Event::Message { data, .. } => Some(data.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(data, [json!({"id": "e1"}), json!({"id": "e2"})]);
    assert!(
        matches!(&events[2], Event::Ignored { channel: Some(c), .. } if c == "private-tenant.2"),
        "a channel not asked for is not delivered: {events:?}"
    );
}

#[test]
fn a_message_without_a_type_or_an_error_is_reported() {
    let mut sim = subscribed(&[USER]);
    sim.raw_frame("{\"no\":\"type\"}");
    assert_eq!(sim.take_events(), [Event::FrameRejected(FrameError::MissingEvent)]);
    sim.frame(json!({"type": "error", "message": "unknown message"}));
    assert_eq!(sim.take_events(), [Event::ServerError { code: None, message: "unknown message".into() }]);
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
fn a_4001_reports_the_session_gone_and_never_retries_the_same_token() {
    let mut sim = subscribed(&[USER]);
    sim.conn.handle_close(4001, "", sim.now);
    assert!(sim.take_events().contains(&Event::SubscriptionFailed {
        channel: USER.into(),
        error: SubscriptionError::Unauthorized
    }));
    assert!(matches!(sim.state(), ConnectionState::Failed { .. }));
    sim.advance(600_000);
    sim.conn.connect(sim.now);
    assert!(sim.take_actions().is_empty(), "the same token is not tried again");
    sim.conn.set_token(Some("fresh.token.sig".into()));
    sim.conn.connect(sim.now);
    assert_eq!(sim.take_actions(), [Action::Open { url: format!("{CHANNELS_URL}?token=fresh.token.sig") }]);
}

#[test]
fn a_4003_names_the_refused_channel_when_the_reason_does() {
    let mut sim = subscribed(&[USER]);
    sim.conn.set_channels([USER, "private-tenant.91"]);
    assert_eq!(sim.sent(), [json!({"type": "subscribe", "channels": ["private-tenant.91"]})]);
    sim.conn.handle_close(4003, "private-tenant.91", sim.now);
    let failures: Vec<Event> =
        sim.take_events().into_iter().filter(|e| matches!(e, Event::SubscriptionFailed { .. })).collect();
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
    // Without a reason, every wanted channel is named.
    let mut sim = subscribed(&[TENANT, USER]);
    sim.conn.handle_close(4004, "", sim.now);
    assert!(sim.take_events().contains(&Event::SubscriptionFailed {
        channel: format!("{TENANT}, {USER}"),
        error: SubscriptionError::Rejected { code: Some(4004), message: "not found (4004)".into() },
    }));
}

#[test]
fn a_refreshed_token_reaches_the_open_socket_in_band_and_the_socket_stays() {
    let mut sim = subscribed(&[USER]);
    sim.conn.set_token(Some("next.token.sig".into()));
    assert_eq!(sim.sent(), [json!({"type": "authenticate", "token": "next.token.sig"})]);
    assert!(matches!(sim.state(), ConnectionState::Connected { .. }));
    sim.conn.set_token(Some("next.token.sig".into()));
    assert!(sim.take_actions().is_empty(), "the same token changes nothing");
    // The server's answer is no event.
    sim.conn.handle_frame(r#"{"type":"authenticated"}"#, sim.now);
    assert!(!sim.take_events().iter().any(|e| matches!(e, Event::Message { .. })));
    // The next socket opens with the new token.
    sim.conn.handle_close(4000, "", sim.now);
    let ConnectionState::Reconnecting { retry_at, .. } = sim.state() else { panic!("{:?}", sim.state()) };
    sim.advance(retry_at.since(sim.now).0);
    assert_eq!(sim.take_actions(), [Action::Open { url: format!("{CHANNELS_URL}?token=next.token.sig") }]);
}

#[test]
fn a_token_refreshed_while_the_socket_opens_is_sent_once_it_is_open() {
    let mut sim = subscribed(&[USER]);
    sim.conn.handle_close(4000, "", sim.now);
    let ConnectionState::Reconnecting { retry_at, .. } = sim.state() else { panic!("{:?}", sim.state()) };
    sim.advance(retry_at.since(sim.now).0);
    sim.take_actions();
    sim.conn.set_token(Some("next.token.sig".into()));
    assert!(sim.take_actions().is_empty());
    sim.conn.handle_open(sim.now);
    assert_eq!(sim.sent()[0], json!({"type": "authenticate", "token": "next.token.sig"}));
}

#[test]
fn losing_the_token_replaces_the_socket() {
    let mut sim = subscribed(&[USER]);
    sim.conn.set_token(None);
    assert_eq!(sim.take_actions(), [Action::Close]);
}

/// A Channels socket opens before its token is judged (the consumer may close it with 4001
/// at once), so only a confirmed subscription resets the backoff.
#[test]
fn opening_alone_does_not_reset_the_backoff() {
    let mut sim = subscribed(&[USER]);
    sim.conn.handle_close(4000, "", sim.now);
    let ConnectionState::Reconnecting { retry_at, .. } = sim.state() else { panic!("{:?}", sim.state()) };
    sim.advance(retry_at.since(sim.now).0);
    sim.conn.handle_open(sim.now);
    assert!(matches!(sim.state(), ConnectionState::Connected { .. }));
    sim.conn.handle_close(4000, "", sim.now);
    assert!(matches!(sim.state(), ConnectionState::Reconnecting { attempt: 2, .. }), "{:?}", sim.state());
}
