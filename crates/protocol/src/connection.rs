//! The one connection lifecycle: one socket at a time, the wanted channels reconciled onto
//! it, reconnection with backoff, ping/pong liveness, the network and the page's visibility,
//! every deadline in one timer table. What is said on the wire is a [`Protocol`]'s: Pusher
//! ([`crate::pusher`]) or Django Channels ([`crate::channels`]); the rules below hold for
//! both, and `tests/lifecycle.rs` runs them against both.
//!
//! Where the two protocols' old state machines disagreed, one rule was chosen:
//! - **A close while offline is not a failed attempt.** The backoff counts the server's
//!   failures, and losing the network is not one: the connection waits `Unavailable`, tries
//!   at once when the network returns, and if that try fails its delay is the one the
//!   server's own failures had reached (the Channels client used to count the attempt first,
//!   so each offline spell made the next wait longer).
//! - **An event reaches the app exactly when the app wants its channel.** The server sends
//!   only on channels this socket asked for; what the client must enforce is that a channel
//!   the app no longer wants (signed out, another person) never delivers, and that a wanted
//!   channel's event is not lost because it overtook the server's confirmation (the Channels
//!   client used to drop those, leaving them to catch-up). An event naming no channel is
//!   for nobody and is dropped.
//! - **A dead socket (no pong) is replaced at once**, once, then with backoff, as a close
//!   asking for an immediate reconnect is: the server was fine a moment ago.
//! - **A refusal is not retried on its own**: after a close that refuses the connection
//!   (Pusher 4000–4099, Channels 4001/4003/4004) nothing reconnects, not even `connect`,
//!   until the token or the channels change, or the person asks with `retry_now`.
//! - **Both change channels on the open socket**: Channels subscribes and unsubscribes there
//!   as Pusher does, instead of replacing the socket; only a new token replaces it.
//! - **The backoff resets when the server accepts the client**: its handshake message, or
//!   a confirmed subscription (a Channels socket opens before its token is judged).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use crate::backoff::{Backoff, BackoffConfig};
use crate::channels::Channels;
use crate::event_name::short_event_name;
use crate::frame::{DEFAULT_MAX_FRAME_BYTES, FrameError};
use crate::protocol::{Closed, Inbound, Protocol, TokenChange};
use crate::pusher::Pusher;
use crate::time::Millis;
use crate::timers::{Timer, TimerTable};

/// Tuning of a [`Connection`]. [`ConnectionConfig::pusher`] and [`ConnectionConfig::channels`]
/// give each protocol's defaults.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// Silence after which the client pings. A Pusher server's own `activity_timeout`, if
    /// shorter, wins. Default: 120 s for Pusher (pusher-js's), 30 s for Channels (which has
    /// no server-side keep-alive to learn from).
    pub activity_timeout: Millis,
    /// How long to wait for any message after a ping before the socket counts as dead.
    /// Default: 30 s for Pusher (pusher-js's), 10 s for Channels.
    pub pong_timeout: Millis,
    /// How long opening the socket and the handshake may take. Default: 10 s.
    pub connect_timeout: Millis,
    /// Delays between reconnection attempts, and between retries of a failed authorization.
    pub backoff: BackoffConfig,
    /// Messages longer than this are refused unparsed. Default: 256 KiB.
    pub max_frame_bytes: usize,
}

impl ConnectionConfig {
    pub fn pusher() -> Self {
        ConnectionConfig {
            activity_timeout: Millis::from_secs(120),
            pong_timeout: Millis::from_secs(30),
            connect_timeout: Millis::from_secs(10),
            backoff: BackoffConfig::default(),
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
        }
    }

    pub fn channels() -> Self {
        ConnectionConfig {
            activity_timeout: Millis::from_secs(30),
            pong_timeout: Millis::from_secs(10),
            ..ConnectionConfig::pusher()
        }
    }
}

/// Where the connection stands, as the app shows it. Serializable so that the tab holding the
/// connection can tell the browser's other tabs (`herald_client::tabs`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// [`Connection::handle_auth`] with the same channel and socket id. Pusher only: a
    /// Channels socket is authorized by its token.
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SubscriptionError {
    Unauthorized,
    Forbidden,
    /// The server refused the subscribe (Sockudo's 4009 for a bad signature, a Channels
    /// server's 4003 or 4004).
    Rejected {
        code: Option<u16>,
        message: String,
    },
}

