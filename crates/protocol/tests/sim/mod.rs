//! A simulated server side for the connection lifecycle, on either wire protocol: a virtual
//! clock, a record of what the client asked the driver to do, and helpers that answer like
//! Sockudo or the Django Channels server would.

#![allow(dead_code)]

use herald_protocol::{Action, AuthResult, Connection, ConnectionConfig, ConnectionState, Event, Millis};
use serde_json::{Value, json};

pub const URL: &str = "ws://127.0.0.1:6001/app/herald-key?protocol=7&client=herald&version=test";
pub const CHANNELS_URL: &str = "ws://127.0.0.1:8001/ws/notifications/";
pub const TOKEN: &str = "header.payload.sig";

/// The wire protocol a simulation speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Pusher,
    Channels,
}

/// Both protocols, for the rules that must hold the same way on each.
pub const BOTH: [Wire; 2] = [Wire::Pusher, Wire::Channels];

impl Wire {
    pub fn connection(self, config: Option<ConnectionConfig>) -> Connection {
        match self {
            Wire::Pusher => {
                Connection::pusher(URL.into(), config.unwrap_or_else(ConnectionConfig::pusher), 0x5EED)
            }
            Wire::Channels => Connection::channels(
                CHANNELS_URL.into(),
                config.unwrap_or_else(ConnectionConfig::channels),
                0x5EED,
            ),
        }
    }

    /// The URL a socket of this protocol opens, with [`TOKEN`].
    pub fn open_url(self) -> String {
        match self {
            Wire::Pusher => URL.into(),
            Wire::Channels => format!("{CHANNELS_URL}?token={TOKEN}"),
        }
    }

    pub fn open(self) -> Action {
        Action::Open { url: self.open_url() }
    }

    /// The server's message confirming `channels`.
    pub fn confirmations(self, channels: &[&str]) -> Vec<Value> {
        match self {
            Wire::Pusher => channels
                .iter()
                .map(|channel| {
                    json!({ "event": "pusher_internal:subscription_succeeded", "channel": channel, "data": "{}" })
                })
                .collect(),
            Wire::Channels => vec![json!({ "type": "subscribed", "channels": channels })],
        }
    }

    /// An application event as this protocol's server sends it.
    pub fn event(self, name: &str, channel: &str, data: Value) -> Value {
        match self {
            Wire::Pusher => json!({ "event": name, "channel": channel, "data": data.to_string() }),
            Wire::Channels => json!({ "type": name, "channel": channel, "data": data }),
        }
    }

    pub fn server_ping(self) -> Value {
        match self {
            Wire::Pusher => json!({ "event": "pusher:ping", "data": {} }),
            Wire::Channels => json!({ "type": "ping" }),
        }
    }
}

pub struct Sim {
    pub conn: Connection,
    pub wire: Wire,
    pub now: Millis,
    /// Everything the client asked for since the last `take_actions`.
    actions: Vec<Action>,
}

impl Sim {
    /// A Pusher client.
    pub fn new() -> Sim {
        Sim::on(Wire::Pusher)
    }

    /// A client of `wire`, with [`TOKEN`] as the person's token.
    pub fn on(wire: Wire) -> Sim {
        Sim::with(wire, None)
    }

    pub fn with_config(config: ConnectionConfig) -> Sim {
        Sim::with(Wire::Pusher, Some(config))
    }

    fn with(wire: Wire, config: Option<ConnectionConfig>) -> Sim {
        let mut conn = wire.connection(config);
        conn.set_token(Some(TOKEN.into()));
        Sim { conn, wire, now: Millis::ZERO, actions: Vec::new() }
    }

    /// A Pusher client told to connect whose socket opened and finished the handshake.
    pub fn connected(channels: &[&str]) -> Sim {
        Sim::connected_on(Wire::Pusher, channels)
    }

    /// A client of `wire` told to connect whose socket opened and finished the handshake.
    pub fn connected_on(wire: Wire, channels: &[&str]) -> Sim {
        let mut sim = Sim::on(wire);
        sim.conn.set_channels(channels.iter().copied());
        sim.conn.connect(sim.now);
        sim.establish("1.1");
        sim
    }

    /// Opens the socket and, for Pusher, finishes the handshake with `socket_id`.
    pub fn establish(&mut self, socket_id: &str) {
        self.conn.handle_open(self.now);
        if self.wire == Wire::Pusher {
            let data = json!({ "socket_id": socket_id, "activity_timeout": 120 }).to_string();
            self.frame(json!({ "event": "pusher:connection_established", "data": data }));
        }
    }

