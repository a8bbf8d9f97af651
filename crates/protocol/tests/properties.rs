//! Properties that must hold whatever the server, the network and the app do.

mod sim;

use herald_protocol::{Action, AuthResult};
use proptest::prelude::*;
use serde_json::json;
use sim::{Sim, subscribed_channel};

const CHANNELS: [&str; 4] = ["private-user.4", "private-tenant.1", "private-system.admin", "tenant.1"];

#[derive(Debug, Clone)]
enum Input {
    SetChannels(Vec<bool>),
    Connect,
    Disconnect,
    Open,
    Establish(u8),
    Close(u16),
    Frame(String),
    Succeed(usize),
    Auth(usize, u8),
    Advance(u32),
    Network(bool),
    Visible,
    RetryNow,
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        prop::collection::vec(any::<bool>(), 4).prop_map(Input::SetChannels),
        Just(Input::Connect),
        Just(Input::Disconnect),
        Just(Input::Open),
        any::<u8>().prop_map(Input::Establish),
        prop_oneof![Just(1000u16), Just(1006), 4000..4400u16].prop_map(Input::Close),
        prop_oneof![
            ".{0,40}".prop_map(|s| s),
            Just(r#"{"event":"pusher:error","data":{"code":4009,"message":"bad"}}"#.to_string()),
            Just(r#"{"event":"pusher:ping","data":{}}"#.to_string()),
            Just(
                r#"{"event":"App\\Events\\UserCreated","channel":"private-tenant.1","data":"{\"id\":1}"}"#
                    .to_string()
            ),
        ]
        .prop_map(Input::Frame),
        (0..4usize).prop_map(Input::Succeed),
        (0..4usize, 0..4u8).prop_map(|(c, r)| Input::Auth(c, r)),
        (0..200_000u32).prop_map(Input::Advance),
        any::<bool>().prop_map(Input::Network),
        Just(Input::Visible),
        Just(Input::RetryNow),
    ]
}

fn apply(sim: &mut Sim, input: &Input, socket_id: &mut String) {
    match input {
        Input::SetChannels(mask) => {
            let wanted: Vec<&str> =
                CHANNELS.iter().zip(mask).filter(|(_, on)| **on).map(|(c, _)| *c).collect();
            sim.conn.set_channels(wanted);
        }
        Input::Connect => sim.conn.connect(sim.now),
        Input::Disconnect => sim.conn.disconnect(),
        Input::Open => sim.conn.handle_open(sim.now),
        Input::Establish(n) => {
            *socket_id = format!("{n}.{n}");
            sim.establish(&socket_id.clone());
        }
        Input::Close(code) => sim.conn.handle_close(*code, "", sim.now),
        Input::Frame(text) => sim.raw_frame(text),
        Input::Succeed(i) => sim.succeed(CHANNELS[*i]),
        Input::Auth(i, kind) => {
            let result = match kind {
                0 => AuthResult::Authorized { auth: "k:s".into(), channel_data: None },
                1 => AuthResult::Unauthorized,
                2 => AuthResult::Forbidden,
                _ => AuthResult::Failed { reason: "network".into() },
            };
            sim.conn.handle_auth(CHANNELS[*i], &socket_id.clone(), result, sim.now);
        }
        Input::Advance(ms) => sim.advance(u64::from(*ms)),
        Input::Network(online) => sim.conn.handle_network(*online, sim.now),
        Input::Visible => sim.conn.handle_visibility(true, sim.now),
        Input::RetryNow => sim.conn.retry_now(sim.now),
    }
    sim.take_events();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Any sequence of inputs leaves the client working: no panic, and once a healthy server
    /// answers a fresh socket, every desired channel is subscribed exactly once.
    #[test]
    fn any_inputs_then_a_clean_reconnect_subscribes_every_channel_once(
        inputs in prop::collection::vec(input(), 0..60),
        wanted in prop::collection::vec(any::<bool>(), 4),
    ) {
        let mut sim = Sim::new();
        let mut socket_id = String::from("0.0");
        for input in &inputs {
            apply(&mut sim, input, &mut socket_id);
        }
        // A clean start on a fresh socket: want channels afresh (as a new sign-in does), drop
        // the socket, reconnect, and let a healthy server answer everything.
        let desired: Vec<&str> = CHANNELS.iter().zip(&wanted).filter(|(_, on)| **on).map(|(c, _)| *c).collect();
        sim.conn.set_channels(Vec::<String>::new());
        sim.conn.set_channels(desired.clone());
        sim.conn.handle_network(true, sim.now);
        sim.conn.disconnect();
        sim.conn.connect(sim.now);
        sim.take_actions();
        sim.establish("99.99");
        let actions = sim.authorize_and_confirm_all();
        let mut subscribes: Vec<String> = actions.iter().filter_map(|a| match a {
            Action::Send(text) => subscribed_channel(text),
            _ => None,
        }).collect();
        subscribes.sort();
        let mut expected: Vec<String> = desired.iter().map(|c| c.to_string()).collect();
        expected.sort();
        prop_assert_eq!(&subscribes, &expected);
        let mut confirmed: Vec<String> = sim.conn.subscribed_channels().map(str::to_owned).collect();
        confirmed.sort();
        prop_assert_eq!(confirmed, expected);
        // And a frame from the server is still understood.
        sim.frame(json!({"event": "pusher:ping"}));
        prop_assert!(!sim.take_actions().is_empty());
    }
}
