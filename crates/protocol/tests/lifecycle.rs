//! The connection lifecycle's rules, each run against both wire protocols (Pusher and Django
//! Channels) and passing the same way: network, visibility, liveness, backoff, resubscription
//! and which events reach the app. A virtual clock, no sockets, no sleeps.

mod sim;

use herald_protocol::{Action, ConnectionConfig, ConnectionState, Event, FrameError, Millis};
use serde_json::json;
use sim::{BOTH, Sim, Wire, is_ping, sent_frames, settled, subscribed_channels};

const USER: &str = "private-user.4";
const TENANT: &str = "private-tenant.1";

fn config(wire: Wire) -> ConnectionConfig {
    match wire {
        Wire::Pusher => ConnectionConfig::pusher(),
        Wire::Channels => ConnectionConfig::channels(),
    }
}

/// A client of `wire` connected with `channels`, every one of them subscribed.
fn subscribed(wire: Wire, channels: &[&str]) -> Sim {
    let mut sim = Sim::connected_on(wire, channels);
    sim.authorize_and_confirm_all();
    sim.take_events();
    sim
}

/// Drift decided: the Channels client counted a reconnect attempt before looking at the
/// network, the Pusher client after. A failure while offline is not the server's: it is not
/// counted, so the wait after the network returns is the one the server's failures made.
#[test]
fn a_close_while_offline_is_not_counted_as_an_attempt() {
    for wire in BOTH {
        let mut sim = subscribed(wire, &[USER]);
        sim.conn.handle_network(false, sim.now);
        sim.conn.handle_close(1006, "", sim.now);
        assert_eq!(sim.state(), ConnectionState::Unavailable, "{wire:?}");
        sim.take_actions();
        sim.advance(600_000);
        assert!(sim.take_actions().is_empty(), "{wire:?}: no attempts while offline");

        sim.conn.handle_network(true, sim.now);
        assert_eq!(sim.take_actions(), [wire.open()], "{wire:?}: online retries at once");
        sim.conn.handle_close(1006, "", sim.now);
        assert!(
            matches!(sim.state(), ConnectionState::Reconnecting { attempt: 1, .. }),
            "{wire:?}: the offline failure was not counted: {:?}",
            sim.state()
        );
    }
}

/// Drift decided: the Pusher client dropped events on channels the app no longer wanted, the
/// Channels client those on channels not yet confirmed. The rule for both: an event reaches
/// the app exactly while the app wants its channel — one that overtakes the server's
/// confirmation is not lost, and one on a channel the app left never arrives.
#[test]
fn an_event_reaches_the_app_exactly_while_its_channel_is_wanted() {
    for wire in BOTH {
        let mut sim = Sim::connected_on(wire, &[USER, TENANT]);
        sim.take_actions();
        sim.take_events();
        sim.event("UserCreated", TENANT, json!({ "id": "e1" }));
        assert!(
            matches!(&sim.take_events()[..], [Event::Message { channel: Some(c), .. }] if c == TENANT),
            "{wire:?}: before the confirmation"
        );

        sim.conn.set_channels([USER]);
        sim.event("UserCreated", TENANT, json!({ "id": "e2" }));
        sim.frame(json!({ "event": "UserCreated", "type": "UserCreated", "data": "{}" }));
        let events = sim.take_events();
        assert!(
            matches!(&events[..], [Event::Ignored { .. }, Event::Ignored { .. }]),
            "{wire:?}: a channel left, and no channel at all: {events:?}"
        );
        sim.event("PasswordChanged", USER, json!({ "id": "e3" }));
        assert!(matches!(&sim.take_events()[..], [Event::Message { .. }]), "{wire:?}");
    }
}

