//! A simulated server side for the connection state machine: a virtual clock, a record of
//! what the client asked the driver to do, and helpers that answer like Sockudo would.

#![allow(dead_code)]

use herald_protocol::{Action, AuthResult, Connection, ConnectionConfig, ConnectionState, Event, Millis};
use serde_json::{Value, json};

pub const URL: &str = "ws://127.0.0.1:6001/app/herald-key?protocol=7&client=herald&version=test";

pub struct Sim {
    pub conn: Connection,
    pub now: Millis,
    /// Everything the client asked for since the last `take_actions`.
    actions: Vec<Action>,
}

impl Sim {
    pub fn new() -> Sim {
        Sim::with_config(ConnectionConfig::new(URL.into()))
    }

    pub fn with_config(config: ConnectionConfig) -> Sim {
        Sim { conn: Connection::new(config, 0x5EED), now: Millis::ZERO, actions: Vec::new() }
    }

    /// A client told to connect whose socket opened and finished the handshake.
    pub fn connected(channels: &[&str]) -> Sim {
        let mut sim = Sim::new();
        sim.conn.set_channels(channels.iter().copied());
        sim.conn.connect(sim.now);
        sim.establish("1.1");
        sim
    }

    pub fn establish(&mut self, socket_id: &str) {
        self.conn.handle_open(self.now);
        let data = json!({ "socket_id": socket_id, "activity_timeout": 120 }).to_string();
        self.frame(json!({ "event": "pusher:connection_established", "data": data }));
    }

    pub fn frame(&mut self, frame: Value) {
        self.conn.handle_frame(&frame.to_string(), self.now);
    }

    pub fn raw_frame(&mut self, text: &str) {
        self.conn.handle_frame(text, self.now);
    }

    pub fn succeed(&mut self, channel: &str) {
        self.frame(
            json!({ "event": "pusher_internal:subscription_succeeded", "channel": channel, "data": "{}" }),
        );
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
                        if let Some(channel) = subscribed_channel(text) {
                            self.succeed(&channel);
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

/// The channel of a `pusher:subscribe` frame, if `text` is one.
pub fn subscribed_channel(text: &str) -> Option<String> {
    frame_channel(text, "pusher:subscribe")
}

pub fn unsubscribed_channel(text: &str) -> Option<String> {
    frame_channel(text, "pusher:unsubscribe")
}

fn frame_channel(text: &str, event: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
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

pub fn is_ping(text: &str) -> bool {
    serde_json::from_str::<Value>(text).is_ok_and(|v| v["event"] == "pusher:ping")
}