/// What the state machine tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    StateChanged(ConnectionState),
    /// The socket that was connected is not any more (it follows the `StateChanged` away
    /// from `Connected`): events may be missed until the next `Settled`, whose catch-up
    /// reads them back.
    Interrupted,
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
    /// An application event on a channel the app wants (so `channel` is always `Some`; it
    /// stays an `Option` for the callers that match on it). `name` is the short name
    /// ([`short_event_name`]), `raw_name` as sent, `data` decoded from its JSON string.
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

/// What [`Connection::poll`] hands the driver.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Action(Action),
    Event(Event),
}

/// A realtime client connection over one of the two protocols. See the crate docs for how
/// it is driven.
#[derive(Debug)]
pub struct Connection {
    protocol: Box<dyn Protocol>,
    config: ConnectionConfig,
    state: ConnectionState,
    backoff: Backoff,
    /// The channels the app wants, whatever the socket is doing.
    wanted: BTreeSet<String>,
    /// Wanted channels the server or authorizer refused; not tried again until the app
    /// stops and starts wanting them, so a 403 never becomes a retry loop.
    refused: BTreeSet<String>,
    /// The server refused the connection itself: nothing reopens it on its own until the
    /// token or the channels change, or `retry_now`.
    connection_refused: bool,
    /// The person's token as last given: a new one is a new chance for whatever the old one
    /// was refused.
    token: Option<String>,
    link: Option<Link>,
    /// Failed connection attempts since the server last accepted the client.
    attempt: u32,
    online: bool,
    timers: TimerTable,
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
}

/// The current socket and what dies with it (its timers are in the table, under
/// [`Timer::SOCKET`]).
#[derive(Debug)]
struct Link {
    /// Set once the connection is established.
    socket_id: Option<String>,
    activity_timeout: Millis,
    subscriptions: BTreeMap<String, Subscription>,
    /// Channels whose subscribe was sent and not yet answered, oldest first: Sockudo's 4009
    /// names no channel, so it belongs to the oldest of these.
    awaiting_answer: VecDeque<String>,
    /// Whether `Event::Settled` was reported for the channels wanted now.
    settled: bool,
    /// A new token that arrived while the socket was opening with the old one.
    send_once_open: Option<String>,
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
    /// A Pusher protocol 7 connection to `url` (as [`crate::socket_url`] builds it). `seed`
    /// feeds the backoff's jitter; give each client a different one.
    pub fn pusher(url: String, config: ConnectionConfig, seed: u64) -> Connection {
        Connection::new(Box::new(Pusher::new(url)), config, seed)
    }

    /// A Django Channels connection to `url` (without the token, which [`Connection::set_token`]
    /// gives and the socket's URL carries).
    pub fn channels(url: String, config: ConnectionConfig, seed: u64) -> Connection {
        Connection::new(Box::new(Channels::new(url)), config, seed)
    }