/// The core says when a connected socket is lost, so every driver passes it on the same way
/// (the browser driver used to work it out from the badge's state).
#[test]
fn interrupted_follows_the_loss_of_a_connected_socket_and_nothing_else() {
    for wire in BOTH {
        let mut sim = Sim::on(wire);
        sim.conn.set_channels([USER]);
        sim.conn.connect(sim.now);
        sim.conn.handle_close(1006, "", sim.now);
        assert!(!sim.take_events().contains(&Event::Interrupted), "{wire:?}: never connected");

        sim.conn.retry_now(sim.now);
        sim.establish("1.1");
        sim.take_events();
        sim.conn.handle_close(1006, "", sim.now);
        let events = sim.take_events();
        let at = events.iter().position(|e| *e == Event::Interrupted);
        assert!(
            at.is_some_and(|at| matches!(
                &events[at - 1],
                Event::StateChanged(ConnectionState::Reconnecting { .. })
            )),
            "{wire:?}: {events:?}"
        );
        assert_eq!(events.iter().filter(|e| **e == Event::Interrupted).count(), 1, "{wire:?}");
    }
}

#[test]
fn ping_after_silence_and_replace_a_socket_that_does_not_answer() {
    for wire in BOTH {
        let ConnectionConfig { activity_timeout: idle, pong_timeout: pong, .. } = config(wire);
        let mut sim = subscribed(wire, &[USER]);
        sim.advance(idle.0 - 1);
        assert!(sim.take_actions().is_empty(), "{wire:?}");
        sim.advance(1);
        let frames = sent_frames(&sim.take_actions());
        assert!(frames.len() == 1 && is_ping(&frames[0]), "{wire:?}: {frames:?}");

        // An answer (any message) keeps the socket; the next ping comes after another silence.
        sim.advance(pong.0 / 2);
        sim.frame(sim.wire.server_ping());
        sim.take_actions();
        sim.advance(idle.0 - 1);
        assert!(sim.take_actions().is_empty(), "{wire:?}");
        sim.advance(1);
        assert!(is_ping(&sent_frames(&sim.take_actions())[0]), "{wire:?}");

        // No answer within the pong timeout: the socket is dead; it is replaced at once.
        sim.advance(pong.0 - 1);
        assert!(sim.take_actions().is_empty(), "{wire:?}");
        sim.advance(1);
        assert_eq!(sim.take_actions(), [Action::Close, wire.open()], "{wire:?}");
    }
}

#[test]
fn the_servers_ping_gets_a_pong() {
    for wire in BOTH {
        let mut sim = subscribed(wire, &[USER]);
        sim.frame(wire.server_ping());
        let frames = sim.sent();
        let pong = &frames[0];
        assert!(pong["event"] == "pusher:pong" || pong["type"] == "pong", "{wire:?}: {frames:?}");
    }
}

#[test]
fn backoff_grows_within_bounds_and_resets_once_the_server_accepts_the_client() {
    for wire in BOTH {
        let mut sim = subscribed(wire, &[USER]);
        let mut last_ceiling = 0;
        for attempt in 1..=12u32 {
            sim.conn.handle_close(1006, "", sim.now);
            let ConnectionState::Reconnecting { attempt: seen, retry_at } = sim.state() else {
                panic!("{wire:?} attempt {attempt}: {:?}", sim.state());
            };
            assert_eq!(seen, attempt, "{wire:?}");
            let delay = retry_at.since(sim.now).0;
            let ceiling = (1_000u64 << (attempt - 1).min(20)).min(30_000);
            assert!((100..=ceiling).contains(&delay), "{wire:?} attempt {attempt}: {delay} ms");
            assert!(ceiling >= last_ceiling);
            last_ceiling = ceiling;
            sim.take_actions();
            sim.advance(delay);
            assert_eq!(sim.take_actions(), [wire.open()], "{wire:?} attempt {attempt}");
        }
        sim.establish("9.9");
        sim.authorize_and_confirm_all();
        sim.conn.handle_close(1006, "", sim.now);
        assert!(matches!(sim.state(), ConnectionState::Reconnecting { attempt: 1, .. }), "{wire:?}");
    }
}

