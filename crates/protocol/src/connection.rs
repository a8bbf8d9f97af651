//! The connection state machine: one socket at a time, the desired channels reconciled onto
//! it, reconnection with backoff, and ping/pong liveness.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use crate::backoff::{Backoff, BackoffConfig};
use crate::close::{CloseAction, close_action};
use crate::event_name::short_event_name;
use crate::frame::{self, DEFAULT_MAX_FRAME_BYTES, Frame, FrameError};
use crate::time::Millis;

/// Tuning of a [`Connection`]. Every field has a default that suits a browser.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// The WebSocket URL, as [`socket_url`] builds it. No default: it names the server.
    pub url: String,
    /// Silence after which we ping the server. The server's own `activity_timeout`, if
    /// shorter, wins. Default: 120 s (pusher-js's).
    pub activity_timeout: Millis,
    /// How long to wait for any frame after a ping before the socket counts as dead.
    /// Default: 30 s (pusher-js's).
    pub pong_timeout: Millis,
    /// How long opening the socket and the handshake may take. Default: 10 s.
    pub connect_timeout: Millis,
    /// Delays between reconnection attempts, and between retries of a failed authorization.
    pub backoff: BackoffConfig,
    /// Frames longer than this are refused unparsed. Default: 256 KiB.
    pub max_frame_bytes: usize,
}

impl ConnectionConfig {
    pub fn new(url: String) -> Self {
        ConnectionConfig {
            url,
            activity_timeout: Millis::from_secs(120),
            pong_timeout: Millis::from_secs(30),
            connect_timeout: Millis::from_secs(10),
            backoff: BackoffConfig::default(),
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
        }
    }
}

/// The URL of a Pusher server's WebSocket endpoint for an app key.
pub fn socket_url(host: &str, port: u16, tls: bool, key: &str, client_version: &str) -> String {
    let scheme = if tls { "wss" } else { "ws" };
    format!("{scheme}://{host}:{port}/app/{key}?protocol=7&client=herald&version={client_version}")
}

/// Where the connection stands, as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Created, never asked to connect.
    Initialized,
    /// A socket is opening or handshaking.
    Connecting,
    /// The handshake is done; `socket_id` identifies this connection to the backend.
    Connected { socket_id: String },
    /// The last attempt failed; the next one starts at `retry_at`.
    Reconnecting { attempt: u32, retry_at: Millis },
    /// The browser reports no network; we wait for it to come back.
    Unavailable,
    /// The server refused us in a way retrying cannot fix (4000–4099).
    Failed { reason: String },
    /// Closed on purpose (signed out).
    Disconnected,
}

/// What the driver must do for the state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Drop any socket and open a new one to `url`.
    Open { url: String },
    /// Send a text frame on the current socket.
    Send(String),
    /// Close the current socket. The driver reports no `handle_close` for it.
    Close,
    /// Ask the backend's channel authorizer for a signature, then call
    /// [`Connection::handle_auth`] with the same channel and socket id.
    Authorize { channel: String, socket_id: String },
}

/// The channel authorizer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthResult {
    /// 2xx with `{"auth": …, "channel_data"?: …}`.
    Authorized { auth: String, channel_data: Option<String> },
    /// 401: the session is gone. Retrying cannot help; the app should sign out.
    Unauthorized,
    /// 403: this person may not join the channel. Never retried on its own.
    Forbidden,
    /// The request failed (network, 5xx, a body that is not an auth answer): retried with
    /// backoff.
    Failed { reason: String },
}

/// Why a subscription ended without success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionError {
    Unauthorized,
    Forbidden,
    /// The Pusher server refused the subscribe (e.g. Sockudo's 4009 for a bad signature).
    Rejected {
        code: Option<u16>,
        message: String,
    },
}

/// What the state machine tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    StateChanged(ConnectionState),
    Subscribed {
        channel: String,
    },
    SubscriptionFailed {
        channel: String,
        error: SubscriptionError,
    },
    /// An authorization failed for a passing reason and will be tried again at `retry_at`.
    AuthorizationRetry {
        channel: String,
        attempt: u32,
        retry_at: Millis,
        reason: String,
    },
    /// An application event. `name` is the short name ([`short_event_name`]), `raw_name` as
    /// sent, `data` decoded from its JSON string.
    Message {
        channel: Option<String>,
        name: String,
        raw_name: String,
        data: Value,
    },
    /// Every channel the app wants is now subscribed on this socket (or was refused): the
    /// moment to read back what the socket missed, since nothing published from now on
    /// can be. Once per socket, and again after new channels are wanted and settle.
    Settled,
    /// A `pusher:error` that belongs to no subscription.
    ServerError {
        code: Option<u16>,
        message: String,
    },
    /// A frame that could not be decoded. The connection carries on.
    FrameRejected(FrameError),
    /// A well-formed frame the app has no use for, with the reason (for the debug log).
    Ignored {
        event: String,
        channel: Option<String>,
        reason: &'static str,
    },
}

