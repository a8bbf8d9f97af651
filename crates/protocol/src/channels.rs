//! The Django Channels transport: the same inputs and outputs as the Pusher [`Connection`],
//! for a backend that is not a Pusher server.
//!
//! Such a backend (Daphne serving a Channels consumer) authenticates the WebSocket by the
//! JWT in its query string — the only place a browser WebSocket can carry it — and speaks
//! JSON messages with a `type`:
//!
//! | direction | message | meaning |
//! | --- | --- | --- |
//! | client → server | `{"type":"subscribe","channels":[…]}` | join these groups (the contract's channel names) |
//! | server → client | `{"type":"subscribed","channels":[…]}` | joined |
//! | client → server | `{"type":"ping"}` | after silence; the server answers `{"type":"pong"}` |
//! | server → client | `{"type":"<EventName>","channel":"<channel>","data":{…}}` | an event, as a Pusher frame carries it |
//! | server → client | `{"type":"error","message":"…"}` | a client message the server could not use |
//!
//! Close codes, as such backends send them: 4001 authentication failed (the session is over:
//! reported as `SubscriptionError::Unauthorized`, so the app signs out); 4003 permission denied
//! and 4004 not found (reported once as a rejection, never retried until the app asks for
//! other channels or another person); 4000 server error and every abnormal close reconnect
//! with backoff.
//!
//! [`Connection`]: crate::Connection

use std::collections::{BTreeSet, VecDeque};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use crate::backoff::{Backoff, BackoffConfig};
use crate::connection::{Action, ConnectionState, Event, SubscriptionError};
use crate::event_name::short_event_name;
use crate::frame::{DEFAULT_MAX_FRAME_BYTES, FrameError};
use crate::time::Millis;

/// Tuning of a [`ChannelsConnection`]. Every field but the URL has a default.
#[derive(Debug, Clone)]
pub struct ChannelsConfig {
    /// The WebSocket URL without the token, such as `ws://127.0.0.1:8001/ws/notifications/`.
    /// The token is added as `?token=` (or `&token=`) when the socket opens.
    pub url: String,
    /// Silence after which the client pings. Default: 30 s (Channels has no server-side
    /// keep-alive of its own to learn from).
    pub activity_timeout: Millis,
    /// How long to wait for any message after a ping. Default: 10 s.
    pub pong_timeout: Millis,
    /// How long opening the socket may take. Default: 10 s.
    pub connect_timeout: Millis,
    /// Delays between reconnection attempts.
    pub backoff: BackoffConfig,
    /// Messages longer than this are refused unparsed. Default: 256 KiB.
    pub max_frame_bytes: usize,
}

impl ChannelsConfig {
    pub fn new(url: String) -> Self {
        ChannelsConfig {
            url,
            activity_timeout: Millis::from_secs(30),
            pong_timeout: Millis::from_secs(10),
            connect_timeout: Millis::from_secs(10),
            backoff: BackoffConfig::default(),
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
        }
    }
}

/// A Django Channels client connection. Driven like [`crate::Connection`].
#[derive(Debug)]
pub struct ChannelsConnection {
    config: ChannelsConfig,
    state: ConnectionState,
    backoff: Backoff,
    token: Option<String>,
    desired: BTreeSet<String>,
    link: Option<Link>,
    /// Failed attempts since the server last confirmed a subscription.
    attempt: u32,
    reconnect_at: Option<Millis>,
    online: bool,
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
}

/// The current socket.
#[derive(Debug)]
struct Link {
    opened_at: Millis,
    open: bool,
    last_received: Millis,
    ping_sent_at: Option<Millis>,
    /// The channels asked for on this socket.
    requested: BTreeSet<String>,
    subscribed: BTreeSet<String>,
    settled: bool,
}

/// What a close code means for this transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelsClose {
    /// 4001: the token was refused; retrying with it cannot help.
    AuthenticationFailed,
    /// 4003 (permission denied) or 4004 (not found): shown once, not retried.
    Refused,
    /// 4000 (server error), 1006 and everything else: reconnect with backoff.
    Reconnect,
}