    fn new(protocol: Box<dyn Protocol>, config: ConnectionConfig, seed: u64) -> Connection {
        Connection {
            protocol,
            backoff: Backoff::new(config.backoff, seed),
            config,
            state: ConnectionState::Initialized,
            wanted: BTreeSet::new(),
            refused: BTreeSet::new(),
            connection_refused: false,
            token: None,
            link: None,
            attempt: 0,
            online: true,
            timers: TimerTable::default(),
            actions: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn state(&self) -> &ConnectionState {
        &self.state
    }

    /// The wanted channels that the server has confirmed on the current socket.
    pub fn subscribed_channels(&self) -> impl Iterator<Item = &str> {
        self.link.iter().flat_map(|link| {
            link.subscriptions
                .iter()
                .filter(|(_, s)| **s == Subscription::Subscribed)
                .map(|(channel, _)| channel.as_str())
        })
    }

    // ----- Commands from the app -----

    /// The person's token. Pusher hands it to the channel authorizer, not to the connection;
    /// Channels opens its socket with it, so gaining or losing one replaces the socket, and a
    /// refreshed one is sent on the open socket, which stays (once it is open, if it is still
    /// opening). Either way a new token is tried again for what the old one was refused: the
    /// connection and the channels.
    pub fn set_token(&mut self, token: Option<String>) {
        if self.token == token {
            return;
        }
        self.token.clone_from(&token);
        self.forget_refusal();
        self.refused.clear();
        let change = self.protocol.set_token(token);
        match change {
            TokenChange::Unchanged => {}
            TokenChange::Reopen => {
                if self.link.is_some() {
                    self.close_socket();
                    self.reopen_soon();
                }
                return;
            }
            TokenChange::Send(frame) => match &mut self.link {
                Some(link) if link.socket_id.is_some() => self.actions.push_back(Action::Send(frame)),
                Some(link) => link.send_once_open = Some(frame),
                None => {}
            },
        }
        if let Some(link) = &mut self.link {
            link.subscriptions.retain(|_, subscription| *subscription != Subscription::Failed);
        }
        self.join_wanted();
    }

    /// Opens a socket unless one is open or opening, or the server refused the last one.
    pub fn connect(&mut self, now: Millis) {
        if self.link.is_none() && !self.connection_refused {
            self.open_socket(now);
        }
    }

    /// Closes the socket for good (until the next `connect`).
    pub fn disconnect(&mut self) {
        self.close_socket();
        self.timers.stop(Timer::Reconnect);
        self.attempt = 0;
        self.connection_refused = false;
        self.set_state(ConnectionState::Disconnected);
    }

    /// Tries at once while waiting to reconnect, offline or failed: the person asked.
    pub fn retry_now(&mut self, now: Millis) {
        if self.link.is_none() && self.state != ConnectionState::Initialized {
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
        if wanted == self.wanted {
            return;
        }
        let gone: Vec<String> = self.wanted.difference(&wanted).cloned().collect();
        self.wanted = wanted;
        self.forget_refusal();
        for channel in &gone {
            self.refused.remove(channel);
        }
        self.leave(&gone);
        self.join_wanted();
        self.check_settled();
    }

    /// The browser's `online` / `offline` events.
    pub fn handle_network(&mut self, online: bool, now: Millis) {
        self.online = online;
        if !online {
            if self.link.is_none() && matches!(self.state, ConnectionState::Reconnecting { .. }) {
                self.timers.stop(Timer::Reconnect);
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
            ConnectionState::Connected { .. } if self.timers.is_due(Timer::Idle, now) => self.ping(now),
            _ => {}
        }
    }

    // ----- Inputs from the socket -----

    pub fn handle_open(&mut self, now: Millis) {
        if self.link.as_ref().is_some_and(|link| link.socket_id.is_none())
            && let Some(socket_id) = self.protocol.established_on_open()
        {
            self.establish(socket_id, None, now);
        }
    }

    pub fn handle_frame(&mut self, text: &str, now: Millis) {
        let Some(link) = &self.link else { return };
        // Any message proves the socket alive, as in pusher-js.
        self.timers.stop(Timer::Pong);
        if link.socket_id.is_some() {
            self.timers.set(Timer::Idle, now + link.activity_timeout);
        }
        match self.protocol.decode(text, self.config.max_frame_bytes) {
            Ok(inbound) => self.handle_inbound(inbound, now),
            Err(error) => self.events.push_back(Event::FrameRejected(error)),
        }
    }

    /// The socket closed (or failed to open) with a WebSocket close code; 1006 when the
    /// browser gives none. `reason` may name a refused channel.
    pub fn handle_close(&mut self, code: u16, reason: &str, now: Millis) {
        if self.drop_link() {
            let closed = self.protocol.closed(code, reason, &self.wanted);
            self.react(closed, now);
        }
    }

    /// A channel authorizer's answer (Pusher only).
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
                let frame = self.protocol.subscribe_authorized(channel, &auth, channel_data.as_deref());
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
                self.arm_authorization_timer();
            }
        }
    }

    /// Runs every timer that is due at `now`.
    pub fn handle_timeout(&mut self, now: Millis) {
        for timer in self.timers.due(now) {
            // An earlier timer's work may have moved or stopped this one.
            if !self.timers.is_due(timer, now) {
                continue;
            }
            self.timers.stop(timer);
            match timer {
                Timer::Reconnect => self.open_socket(now),
                Timer::Handshake => {
                    self.close_socket();
                    self.schedule_reconnect(now);
                }
                Timer::Idle => self.ping(now),
                Timer::Pong => {
                    self.close_socket();
                    self.reconnect_soon(now);
                }
                Timer::Authorization => self.retry_authorizations(now),
            }
        }
    }

    // ----- Outputs -----

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next thing for the driver: every queued action, then every queued event. A driver
    /// that polls until `None` after each input has carried out and passed on everything.
    pub fn poll(&mut self) -> Option<Output> {
        self.poll_action().map(Output::Action).or_else(|| self.poll_event().map(Output::Event))
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When `handle_timeout` should next be called, if ever.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.timers.next()
    }

    // ----- Internals -----

    fn handle_inbound(&mut self, inbound: Inbound, now: Millis) {
        match inbound {
            Inbound::Established { socket_id, activity_timeout } => {
                if self.link.as_ref().is_some_and(|link| link.socket_id.is_none()) {
                    self.attempt = 0;
                    self.establish(socket_id, activity_timeout, now);
                }
                // A second handshake on one socket means nothing new.
            }
            Inbound::Ping => self.actions.push_back(Action::Send(self.protocol.pong())),
            Inbound::Pong => {}
            Inbound::Confirmed { event, channels } => self.confirm(event, channels),
            Inbound::Error { code, message, channel } => self.handle_error(code, message, channel, now),
            Inbound::Message { event, channel, data } => self.deliver(event, channel, data),
            Inbound::Ignored { event, channel, reason } => {
                self.events.push_back(Event::Ignored { event, channel, reason })
            }
        }
    }

    fn establish(&mut self, socket_id: String, server_activity_timeout: Option<Millis>, now: Millis) {
        let Some(link) = &mut self.link else { return };
        link.socket_id = Some(socket_id.clone());
        if let Some(server) = server_activity_timeout {
            link.activity_timeout = link.activity_timeout.min(server);
        }
        self.timers.stop(Timer::Handshake);
        self.timers.set(Timer::Idle, now + link.activity_timeout);
        if let Some(frame) = link.send_once_open.take() {
            self.actions.push_back(Action::Send(frame));
        }
        self.set_state(ConnectionState::Connected { socket_id });
        self.join_wanted();
    }

    fn confirm(&mut self, event: &'static str, channels: Vec<String>) {
        let Some(link) = &mut self.link else { return };
        for channel in channels {
            if link.subscriptions.get(&channel) == Some(&Subscription::AwaitingAnswer) {
                link.awaiting_answer.retain(|c| *c != channel);
                link.subscriptions.insert(channel.clone(), Subscription::Subscribed);
                // The server accepts this client: the next failure starts a fresh backoff.
                self.attempt = 0;
                self.events.push_back(Event::Subscribed { channel });
            } else {
                self.events.push_back(Event::Ignored {
                    event: event.to_owned(),
                    channel: Some(channel),
                    reason: "no subscribe of this channel is awaiting an answer",
                });
            }
        }
        self.check_settled();
    }

    fn handle_error(&mut self, code: Option<u16>, message: String, channel: Option<String>, now: Millis) {
        let Some(link) = &self.link else { return };
        if link.socket_id.is_none() {
            // During the handshake an error code says whether to come back (pusher-js).
            if let Some(code) = code {
                self.close_socket();
                let closed = self.protocol.closed(code, &message, &self.wanted);
                self.react(closed, now);
            } else {
                self.events.push_back(Event::ServerError { code, message });
            }
            return;
        }
        let subscription_channel = match channel {
            Some(channel) if link.subscriptions.contains_key(&channel) => Some(channel),
            Some(_) => None,
            None if self.protocol.unnamed_error_is_for_oldest_subscribe(code) => {
                link.awaiting_answer.front().cloned()
            }
            None => None,
        };
        match subscription_channel {
            Some(channel) => self.fail(&channel, SubscriptionError::Rejected { code, message }),
            None => self.events.push_back(Event::ServerError { code, message }),
        }
    }

    /// An application event reaches the app when the app wants its channel (see the module
    /// docs for why this rule and not "once confirmed").
    fn deliver(&mut self, event: String, channel: Option<String>, data: Value) {
        let reason = match &channel {
            None => Some("names no channel"),
            Some(name) if !self.wanted.contains(name) => Some("channel is not wanted"),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            self.events.push_back(Event::Ignored { event, channel, reason });
            return;
        }
        let name = short_event_name(&event).to_owned();
        self.events.push_back(Event::Message { channel, name, raw_name: event, data });
    }

    fn open_socket(&mut self, now: Millis) {
        self.close_socket();
        self.timers.stop(Timer::Reconnect);
        let Some(url) = self.protocol.url() else {
            // Nothing to open it with (no token yet): not connected, and not waiting.
            self.set_state(ConnectionState::Disconnected);
            return;
        };
        self.connection_refused = false;
        self.link = Some(Link {
            socket_id: None,
            activity_timeout: self.config.activity_timeout,
            subscriptions: BTreeMap::new(),
            awaiting_answer: VecDeque::new(),
            settled: false,
            send_once_open: None,
        });
        self.timers.set(Timer::Handshake, now + self.config.connect_timeout);
        self.actions.push_back(Action::Open { url });
        self.set_state(ConnectionState::Connecting);
    }

    /// Forgets the socket and stops its timers; false if there was none.
    fn drop_link(&mut self) -> bool {
        for timer in Timer::SOCKET {
            self.timers.stop(timer);
        }
        self.link.take().is_some()
    }

    fn close_socket(&mut self) {
        if self.drop_link() {
            self.actions.push_back(Action::Close);
        }
    }

    fn react(&mut self, closed: Closed, now: Millis) {
        match closed {
            Closed::Refused { reason, channel } => {
                if let Some((channel, error)) = channel {
                    self.events.push_back(Event::SubscriptionFailed { channel, error });
                }
                self.connection_refused = true;
                self.timers.stop(Timer::Reconnect);
                self.set_state(ConnectionState::Failed { reason });
            }
            Closed::ReconnectNow => self.reconnect_soon(now),
            Closed::ReconnectAfterBackoff => self.schedule_reconnect(now),
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

    /// Waits for the next attempt: the network first (a failure while offline is not the
    /// server's and is not counted), then the backoff.
    fn schedule_reconnect(&mut self, now: Millis) {
        if !self.online {
            self.timers.stop(Timer::Reconnect);
            self.set_state(ConnectionState::Unavailable);
            return;
        }
        self.attempt = self.attempt.saturating_add(1);
        let retry_at = now + self.backoff.delay(self.attempt);
        self.timers.set(Timer::Reconnect, retry_at);
        self.set_state(ConnectionState::Reconnecting { attempt: self.attempt, retry_at });
    }

    /// After a new token: a new socket at once, with no backoff, at the next timeout (the
    /// commands take no time).
    fn reopen_soon(&mut self) {
        self.attempt = 0;
        self.timers.set(Timer::Reconnect, Millis::ZERO);
        self.set_state(ConnectionState::Reconnecting { attempt: 0, retry_at: Millis::ZERO });
    }

    /// A refusal was about the old token or channels; the new ones deserve a try.
    fn forget_refusal(&mut self) {
        if self.connection_refused {
            self.connection_refused = false;
            if self.link.is_none() && matches!(self.state, ConnectionState::Failed { .. }) {
                self.set_state(ConnectionState::Disconnected);
            }
        }
    }

    fn ping(&mut self, now: Millis) {
        let Some(link) = &self.link else { return };
        if link.socket_id.is_some() && self.timers.get(Timer::Pong).is_none() {
            self.timers.stop(Timer::Idle);
            self.timers.set(Timer::Pong, now + self.config.pong_timeout);
            self.actions.push_back(Action::Send(self.protocol.ping()));
        }
    }

    /// Starts subscribing every wanted channel the established socket does not carry yet.
    fn join_wanted(&mut self) {
        let Some(link) = &mut self.link else { return };
        let Some(socket_id) = link.socket_id.clone() else { return };
        let new: Vec<String> = self
            .wanted
            .iter()
            .filter(|channel| !self.refused.contains(*channel) && !link.subscriptions.contains_key(*channel))
            .cloned()
            .collect();
        let (signed, plain): (Vec<String>, Vec<String>) =
            new.into_iter().partition(|channel| self.protocol.needs_authorization(channel));
        for channel in signed {
            link.subscriptions.insert(channel.clone(), Subscription::Authorizing { attempt: 0 });
            self.actions.push_back(Action::Authorize { channel, socket_id: socket_id.clone() });
        }
        if plain.is_empty() {
            return;
        }
        for channel in &plain {
            link.subscriptions.insert(channel.clone(), Subscription::AwaitingAnswer);
            link.awaiting_answer.push_back(channel.clone());
        }
        self.actions.extend(self.protocol.subscribe(&plain).into_iter().map(Action::Send));
    }

    /// Stops carrying `channels`: unsubscribes those the server was asked for, and drops
    /// pending authorizations (their answers are then ignored).
    fn leave(&mut self, channels: &[String]) {
        let Some(link) = &mut self.link else { return };
        let mut asked = Vec::new();
        for channel in channels {
            let Some(subscription) = link.subscriptions.remove(channel) else { continue };
            link.awaiting_answer.retain(|c| c != channel);
            if matches!(subscription, Subscription::AwaitingAnswer | Subscription::Subscribed) {
                asked.push(channel.clone());
            }
        }
        if !asked.is_empty() {
            self.actions.extend(self.protocol.unsubscribe(&asked).into_iter().map(Action::Send));
        }
        self.arm_authorization_timer();
    }

    fn fail(&mut self, channel: &str, error: SubscriptionError) {
        if let Some(link) = &mut self.link {
            link.subscriptions.insert(channel.to_owned(), Subscription::Failed);
            link.awaiting_answer.retain(|c| c != channel);
        }
        self.refused.insert(channel.to_owned());
        self.events.push_back(Event::SubscriptionFailed { channel: channel.to_owned(), error });
        self.check_settled();
        self.arm_authorization_timer();
    }

    /// Asks the authorizer again for every channel whose retry is due.
    fn retry_authorizations(&mut self, now: Millis) {
        let Some(link) = &mut self.link else { return };
        let Some(socket_id) = link.socket_id.clone() else { return };
        for (channel, subscription) in link.subscriptions.iter_mut() {
            if let Subscription::RetryAuthorization { attempt, at } = *subscription
                && at <= now
            {
                *subscription = Subscription::Authorizing { attempt };
                self.actions
                    .push_back(Action::Authorize { channel: channel.clone(), socket_id: socket_id.clone() });
            }
        }
        self.arm_authorization_timer();
    }

    /// Sets the authorization timer to the earliest retry still waiting, if any.
    fn arm_authorization_timer(&mut self) {
        let earliest =
            self.link.iter().flat_map(|link| link.subscriptions.values()).filter_map(|s| match s {
                Subscription::RetryAuthorization { at, .. } => Some(*at),
                _ => None,
            });
        match earliest.min() {
            Some(at) => self.timers.set(Timer::Authorization, at),
            None => self.timers.stop(Timer::Authorization),
        }
    }

    /// Reports `Event::Settled` when every wanted channel has its answer on this socket.
    fn check_settled(&mut self) {
        let (wanted, refused) = (&self.wanted, &self.refused);
        let Some(link) = self.link.as_mut() else { return };
        let settled = !wanted.is_empty()
            && wanted.iter().all(|channel| {
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

    /// Changes the state, saying so, and saying `Interrupted` when a connected socket is
    /// lost: the one place that decides it, for every driver.
    fn set_state(&mut self, state: ConnectionState) {
        if self.state == state {
            return;
        }
        let was_connected = matches!(self.state, ConnectionState::Connected { .. });
        self.state = state.clone();
        let connected = matches!(state, ConnectionState::Connected { .. });
        self.events.push_back(Event::StateChanged(state));
        if was_connected && !connected {
            self.events.push_back(Event::Interrupted);
        }
    }
}