/// A Pusher protocol 7 client connection. See the crate docs for how it is driven.
#[derive(Debug)]
pub struct Connection {
    config: ConnectionConfig,
    state: ConnectionState,
    backoff: Backoff,
    /// The channels the app wants, whatever the socket is doing.
    desired: BTreeSet<String>,
    /// Desired channels the server or authorizer refused; not tried again until the app
    /// stops and starts wanting them, so a 403 never becomes a retry loop.
    refused: BTreeSet<String>,
    link: Option<Link>,
    /// Failed connection attempts since the last successful handshake.
    attempt: u32,
    reconnect_at: Option<Millis>,
    online: bool,
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
}

/// The current socket and everything that dies with it.
#[derive(Debug)]
struct Link {
    opened_at: Millis,
    socket_id: Option<String>,
    last_received: Millis,
    ping_sent_at: Option<Millis>,
    activity_timeout: Millis,
    subscriptions: BTreeMap<String, Subscription>,
    /// Channels whose subscribe was sent and not yet answered, oldest first: Sockudo's 4009
    /// names no channel, so it belongs to the oldest of these.
    awaiting_answer: VecDeque<String>,
    /// Whether `Event::Settled` was reported for the channels wanted now.
    settled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subscription {
    Authorizing { attempt: u32 },
    RetryAuthorization { attempt: u32, at: Millis },
    AwaitingAnswer,
    Subscribed,
    Failed,
}

impl Connection {
    /// `seed` feeds the backoff's jitter; give each client a different one.
    pub fn new(config: ConnectionConfig, seed: u64) -> Self {
        Connection {
            backoff: Backoff::new(config.backoff, seed),
            config,
            state: ConnectionState::Initialized,
            desired: BTreeSet::new(),
            refused: BTreeSet::new(),
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

    /// The desired channels that the server has confirmed on the current socket.
    pub fn subscribed_channels(&self) -> impl Iterator<Item = &str> {
        self.link.iter().flat_map(|link| {
            link.subscriptions
                .iter()
                .filter(|(_, s)| **s == Subscription::Subscribed)
                .map(|(channel, _)| channel.as_str())
        })
    }

    // ----- Commands from the app -----

    /// Opens a socket unless one is open or opening.
    pub fn connect(&mut self, now: Millis) {
        if self.link.is_none() {
            self.reconnect_at = None;
            self.open_socket(now);
        }
    }

    /// Closes the socket for good (until the next `connect`).
    pub fn disconnect(&mut self) {
        self.close_socket();
        self.reconnect_at = None;
        self.attempt = 0;
        self.set_state(ConnectionState::Disconnected);
    }

    /// Tries at once while waiting to reconnect, offline or failed.
    pub fn retry_now(&mut self, now: Millis) {
        if self.link.is_none() && self.state != ConnectionState::Initialized {
            self.reconnect_at = None;
            self.open_socket(now);
        }
    }

    /// Makes `channels` the set the socket carries: subscribes what is new, unsubscribes what
    /// is gone, now and after every reconnect.
    pub fn set_channels<I, S>(&mut self, channels: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let wanted: BTreeSet<String> = channels.into_iter().map(Into::into).collect();
        let gone: Vec<String> = self.desired.difference(&wanted).cloned().collect();
        let new: Vec<String> = wanted.difference(&self.desired).cloned().collect();
        self.desired = wanted;
        for channel in gone {
            self.refused.remove(&channel);
            self.leave(&channel);
        }
        for channel in new {
            self.join(channel);
        }
        self.check_settled();
    }

    /// Reports `Event::Settled` when every wanted channel has its answer on this socket.
    fn check_settled(&mut self) {
        let (desired, refused) = (&self.desired, &self.refused);
        let Some(link) = self.link.as_mut() else { return };
        let settled = !desired.is_empty()
            && desired.iter().all(|channel| {
                refused.contains(channel)
                    || matches!(
                        link.subscriptions.get(channel),
                        Some(Subscription::Subscribed | Subscription::Failed)
                    )
            });
        if settled && !link.settled {
            self.events.push_back(Event::Settled);
        }
        link.settled = settled;
    }

    /// The browser's `online` / `offline` events.
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
            // The network changed under an open socket: make sure it still works.
            ConnectionState::Connected { .. } => self.ping(now),
            _ => {}
        }
    }