    /// The socket id the client uses on an established socket: Channels has none.
    pub fn socket_id(&self, pusher_id: &str) -> String {
        match self.wire {
            Wire::Pusher => pusher_id.to_owned(),
            Wire::Channels => String::new(),
        }
    }

    pub fn frame(&mut self, frame: Value) {
        self.conn.handle_frame(&frame.to_string(), self.now);
    }

    pub fn raw_frame(&mut self, text: &str) {
        self.conn.handle_frame(text, self.now);
    }

    pub fn succeed(&mut self, channel: &str) {
        self.confirm(&[channel]);
    }

    pub fn confirm(&mut self, channels: &[&str]) {
        for message in self.wire.confirmations(channels) {
            self.frame(message);
        }
    }

    pub fn event(&mut self, name: &str, channel: &str, data: Value) {
        self.frame(self.wire.event(name, channel, data));
    }

    /// Moves the clock forward, firing every timeout that falls due on the way, in order.
    pub fn advance(&mut self, ms: u64) {
        let end = self.now + Millis(ms);
        while let Some(at) = self.conn.poll_timeout() {
            if at > end {
                break;
            }
            self.now = self.now.max(at);
            self.conn.handle_timeout(self.now);
            self.collect_actions();
        }
        self.now = end;
    }

    fn collect_actions(&mut self) {
        while let Some(action) = self.conn.poll_action() {
            self.actions.push(action);
        }
    }

    pub fn take_actions(&mut self) -> Vec<Action> {
        self.collect_actions();
        std::mem::take(&mut self.actions)
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.conn.poll_event()).collect()
    }

    /// The frames sent since the last `take_actions`, parsed.
    pub fn sent(&mut self) -> Vec<Value> {
        sent_frames(&self.take_actions()).iter().map(|text| serde_json::from_str(text).unwrap()).collect()
    }

    /// Answers every pending authorization with a valid signature, then confirms every
    /// subscribe that was sent, as a healthy server would.
    pub fn authorize_and_confirm_all(&mut self) -> Vec<Action> {
        let mut seen = Vec::new();
        loop {
            let actions = self.take_actions();
            if actions.is_empty() {
                return seen;
            }
            for action in &actions {
                match action {
                    Action::Authorize { channel, socket_id } => {
                        let auth = AuthResult::Authorized {
                            auth: format!("herald-key:sig-{channel}"),
                            channel_data: None,
                        };
                        self.conn.handle_auth(channel, socket_id, auth, self.now);
                    }
                    Action::Send(text) => {
                        let channels = subscribed_channels(text);
                        if !channels.is_empty() {
                            self.confirm(&channels.iter().map(String::as_str).collect::<Vec<_>>());
                        }
                    }
                    _ => {}
                }
            }
            seen.extend(actions);
        }
    }

    pub fn state(&self) -> ConnectionState {
        self.conn.state().clone()
    }
}

/// The channels a subscribe message asks for, in either protocol; none if `text` is not one.
pub fn subscribed_channels(text: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<Value>(text) else { return Vec::new() };
    if value["type"] == "subscribe" {
        return value["channels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
    }
    frame_channel(&value, "pusher:subscribe").into_iter().collect()
}

/// The channel of a `pusher:subscribe` frame, if `text` is one.
pub fn subscribed_channel(text: &str) -> Option<String> {
    frame_channel(&serde_json::from_str(text).ok()?, "pusher:subscribe")
}

pub fn unsubscribed_channel(text: &str) -> Option<String> {
    frame_channel(&serde_json::from_str(text).ok()?, "pusher:unsubscribe")
}

fn frame_channel(value: &Value, event: &str) -> Option<String> {
    if value["event"] != event {
        return None;
    }
    value["data"]["channel"].as_str().map(str::to_owned)
}

pub fn sent_frames(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// Whether `text` is a client's ping, in either protocol.
pub fn is_ping(text: &str) -> bool {
    serde_json::from_str::<Value>(text).is_ok_and(|v| v["event"] == "pusher:ping" || v["type"] == "ping")
}

/// How many `Settled` events `events` holds.
pub fn settled(events: &[Event]) -> usize {
    events.iter().filter(|e| matches!(e, Event::Settled)).count()
}