/// The one table of close codes.
pub fn channels_close(code: u16) -> ChannelsClose {
    match code {
        4001 => ChannelsClose::AuthenticationFailed,
        4003 | 4004 => ChannelsClose::Refused,
        _ => ChannelsClose::Reconnect,
    }
}

impl ChannelsConnection {
    /// `seed` feeds the backoff's jitter.
    pub fn new(config: ChannelsConfig, seed: u64) -> Self {
        ChannelsConnection {
            backoff: Backoff::new(config.backoff, seed),
            config,
            state: ConnectionState::Initialized,
            token: None,
            desired: BTreeSet::new(),
            link: None,
            attempt: 0,
            reconnect_at: None,
            online: true,
            actions: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn state(&self) -> &ConnectionState {
        &self.state
    }

    /// The wanted channels the server has confirmed on the current socket.
    pub fn subscribed_channels(&self) -> impl Iterator<Item = &str> {
        self.link.iter().flat_map(|link| link.subscribed.iter().map(String::as_str))
    }

    /// The bearer token the socket is opened with. A different token on an open socket
    /// reconnects with the new one.
    pub fn set_token(&mut self, token: Option<String>) {
        if self.token == token {
            return;
        }
        self.token = token;
        if self.link.is_some() {
            self.close_socket();
            self.open_socket_after_change();
        } else if matches!(self.state, ConnectionState::Failed { .. }) {
            // A refusal was about the old token; a new one deserves a try.
            self.set_state(ConnectionState::Disconnected);
        }
    }

    /// Opens a socket unless one is open or opening. Without a token there is nothing to
    /// open with, and after a refusal (4001, 4003, 4004) nothing is tried again until the
    /// token or the channels change.
    pub fn connect(&mut self, now: Millis) {
        let refused = matches!(self.state, ConnectionState::Failed { .. });
        if self.link.is_some() || self.token.is_none() || refused {
            return;
        }
        self.reconnect_at = None;
        self.open_socket(now);
    }

    pub fn disconnect(&mut self) {
        self.reconnect_at = None;
        self.close_socket();
        self.set_state(ConnectionState::Disconnected);
    }

    pub fn retry_now(&mut self, now: Millis) {
        let refused = matches!(self.state, ConnectionState::Failed { .. });
        if self.link.is_none() && self.token.is_some() && !refused {
            self.reconnect_at = None;
            self.open_socket(now);
        }
    }

    /// The channels the app wants. There is no unsubscribe message, so a change on an open
    /// socket opens a new one with the new set.
    pub fn set_channels<I, S>(&mut self, channels: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let wanted: BTreeSet<String> = channels.into_iter().map(Into::into).collect();
        if wanted == self.desired {
            return;
        }
        self.desired = wanted;
        if self.link.is_some() {
            self.close_socket();
            self.open_socket_after_change();
        } else if matches!(self.state, ConnectionState::Failed { .. }) {
            // A refusal was about the old set; the new one deserves a try.
            self.set_state(ConnectionState::Disconnected);
        }
    }

    pub fn handle_network(&mut self, online: bool, now: Millis) {
        self.online = online;
        if !online {
            if self.link.is_none() && matches!(self.state, ConnectionState::Reconnecting { .. }) {
                self.reconnect_at = None;
                self.set_state(ConnectionState::Unavailable);
            }
            return;
        }
        match self.state {
            ConnectionState::Reconnecting { .. } | ConnectionState::Unavailable => self.retry_now(now),
            ConnectionState::Connected { .. } => self.ping(now),
            _ => {}
        }
    }

    pub fn handle_visibility(&mut self, visible: bool, now: Millis) {
        if !visible {
            return;
        }
        match &self.state {
            ConnectionState::Reconnecting { .. } => self.retry_now(now),
            ConnectionState::Connected { .. } => {
                let stale = self
                    .link
                    .as_ref()
                    .is_some_and(|link| now.since(link.last_received) >= self.config.activity_timeout);
                if stale {
                    self.ping(now);
                }
            }
            _ => {}
        }
    }

    /// The socket opened: the consumer accepted it. It may still close with 4001 at once.
    pub fn handle_open(&mut self, now: Millis) {
        let Some(link) = &mut self.link else { return };
        link.open = true;
        link.last_received = now;
        self.set_state(ConnectionState::Connected { socket_id: String::new() });
        self.subscribe();
    }

    pub fn handle_frame(&mut self, text: &str, now: Millis) {
        let Some(link) = &mut self.link else { return };
        link.last_received = now;
        link.ping_sent_at = None;
        if text.len() > self.config.max_frame_bytes {
            let error = FrameError::TooLarge { len: text.len(), max: self.config.max_frame_bytes };
            self.events.push_back(Event::FrameRejected(error));
            return;
        }
        let message = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(message)) => message,
            Ok(_) => return self.events.push_back(Event::FrameRejected(FrameError::NotAnObject)),
            Err(error) => {
                let error = FrameError::NotJson { detail: error.to_string() };
                return self.events.push_back(Event::FrameRejected(error));
            }
        };
        let Some(kind) = message.get("type").and_then(Value::as_str) else {
            return self.events.push_back(Event::FrameRejected(FrameError::MissingEvent));
        };
        match kind {
            "pong" => {}
            "ping" => self.actions.push_back(Action::Send(json!({ "type": "pong" }).to_string())),
            "subscribed" => {
                let confirmed: Vec<String> = message
                    .get("channels")
                    .and_then(Value::as_array)
                    .map(|channels| channels.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default();
                self.confirm(confirmed);
            }
            "error" => {
                let message = message.get("message").and_then(Value::as_str).unwrap_or("").to_owned();
                self.events.push_back(Event::ServerError { code: None, message });
            }
            name => {
                let channel = message.get("channel").and_then(Value::as_str).map(str::to_owned);
                let wanted = channel.as_ref().is_some_and(|channel| {
                    self.link.as_ref().is_some_and(|link| link.subscribed.contains(channel))
                });
                if !wanted {
                    let event = name.to_owned();
                    let reason = "not on a subscribed channel";
                    return self.events.push_back(Event::Ignored { event, channel, reason });
                }
                let data = match message.get("data") {
                    // Like Pusher's, data may arrive as a JSON string.
                    Some(Value::String(text)) => {
                        serde_json::from_str(text).unwrap_or(Value::String(text.clone()))
                    }
                    Some(data) => data.clone(),
                    None => Value::Null,
                };
                self.events.push_back(Event::Message {
                    channel,
                    name: short_event_name(name).to_owned(),
                    raw_name: name.to_owned(),
                    data,
                });
            }
        }
    }

    /// The socket closed with `code` (1006 when the browser gives none); `reason` may name
    /// the refused channel.
    pub fn handle_close(&mut self, code: u16, reason: &str, now: Millis) {
        if self.link.take().is_none() {
            return;
        }
        match channels_close(code) {
            ChannelsClose::AuthenticationFailed => {
                let channel = self.desired.iter().next().cloned().unwrap_or_default();
                self.events
                    .push_back(Event::SubscriptionFailed { channel, error: SubscriptionError::Unauthorized });
                self.set_state(ConnectionState::Failed { reason: "authentication failed (4001)".into() });
            }
            ChannelsClose::Refused => {
                let what = if code == 4003 { "permission denied" } else { "not found" };
                let channel = if self.desired.contains(reason) {
                    reason.to_owned()
                } else {
                    self.desired.iter().cloned().collect::<Vec<_>>().join(", ")
                };
                let message = format!("{what} ({code})");
                let error = SubscriptionError::Rejected { code: Some(code), message: message.clone() };
                self.events.push_back(Event::SubscriptionFailed { channel, error });
                self.set_state(ConnectionState::Failed { reason: message });
            }
            ChannelsClose::Reconnect => self.schedule_reconnect(now),
        }
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        if self.reconnect_at.is_some_and(|at| at <= now) {
            self.reconnect_at = None;
            self.open_socket(now);
            return;
        }
        let Some(link) = &mut self.link else { return };
        if !link.open {
            if now.since(link.opened_at) >= self.config.connect_timeout {
                self.close_socket();
                self.schedule_reconnect(now);
            }
            return;
        }
        match link.ping_sent_at {
            Some(sent) if now.since(sent) >= self.config.pong_timeout => {
                self.close_socket();
                self.schedule_reconnect(now);
            }
            None if now.since(link.last_received) >= self.config.activity_timeout => self.ping(now),
            _ => {}
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`ChannelsConnection::handle_timeout`] next has something to do.
    pub fn poll_timeout(&self) -> Option<Millis> {
        if let Some(at) = self.reconnect_at {
            return Some(at);
        }
        let link = self.link.as_ref()?;
        Some(if !link.open {
            link.opened_at + self.config.connect_timeout
        } else if let Some(sent) = link.ping_sent_at {
            sent + self.config.pong_timeout
        } else {
            link.last_received + self.config.activity_timeout
        })
    }

    fn open_socket(&mut self, now: Millis) {
        let Some(token) = &self.token else { return };
        if !self.online {
            self.set_state(ConnectionState::Unavailable);
            return;
        }
        let separator = if self.config.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{separator}token={}", self.config.url, encode_query_value(token));
        self.actions.push_back(Action::Open { url });
        self.link = Some(Link {
            opened_at: now,
            open: false,
            last_received: now,
            ping_sent_at: None,
            requested: BTreeSet::new(),
            subscribed: BTreeSet::new(),
            settled: false,
        });
        self.set_state(ConnectionState::Connecting);
    }

    /// After a change of token or channels: a new socket at once, with no backoff.
    fn open_socket_after_change(&mut self) {
        let opened_at = Millis::ZERO;
        self.attempt = 0;
        self.reconnect_at = Some(opened_at);
        self.set_state(ConnectionState::Reconnecting { attempt: 0, retry_at: opened_at });
    }

    fn close_socket(&mut self) {
        if self.link.take().is_some() {
            self.actions.push_back(Action::Close);
        }
    }

    fn schedule_reconnect(&mut self, now: Millis) {
        self.attempt += 1;
        let retry_at = now + self.backoff.delay(self.attempt);
        if self.online {
            self.reconnect_at = Some(retry_at);
            self.set_state(ConnectionState::Reconnecting { attempt: self.attempt, retry_at });
        } else {
            self.reconnect_at = None;
            self.set_state(ConnectionState::Unavailable);
        }
    }

    fn subscribe(&mut self) {
        let Some(link) = &mut self.link else { return };
        if self.desired.is_empty() {
            return;
        }
        link.requested = self.desired.clone();
        let channels: Vec<&String> = self.desired.iter().collect();
        self.actions
            .push_back(Action::Send(json!({ "type": "subscribe", "channels": channels }).to_string()));
    }

    fn confirm(&mut self, confirmed: Vec<String>) {
        let desired = &self.desired;
        let Some(link) = &mut self.link else { return };
        for channel in confirmed {
            if desired.contains(&channel) && link.subscribed.insert(channel.clone()) {
                self.events.push_back(Event::Subscribed { channel });
            }
        }
        self.attempt = 0;
        let settled = !desired.is_empty() && desired.iter().all(|channel| link.subscribed.contains(channel));
        if settled && !link.settled {
            self.events.push_back(Event::Settled);
        }
        link.settled = settled;
    }

    fn ping(&mut self, now: Millis) {
        let Some(link) = &mut self.link else { return };
        if !link.open || link.ping_sent_at.is_some() {
            return;
        }
        link.ping_sent_at = Some(now);
        self.actions.push_back(Action::Send(json!({ "type": "ping" }).to_string()));
    }

    fn set_state(&mut self, state: ConnectionState) {
        if self.state != state {
            self.state = state.clone();
            self.events.push_back(Event::StateChanged(state));
        }
    }
}

/// `value` percent-encoded for a query string. A JWT needs none of it, but a token of another
/// shape must not break the URL.
fn encode_query_value(value: &str) -> String {
    const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}
