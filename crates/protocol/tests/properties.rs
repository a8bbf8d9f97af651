//! Properties that must hold whatever the server, the network and the app do, on both wire
//! protocols.

mod sim;

use herald_protocol::{Action, AuthResult, Event};
use proptest::prelude::*;
use sim::{BOTH, Sim, TOKEN, Wire, sent_frames, settled, subscribed_channels};

const CHANNELS: [&str; 4] = ["private-user.4", "private-tenant.1", "private-system.admin", "tenant.1"];

#[derive(Debug, Clone)]
enum Input {
    SetChannels(Vec<bool>),
    Token(u8),
    Connect,
    Disconnect,
    Establish(u8),
    Close(u16),
    Frame(String),
    Confirm(usize),
    Auth(usize, u8),
    Advance(u32),
    Network(bool),
    Visible,
    RetryNow,
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        prop::collection::vec(any::<bool>(), 4).prop_map(Input::SetChannels),
        (0..3u8).prop_map(Input::Token),
        Just(Input::Connect),
        Just(Input::Disconnect),
        any::<u8>().prop_map(Input::Establish),
        prop_oneof![Just(1000u16), Just(1006), 4000..4400u16].prop_map(Input::Close),
        prop_oneof![
            ".{0,40}".prop_map(|s| s),
            Just(r#"{"event":"pusher:error","data":{"code":4009,"message":"bad"}}"#.to_string()),
            Just(r#"{"event":"pusher:ping","data":{}}"#.to_string()),
            Just(r#"{"type":"ping"}"#.to_owned()),
            Just(r#"{"type":"pong"}"#.to_owned()),
            Just(r#"{"type":"subscribed","channels":["private-user.4","private-tenant.1"]}"#.to_owned()),
            Just(
                r#"{"event":"App\\Events\\UserCreated","channel":"private-tenant.1","data":"{\"id\":1}"}"#
                    .to_string()
            ),
            Just(r#"{"type":"UserCreated","channel":"private-tenant.1","data":{"id":1}}"#.to_owned()),
        ]
        .prop_map(Input::Frame),
        (0..4usize).prop_map(Input::Confirm),
        (0..4usize, 0..4u8).prop_map(|(c, r)| Input::Auth(c, r)),
        (0..200_000u32).prop_map(Input::Advance),
        any::<bool>().prop_map(Input::Network),
        Just(Input::Visible),
        Just(Input::RetryNow),
    ]
}

/// Counts the sockets the client has open from what it asks the driver: never more than one.
#[derive(Default)]
struct Sockets {
    open: u32,
}

impl Sockets {
    fn follow(&mut self, actions: &[Action]) -> Result<(), TestCaseError> {
        for action in actions {
            match action {
                Action::Open { .. } => {
                    self.open += 1;
                    prop_assert!(self.open <= 1, "a second socket opened: {actions:?}");
                }
                Action::Close => self.open = self.open.saturating_sub(1),
                _ => {}
            }
        }
        Ok(())
    }
}

fn apply(
    sim: &mut Sim,
    input: &Input,
    socket_id: &mut String,
    sockets: &mut Sockets,
) -> Result<(), TestCaseError> {
    match input {
        Input::SetChannels(mask) => {
            let wanted: Vec<&str> =
                CHANNELS.iter().zip(mask).filter(|(_, on)| **on).map(|(c, _)| *c).collect();
            sim.conn.set_channels(wanted);
        }
        Input::Token(n) => sim.conn.set_token((*n > 0).then(|| format!("token{n}"))),
        Input::Connect => sim.conn.connect(sim.now),
        Input::Disconnect => sim.conn.disconnect(),
        Input::Establish(n) => {
            *socket_id = sim.socket_id(&format!("{n}.{n}"));
            sim.establish(&socket_id.clone());
        }
        Input::Close(code) => {
            // The socket went away on its own: none is open any more.
            sockets.follow(&sim.take_actions())?;
            sockets.open = 0;
            sim.conn.handle_close(*code, "", sim.now);
        }
        Input::Frame(text) => sim.raw_frame(text),
        Input::Confirm(i) => sim.succeed(CHANNELS[*i]),
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
    sockets.follow(&sim.take_actions())?;
    sim.take_events();
    Ok(())
}

/// Any sequence of inputs leaves the client working: no panic, never two sockets, and once a
/// healthy server answers a fresh socket, every wanted channel is subscribed exactly once and
/// the socket settles once.
fn any_inputs_then_a_clean_start(wire: Wire, inputs: &[Input], wanted: &[bool]) -> Result<(), TestCaseError> {
    let mut sim = Sim::on(wire);
    let mut socket_id = String::from("0.0");
    let mut sockets = Sockets::default();
    for input in inputs {
        apply(&mut sim, input, &mut socket_id, &mut sockets)?;
    }
    // A clean start on a fresh socket: want channels afresh (as a new sign-in does), drop the
    // socket, reconnect, and let a healthy server answer everything.
    let desired: Vec<&str> = CHANNELS.iter().zip(wanted).filter(|(_, on)| **on).map(|(c, _)| *c).collect();
    sim.conn.set_channels(Vec::<String>::new());
    sim.conn.set_channels(desired.clone());
    sim.conn.set_token(Some(TOKEN.into()));
    sim.conn.handle_network(true, sim.now);
    sim.conn.disconnect();
    sim.conn.connect(sim.now);
    let actions = sim.take_actions();
    sockets.follow(&actions)?;
    prop_assert!(matches!(actions.last(), Some(Action::Open { .. })), "{actions:?}");
    sim.take_events();
    sim.establish("99.99");
    let actions = sim.authorize_and_confirm_all();
    sockets.follow(&actions)?;
    let mut subscribes: Vec<String> =
        sent_frames(&actions).iter().flat_map(|f| subscribed_channels(f)).collect();
    subscribes.sort();
    let mut expected: Vec<String> = desired.iter().map(|c| c.to_string()).collect();
    expected.sort();
    prop_assert_eq!(&subscribes, &expected);
    let mut confirmed: Vec<String> = sim.conn.subscribed_channels().map(str::to_owned).collect();
    confirmed.sort();
    prop_assert_eq!(confirmed, expected);
    let events: Vec<Event> = sim.take_events();
    prop_assert_eq!(settled(&events), usize::from(!desired.is_empty()));
    // And a message from the server is still understood.
    sim.frame(wire.server_ping());
    prop_assert!(!sim.take_actions().is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_inputs_then_a_clean_start_subscribes_every_channel_once_on_both_protocols(
        inputs in prop::collection::vec(input(), 0..60),
        wanted in prop::collection::vec(any::<bool>(), 4),
    ) {
        for wire in BOTH {
            any_inputs_then_a_clean_start(wire, &inputs, &wanted)?;
        }
    }
}