    /// The page became visible (or hidden). A tab that was hidden may have slept through
    /// its timers, so on return it checks the socket at once instead of waiting.
    pub fn handle_visibility(&mut self, visible: bool, now: Millis) {
        if !visible {
            return;
        }
        match &self.state {
            ConnectionState::Reconnecting { .. } => self.retry_now(now),
            ConnectionState::Connected { .. } => {
                let stale =
                    self.link.as_ref().is_some_and(|l| now.since(l.last_received) >= l.activity_timeout);
                if stale {
                    self.ping(now);
                }
            }
            _ => {}
        }
    }

    // ----- Inputs from the socket -----

    pub fn handle_open(&mut self, now: Millis) {
        if let Some(link) = &mut self.link {
            link.last_received = now;
        }
    }

    pub fn handle_frame(&mut self, text: &str, now: Millis) {
        let Some(link) = &mut self.link else { return };
        // Any frame proves the socket alive, as in pusher-js.
        link.last_received = now;
        link.ping_sent_at = None;
        match frame::decode(text, self.config.max_frame_bytes) {
            Ok(frame) => self.handle_decoded(frame, now),
            Err(error) => self.events.push_back(Event::FrameRejected(error)),
        }
    }

    /// The socket closed (or failed to open) with a WebSocket close code; 1006 when the
    /// browser gives none.
    pub fn handle_close(&mut self, code: u16, reason: &str, now: Millis) {
        if self.link.take().is_none() {
            return;
        }
        self.react_to_code(code, reason, now);
    }

    pub fn handle_auth(&mut self, channel: &str, socket_id: &str, result: AuthResult, now: Millis) {
        let Some(link) = &mut self.link else { return };
        if link.socket_id.as_deref() != Some(socket_id) {
            return; // An answer for a socket that is gone.
        }
        let Some(Subscription::Authorizing { attempt }) = link.subscriptions.get(channel).copied() else {
            return; // The app stopped wanting the channel while we asked.
        };
        match result {
            AuthResult::Authorized { auth, channel_data } => {
                let frame = frame::encode_subscribe(channel, Some(&auth), channel_data.as_deref());
                link.subscriptions.insert(channel.to_owned(), Subscription::AwaitingAnswer);
                link.awaiting_answer.push_back(channel.to_owned());
                self.actions.push_back(Action::Send(frame));
            }
            AuthResult::Unauthorized => self.fail(channel, SubscriptionError::Unauthorized),
            AuthResult::Forbidden => self.fail(channel, SubscriptionError::Forbidden),
            AuthResult::Failed { reason } => {
                let attempt = attempt + 1;
                let retry_at = now + self.backoff.delay(attempt);
                link.subscriptions
                    .insert(channel.to_owned(), Subscription::RetryAuthorization { attempt, at: retry_at });
                self.events.push_back(Event::AuthorizationRetry {
                    channel: channel.to_owned(),
                    attempt,
                    retry_at,
                    reason,
                });
            }
        }
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        if self.reconnect_at.is_some_and(|at| at <= now) {
            self.reconnect_at = None;
            self.open_socket(now);
            return;
        }
        let Some(link) = &mut self.link else { return };
        let Some(socket_id) = link.socket_id.clone() else {
            if now.since(link.opened_at) >= self.config.connect_timeout {
                self.close_socket();
                self.schedule_reconnect(now);
            }
            return;
        };
        if let Some(sent) = link.ping_sent_at {
            if now.since(sent) >= self.config.pong_timeout {
                self.close_socket();
                self.reconnect_soon(now);
                return;
            }
        } else if now.since(link.last_received) >= link.activity_timeout {
            self.ping(now);
        }
        let Some(link) = &mut self.link else { return };
        let due: Vec<(String, u32)> = link
            .subscriptions
            .iter()
            .filter_map(|(channel, s)| match *s {
                Subscription::RetryAuthorization { attempt, at } if at <= now => {
                    Some((channel.clone(), attempt))
                }
                _ => None,
            })
            .collect();
        for (channel, attempt) in due {
            link.subscriptions.insert(channel.clone(), Subscription::Authorizing { attempt });
            self.actions.push_back(Action::Authorize { channel, socket_id: socket_id.clone() });
        }
    }

