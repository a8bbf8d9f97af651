//! The transport seam: the realtime service drives a [`Transport`], which is either
//! transport's state machine. Both take the same inputs and give the same actions and events,
//! so the driver and the app above it do not know which one they talk to.

use crate::channels::ChannelsConnection;
use crate::connection::{Action, AuthResult, Connection, ConnectionState, Event};
use crate::time::Millis;

/// One of the two realtime protocols.
#[derive(Debug)]
pub enum Transport {
    /// A Pusher server (Sockudo, Soketi, Reverb, Pusher Channels); private channels are
    /// authorized per channel through the backend.
    Pusher(Connection),
    /// A Django Channels backend; the token in the socket's URL authorizes everything.
    Channels(ChannelsConnection),
}

impl Transport {
    pub fn state(&self) -> &ConnectionState {
        match self {
            Transport::Pusher(c) => c.state(),
            Transport::Channels(c) => c.state(),
        }
    }

    pub fn subscribed_channels(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match self {
            Transport::Pusher(c) => Box::new(c.subscribed_channels()),
            Transport::Channels(c) => Box::new(c.subscribed_channels()),
        }
    }

    /// The person's token: Pusher hands it to the channel authorizer (not to the state
    /// machine), Channels puts it in the socket's URL.
    pub fn set_token(&mut self, token: Option<String>) {
        if let Transport::Channels(c) = self {
            c.set_token(token);
        }
    }

    pub fn connect(&mut self, now: Millis) {
        match self {
            Transport::Pusher(c) => c.connect(now),
            Transport::Channels(c) => c.connect(now),
        }
    }

    pub fn disconnect(&mut self) {
        match self {
            Transport::Pusher(c) => c.disconnect(),
            Transport::Channels(c) => c.disconnect(),
        }
    }

    pub fn retry_now(&mut self, now: Millis) {
        match self {
            Transport::Pusher(c) => c.retry_now(now),
            Transport::Channels(c) => c.retry_now(now),
        }
    }

    pub fn set_channels(&mut self, channels: Vec<String>) {
        match self {
            Transport::Pusher(c) => c.set_channels(channels),
            Transport::Channels(c) => c.set_channels(channels),
        }
    }

    pub fn handle_network(&mut self, online: bool, now: Millis) {
        match self {
            Transport::Pusher(c) => c.handle_network(online, now),
            Transport::Channels(c) => c.handle_network(online, now),
        }
    }

    pub fn handle_visibility(&mut self, visible: bool, now: Millis) {
        match self {
            Transport::Pusher(c) => c.handle_visibility(visible, now),
            Transport::Channels(c) => c.handle_visibility(visible, now),
        }
    }

    pub fn handle_open(&mut self, now: Millis) {
        match self {
            Transport::Pusher(c) => c.handle_open(now),
            Transport::Channels(c) => c.handle_open(now),
        }
    }

    pub fn handle_frame(&mut self, text: &str, now: Millis) {
        match self {
            Transport::Pusher(c) => c.handle_frame(text, now),
            Transport::Channels(c) => c.handle_frame(text, now),
        }
    }

    pub fn handle_close(&mut self, code: u16, reason: &str, now: Millis) {
        match self {
            Transport::Pusher(c) => c.handle_close(code, reason, now),
            Transport::Channels(c) => c.handle_close(code, reason, now),
        }
    }

    /// A channel authorizer's answer; Channels never asks for one.
    pub fn handle_auth(&mut self, channel: &str, socket_id: &str, result: AuthResult, now: Millis) {
        if let Transport::Pusher(c) = self {
            c.handle_auth(channel, socket_id, result, now);
        }
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        match self {
            Transport::Pusher(c) => c.handle_timeout(now),
            Transport::Channels(c) => c.handle_timeout(now),
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        match self {
            Transport::Pusher(c) => c.poll_action(),
            Transport::Channels(c) => c.poll_action(),
        }
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        match self {
            Transport::Pusher(c) => c.poll_event(),
            Transport::Channels(c) => c.poll_event(),
        }
    }

    pub fn poll_timeout(&self) -> Option<Millis> {
        match self {
            Transport::Pusher(c) => c.poll_timeout(),
            Transport::Channels(c) => c.poll_timeout(),
        }
    }
}