#[test]
fn a_socket_that_does_not_open_in_time_counts_as_a_failed_attempt() {
    for wire in BOTH {
        let mut sim = Sim::on(wire);
        sim.conn.connect(sim.now);
        sim.take_actions();
        sim.advance(9_999);
        assert!(sim.take_actions().is_empty(), "{wire:?}");
        sim.advance(1);
        assert_eq!(sim.take_actions(), [Action::Close], "{wire:?}");
        assert!(matches!(sim.state(), ConnectionState::Reconnecting { attempt: 1, .. }), "{wire:?}");
    }
}

/// Catch-up reads back what a socket missed once `Settled` says nothing more can be missed:
/// after the last channel's answer, once per socket, and again on the next one.
#[test]
fn every_channel_is_resubscribed_after_a_reconnect_and_settles_once_per_socket() {
    for wire in BOTH {
        let mut sim = Sim::connected_on(wire, &[USER, TENANT]);
        let actions = sim.authorize_and_confirm_all();
        assert_eq!(settled(&sim.take_events()), 1, "{wire:?}");
        let first: Vec<String> = sent_frames(&actions).iter().flat_map(|f| subscribed_channels(f)).collect();
        sim.confirm(&[USER]);
        assert_eq!(settled(&sim.take_events()), 0, "{wire:?}: once per socket");

        sim.conn.handle_close(1006, "", sim.now);
        sim.advance(30_000);
        sim.establish("2.2");
        let actions = sim.authorize_and_confirm_all();
        let again: Vec<String> = sent_frames(&actions).iter().flat_map(|f| subscribed_channels(f)).collect();
        assert_eq!(again, first, "{wire:?}: the same subscribes on the new socket");
        let events = sim.take_events();
        assert_eq!(settled(&events), 1, "{wire:?}: again on the next socket");
        assert!(matches!(events.last(), Some(Event::Settled)), "{wire:?}: after the last answer");
        assert_eq!(sim.conn.subscribed_channels().collect::<Vec<_>>(), [TENANT, USER], "{wire:?}");
    }
}

#[test]
fn channels_change_on_the_open_socket_and_settle_again() {
    for wire in BOTH {
        let mut sim = subscribed(wire, &[USER]);
        sim.conn.set_channels([USER, TENANT]);
        assert_eq!(settled(&sim.take_events()), 0, "{wire:?}: a new channel is not answered yet");
        let actions = sim.authorize_and_confirm_all();
        assert!(!actions.iter().any(|a| matches!(a, Action::Open { .. } | Action::Close)), "{wire:?}");
        assert_eq!(settled(&sim.take_events()), 1, "{wire:?}");

        sim.conn.set_channels([TENANT]);
        let frames = sim.sent();
        assert_eq!(frames.len(), 1, "{wire:?}: one unsubscribe: {frames:?}");
        let left = frames[0]["data"]["channel"].as_str().or_else(|| frames[0]["channels"][0].as_str());
        assert_eq!(left, Some(USER), "{wire:?}: {frames:?}");
        assert_eq!(sim.conn.subscribed_channels().collect::<Vec<_>>(), [TENANT], "{wire:?}");
    }
}

#[test]
fn application_events_arrive_with_short_names_and_decoded_data() {
    for wire in BOTH {
        let mut sim = subscribed(wire, &[USER]);
        for raw in ["App\\Events\\PasswordChanged", ".PasswordChanged", "PasswordChanged"] {
            sim.event(raw, USER, json!({ "id": "e1", "user_id": 4 }));
            assert_eq!(
                sim.take_events(),
                [Event::Message {
                    channel: Some(USER.into()),
                    name: "PasswordChanged".into(),
                    raw_name: raw.into(),
                    data: json!({ "id": "e1", "user_id": 4 }),
                }],
                "{wire:?}"
            );
        }
    }
}

#[test]
fn malformed_messages_are_reported_and_the_connection_carries_on() {
    for wire in BOTH {
        let mut sim = subscribed(wire, &[USER]);
        let huge = format!("{{\"event\":\"X\",\"type\":\"X\",\"data\":\"{}\"}}", "x".repeat(1 << 20));
        for text in ["{oops", "[]", "null", "{\"data\":1}", ""] {
            sim.raw_frame(text);
            let events = sim.take_events();
            assert!(matches!(events[..], [Event::FrameRejected(_)]), "{wire:?} {text:.40}: {events:?}");
        }
        sim.raw_frame(&huge);
        assert!(
            matches!(sim.take_events()[..], [Event::FrameRejected(FrameError::TooLarge { .. })]),
            "{wire:?}"
        );
        assert!(matches!(sim.state(), ConnectionState::Connected { .. }), "{wire:?}");
    }
}