    // ----- Outputs -----

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When `handle_timeout` should next be called, if ever.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut earliest = self.reconnect_at;
        let mut consider = |at: Millis| {
            earliest = Some(earliest.map_or(at, |e| e.min(at)));
        };
        if let Some(link) = &self.link {
            if link.socket_id.is_none() {
                consider(link.opened_at + self.config.connect_timeout);
            } else if let Some(sent) = link.ping_sent_at {
                consider(sent + self.config.pong_timeout);
            } else {
                consider(link.last_received + link.activity_timeout);
            }
            for s in link.subscriptions.values() {
                if let Subscription::RetryAuthorization { at, .. } = s {
                    consider(*at);
                }
            }
        }
        earliest
    }

    // ----- Internals -----

    fn handle_decoded(&mut self, frame: Frame, now: Millis) {
        match frame {
            Frame::ConnectionEstablished { socket_id, activity_timeout_s } => {
                self.handle_established(socket_id, activity_timeout_s)
            }
            Frame::Error { code, message, channel } => self.handle_error(code, message, channel, now),
            Frame::Ping => self.actions.push_back(Action::Send(frame::encode_pong())),
            Frame::Pong => {}
            Frame::SubscriptionSucceeded { channel } => self.handle_subscribed(channel),
            Frame::Message { event, channel, data } => self.handle_message(event, channel, data),
        }
    }

    fn handle_established(&mut self, socket_id: String, activity_timeout_s: Option<u64>) {
        let Some(link) = &mut self.link else { return };
        if link.socket_id.is_some() {
            return; // A second handshake on one socket means nothing new.
        }
        link.socket_id = Some(socket_id.clone());
        if let Some(server) = activity_timeout_s {
            link.activity_timeout = link.activity_timeout.min(Millis::from_secs(server.max(1)));
        }
        self.attempt = 0;
        self.set_state(ConnectionState::Connected { socket_id });
        for channel in self.desired.clone() {
            self.join(channel);
        }
    }

    fn handle_error(&mut self, code: Option<u16>, message: String, channel: Option<String>, now: Millis) {
        let Some(link) = &mut self.link else { return };
        if link.socket_id.is_none() {
            // During the handshake an error code says whether to come back (pusher-js).
            if let Some(code) = code {
                self.close_socket();
                self.react_to_code(code, &message, now);
            } else {
                self.events.push_back(Event::ServerError { code, message });
            }
            return;
        }
        let subscription_channel = match channel {
            Some(channel) if link.subscriptions.contains_key(&channel) => Some(channel),
            Some(_) => None,
            None if code == Some(4009) => link.awaiting_answer.front().cloned(),
            None => None,
        };
        match subscription_channel {
            Some(channel) => self.fail(&channel, SubscriptionError::Rejected { code, message }),
            None => self.events.push_back(Event::ServerError { code, message }),
        }
    }

    fn handle_subscribed(&mut self, channel: String) {
        let Some(link) = &mut self.link else { return };
        if link.subscriptions.get(&channel) == Some(&Subscription::AwaitingAnswer) {
            link.awaiting_answer.retain(|c| *c != channel);
            link.subscriptions.insert(channel.clone(), Subscription::Subscribed);
            self.events.push_back(Event::Subscribed { channel });
            self.check_settled();
        } else {
            self.events.push_back(Event::Ignored {
                event: "pusher_internal:subscription_succeeded".into(),
                channel: Some(channel),
                reason: "no subscribe of this channel is awaiting an answer",
            });
        }
    }

    fn handle_message(&mut self, event: String, channel: Option<String>, data: Value) {
        let ignore = |reason| Event::Ignored { event: event.clone(), channel: channel.clone(), reason };
        if event.starts_with("pusher:") || event.starts_with("pusher_internal:") {
            self.events.push_back(ignore("protocol event this client does not use"));
            return;
        }
        if let Some(name) = &channel
            && !self.desired.contains(name)
        {
            // A late event for a channel the app left (signed out, switched tenant).
            self.events.push_back(ignore("channel is not subscribed"));
            return;
        }
        let name = short_event_name(&event).to_owned();
        self.events.push_back(Event::Message { channel, name, raw_name: event, data });
    }

