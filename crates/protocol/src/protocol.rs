//! The seam between the one connection lifecycle ([`crate::Connection`]) and a wire protocol.
//!
//! A protocol knows its frames and its subscription rules: how a socket is opened, what the
//! server's messages mean, how channels are joined and left, and what a close code says.
//! Everything about time — liveness, timeouts, backoff, the network and the page's
//! visibility — is the lifecycle's, written once for every protocol.

use std::collections::BTreeSet;
use std::fmt::Debug;

use serde_json::Value;

use crate::connection::SubscriptionError;
use crate::frame::FrameError;
use crate::time::Millis;

/// What a new token means for the socket that is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenChange {
    /// Nothing: the socket does not carry it, or it is the same.
    Unchanged,
    /// The socket was opened without one, or must go on without one: it is replaced.
    Reopen,
    /// This frame gives the open socket the new token in band (a refresh), so it stays.
    Send(String),
}

/// One wire protocol: Pusher protocol 7 ([`crate::pusher`]) or Django Channels
/// ([`crate::channels`]). `Send`, so that a tokio task can own the connection.
pub(crate) trait Protocol: Debug + Send {
    /// The URL to open a socket to, or `None` while there is nothing to open it with (a
    /// Channels socket carries the token, and there is none).
    fn url(&self) -> Option<String>;

    /// Takes the person's token, and says what it means for a socket that is open.
    fn set_token(&mut self, token: Option<String>) -> TokenChange;

    /// What the socket's opening means: `Some(socket id)` when it establishes the connection
    /// (Channels: the consumer accepted it), `None` when a handshake message will (Pusher).
    fn established_on_open(&self) -> Option<String>;

    /// What one message from the server says. The lifecycle has checked its size already.
    fn decode(&self, text: &str, max_bytes: usize) -> Result<Inbound, FrameError>;

    fn ping(&self) -> String;

    fn pong(&self) -> String;

    /// Whether `channel` needs the backend's signature before it can be subscribed.
    fn needs_authorization(&self, channel: &str) -> bool;

    /// The messages that subscribe `channels`, none of which needs a signature.
    fn subscribe(&self, channels: &[String]) -> Vec<String>;

    /// The message that subscribes `channel` with the authorizer's signature.
    fn subscribe_authorized(&self, channel: &str, auth: &str, channel_data: Option<&str>) -> String;

    /// The messages that leave `channels` on the open socket.
    fn unsubscribe(&self, channels: &[String]) -> Vec<String>;

    /// What a close code (or a code in an error during the handshake) means, with the
    /// channels the app wants for naming a refused one.
    fn closed(&self, code: u16, reason: &str, wanted: &BTreeSet<String>) -> Closed;

    /// Whether an error naming no channel belongs to the oldest subscribe still waiting for
    /// its answer (Sockudo's 4009 for a bad signature names none).
    fn unnamed_error_is_for_oldest_subscribe(&self, code: Option<u16>) -> bool;
}

/// What a message from the server says, in the lifecycle's words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Inbound {
    /// The handshake is done. `activity_timeout` is the server's, when it says one.
    Established { socket_id: String, activity_timeout: Option<Millis> },
    /// The server checks the client is alive.
    Ping,
    /// The answer to the client's ping.
    Pong,
    /// The server confirms subscribes; `event` is the message's name, for the debug log.
    Confirmed { event: &'static str, channels: Vec<String> },
    /// An error, perhaps about one channel.
    Error { code: Option<u16>, message: String, channel: Option<String> },
    /// An application event.
    Message { event: String, channel: Option<String>, data: Value },
    /// A well-formed message this client has no use for.
    Ignored { event: String, channel: Option<String>, reason: &'static str },
}

/// What a close says the client should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Closed {
    /// Try again at once (once; a second failure backs off).
    ReconnectNow,
    /// Try again after the backoff.
    ReconnectAfterBackoff,
    /// The server refused, in a way the same attempt cannot fix: the connection fails with
    /// `reason`, and `channel` (if any) is reported as a failed subscription.
    Refused { reason: String, channel: Option<(String, SubscriptionError)> },
}