/// The person's Retry and a tab coming back both skip the wait for the next attempt.
#[test]
fn retry_now_and_a_visible_tab_skip_the_wait() {
    let retries: [fn(&mut Sim); 2] =
        [|sim| sim.conn.retry_now(sim.now), |sim| sim.conn.handle_visibility(true, sim.now)];
    for (wire, retry) in BOTH.into_iter().flat_map(|wire| retries.map(|retry| (wire, retry))) {
        let mut sim = subscribed(wire, &[USER]);
        sim.conn.handle_close(1006, "", sim.now);
        sim.take_actions();
        retry(&mut sim);
        assert_eq!(sim.take_actions(), [wire.open()], "{wire:?}");
        assert_eq!(sim.state(), ConnectionState::Connecting, "{wire:?}");
    }
}

#[test]
fn a_stale_socket_is_checked_when_the_tab_returns_and_any_when_the_network_does() {
    for wire in BOTH {
        let mut sim = subscribed(wire, &[USER]);
        sim.conn.handle_visibility(true, sim.now);
        assert!(sim.take_actions().is_empty(), "{wire:?}: a fresh socket is not checked");
        // The tab slept: no timer fired, but the clock moved on.
        sim.now = sim.now + Millis(200_000);
        sim.conn.handle_visibility(true, sim.now);
        assert!(is_ping(&sent_frames(&sim.take_actions())[0]), "{wire:?}");

        // The network changed under an open socket: it is checked whatever its age.
        let mut sim = subscribed(wire, &[USER]);
        sim.conn.handle_network(true, sim.now);
        assert!(is_ping(&sent_frames(&sim.take_actions())[0]), "{wire:?}: network back");
    }
}

#[test]
fn disconnect_closes_the_socket_and_stops_every_timer() {
    for wire in BOTH {
        let mut sim = subscribed(wire, &[USER]);
        sim.conn.set_channels(Vec::<String>::new());
        sim.conn.disconnect();
        assert_eq!(sim.take_actions().last(), Some(&Action::Close), "{wire:?}");
        assert_eq!(sim.state(), ConnectionState::Disconnected);
        assert_eq!(sim.conn.poll_timeout(), None, "{wire:?}");
        // A close reported afterwards for the old socket changes nothing.
        sim.conn.handle_close(1006, "", sim.now);
        assert_eq!(sim.state(), ConnectionState::Disconnected, "{wire:?}");
    }
}

/// A refused connection (Pusher 4000–4099, Channels 4003) is not retried by anything
/// automatic, `connect` included, until what was refused changes; the person's Retry does try.
#[test]
fn a_refused_connection_waits_for_new_channels_or_the_persons_retry() {
    for (wire, code) in [(Wire::Pusher, 4001), (Wire::Channels, 4003)] {
        let mut sim = subscribed(wire, &[USER]);
        sim.conn.handle_close(code, "", sim.now);
        assert!(matches!(sim.state(), ConnectionState::Failed { .. }), "{wire:?}");
        sim.advance(3_600_000);
        sim.conn.connect(sim.now);
        assert!(sim.take_actions().is_empty(), "{wire:?}: no retry loop");

        sim.conn.retry_now(sim.now);
        assert_eq!(sim.take_actions(), [wire.open()], "{wire:?}: the person asked");
        sim.conn.handle_close(code, "", sim.now);
        sim.conn.set_channels([TENANT]);
        assert_eq!(sim.state(), ConnectionState::Disconnected, "{wire:?}");
        sim.conn.connect(sim.now);
        assert_eq!(sim.take_actions(), [wire.open()], "{wire:?}: other channels get a try");
    }
}