    fn open_socket(&mut self, now: Millis) {
        self.close_socket();
        self.link = Some(Link {
            opened_at: now,
            socket_id: None,
            last_received: now,
            ping_sent_at: None,
            activity_timeout: self.config.activity_timeout,
            subscriptions: BTreeMap::new(),
            awaiting_answer: VecDeque::new(),
            settled: false,
        });
        self.actions.push_back(Action::Open { url: self.config.url.clone() });
        self.set_state(ConnectionState::Connecting);
    }

    fn close_socket(&mut self) {
        if self.link.take().is_some() {
            self.actions.push_back(Action::Close);
        }
    }

    fn react_to_code(&mut self, code: u16, reason: &str, now: Millis) {
        match close_action(code) {
            CloseAction::DoNotReconnect => {
                let reason = if reason.is_empty() {
                    format!("the server refused the connection (code {code})")
                } else {
                    format!("{reason} (code {code})")
                };
                self.set_state(ConnectionState::Failed { reason });
            }
            CloseAction::ReconnectNow => self.reconnect_soon(now),
            CloseAction::ReconnectAfterBackoff => self.schedule_reconnect(now),
        }
    }

    /// Reconnects at once the first time; if that fails too, backs off like any failure,
    /// so a server that keeps asking for an immediate retry is never hammered.
    fn reconnect_soon(&mut self, now: Millis) {
        if self.attempt == 0 && self.online {
            self.attempt = 1;
            self.open_socket(now);
        } else {
            self.schedule_reconnect(now);
        }
    }

    fn schedule_reconnect(&mut self, now: Millis) {
        if !self.online {
            self.set_state(ConnectionState::Unavailable);
            return;
        }
        self.attempt = self.attempt.saturating_add(1);
        let retry_at = now + self.backoff.delay(self.attempt);
        self.reconnect_at = Some(retry_at);
        self.set_state(ConnectionState::Reconnecting { attempt: self.attempt, retry_at });
    }

    fn ping(&mut self, now: Millis) {
        let Some(link) = &mut self.link else { return };
        if link.socket_id.is_some() && link.ping_sent_at.is_none() {
            link.ping_sent_at = Some(now);
            self.actions.push_back(Action::Send(frame::encode_ping()));
        }
    }

    /// Starts subscribing a desired channel on the current socket, if it is established.
    fn join(&mut self, channel: String) {
        if self.refused.contains(&channel) {
            return;
        }
        let Some(link) = &mut self.link else { return };
        let Some(socket_id) = link.socket_id.clone() else { return };
        if link.subscriptions.contains_key(&channel) {
            return;
        }
        if channel.starts_with("private-") || channel.starts_with("presence-") {
            link.subscriptions.insert(channel.clone(), Subscription::Authorizing { attempt: 0 });
            self.actions.push_back(Action::Authorize { channel, socket_id });
        } else {
            self.actions.push_back(Action::Send(frame::encode_subscribe(&channel, None, None)));
            link.subscriptions.insert(channel.clone(), Subscription::AwaitingAnswer);
            link.awaiting_answer.push_back(channel);
        }
    }

    fn leave(&mut self, channel: &str) {
        let Some(link) = &mut self.link else { return };
        let Some(subscription) = link.subscriptions.remove(channel) else { return };
        link.awaiting_answer.retain(|c| c != channel);
        if matches!(subscription, Subscription::AwaitingAnswer | Subscription::Subscribed) {
            self.actions.push_back(Action::Send(frame::encode_unsubscribe(channel)));
        }
    }

    fn fail(&mut self, channel: &str, error: SubscriptionError) {
        if let Some(link) = &mut self.link {
            link.subscriptions.insert(channel.to_owned(), Subscription::Failed);
            link.awaiting_answer.retain(|c| c != channel);
        }
        self.refused.insert(channel.to_owned());
        self.events.push_back(Event::SubscriptionFailed { channel: channel.to_owned(), error });
        self.check_settled();
    }

    fn set_state(&mut self, state: ConnectionState) {
        if self.state != state {
            self.state = state.clone();
            self.events.push_back(Event::StateChanged(state));
        }
    }
}
