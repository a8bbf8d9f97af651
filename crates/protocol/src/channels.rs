//! The Django Channels protocol: its messages and subscription rules, for the lifecycle in
//! [`crate::connection`], for a backend that is not a Pusher server.
//!
//! Such a backend (Daphne serving a Channels consumer) authenticates the WebSocket by the
//! JWT in its query string — the only place a browser WebSocket can carry it — so a new token
//! means a new socket, and nothing is opened without one. It speaks JSON messages with a
//! `type`:
//!
//! | direction | message | meaning |
//! | --- | --- | --- |
//! | client → server | `{"type":"subscribe","channels":[…]}` | join these groups (the contract's channel names), all or none |
//! | server → client | `{"type":"subscribed","channels":[…]}` | joined |
//! | client → server | `{"type":"unsubscribe","channels":[…]}` | leave them; answered `unsubscribed` |
//! | client → server | `{"type":"ping"}` | after silence; the server answers `{"type":"pong"}` |
//! | server → client | `{"type":"<EventName>","channel":"<channel>","data":{…}}` | an event, as a Pusher frame carries it |
//! | server → client | `{"type":"error","message":"…"}` | a client message the server could not use |
//!
//! Close codes, as such backends send them ([`channels_close`]): 4001 authentication failed
//! (the session is over: reported as `SubscriptionError::Unauthorized`, so the app signs
//! out); 4003 permission denied and 4004 not found (reported once as a rejection, not tried
//! again until the app asks for other channels or another person); 4000 server error and
//! every abnormal close reconnect with backoff.

use std::collections::BTreeSet;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use crate::connection::SubscriptionError;
use crate::frame::{FrameError, decode_data, parse_object};
use crate::protocol::{Closed, Inbound, Protocol, TokenChange};

/// What a close code means for this protocol.
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

#[derive(Debug)]
pub(crate) struct Channels {
    /// The WebSocket URL without the token, such as `ws://127.0.0.1:8001/ws/notifications/`.
    url: String,
    token: Option<String>,
}

impl Channels {
    pub(crate) fn new(url: String) -> Channels {
        Channels { url, token: None }
    }
}

impl Protocol for Channels {
    /// The URL with the token added as `?token=` (or `&token=`).
    fn url(&self) -> Option<String> {
        let token = self.token.as_deref()?;
        let separator = if self.url.contains('?') { '&' } else { '?' };
        Some(format!("{}{separator}token={}", self.url, encode_query_value(token)))
    }

    /// A refreshed token reaches the open socket as `{"type":"authenticate","token":…}`,
    /// which moves the server's 4001 to the new token's expiry; the next socket opens with
    /// it. Gaining or losing the token replaces the socket.
    fn set_token(&mut self, token: Option<String>) -> TokenChange {
        if self.token == token {
            return TokenChange::Unchanged;
        }
        let had_one = self.token.is_some();
        self.token = token;
        match &self.token {
            Some(token) if had_one => {
                TokenChange::Send(json!({ "type": "authenticate", "token": token }).to_string())
            }
            _ => TokenChange::Reopen,
        }
    }

    /// The consumer accepts the socket only once the token is read; it has no socket id to
    /// give. It may still close with 4001 at once.
    fn established_on_open(&self) -> Option<String> {
        Some(String::new())
    }

    fn decode(&self, text: &str, max_bytes: usize) -> Result<Inbound, FrameError> {
        let mut message = parse_object(text, max_bytes)?;
        let Some(Value::String(kind)) = message.remove("type") else {
            return Err(FrameError::MissingEvent);
        };
        let channel = message.get("channel").and_then(Value::as_str).map(str::to_owned);
        Ok(match kind.as_str() {
            "pong" => Inbound::Pong,
            "ping" => Inbound::Ping,
            "subscribed" => Inbound::Confirmed {
                event: "subscribed",
                channels: message
                    .get("channels")
                    .and_then(Value::as_array)
                    .map(|channels| channels.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default(),
            },
            "unsubscribed" => {
                Inbound::Ignored { event: kind, channel, reason: "leaving needs no confirmation" }
            }
            "authenticated" => {
                Inbound::Ignored { event: kind, channel, reason: "a new token needs no confirmation" }
            }
            "error" => Inbound::Error {
                code: None,
                message: message.get("message").and_then(Value::as_str).unwrap_or("").to_owned(),
                channel: None,
            },
            // Like Pusher's, data may arrive as a JSON string.
            _ => Inbound::Message {
                event: kind,
                channel,
                data: decode_data(message.remove("data").unwrap_or(Value::Null)),
            },
        })
    }

    fn ping(&self) -> String {
        json!({ "type": "ping" }).to_string()
    }

    fn pong(&self) -> String {
        json!({ "type": "pong" }).to_string()
    }

    /// The token in the URL authorizes every channel.
    fn needs_authorization(&self, _channel: &str) -> bool {
        false
    }

    fn subscribe(&self, channels: &[String]) -> Vec<String> {
        vec![json!({ "type": "subscribe", "channels": channels }).to_string()]
    }

    /// Not asked while no channel needs a signature; were one given, the token in the URL
    /// already authorizes the channel, so it is subscribed as any other.
    fn subscribe_authorized(&self, channel: &str, _auth: &str, _channel_data: Option<&str>) -> String {
        json!({ "type": "subscribe", "channels": [channel] }).to_string()
    }

    fn unsubscribe(&self, channels: &[String]) -> Vec<String> {
        vec![json!({ "type": "unsubscribe", "channels": channels }).to_string()]
    }

    /// `reason` may name the refused channel; without it, every wanted channel is named.
    fn closed(&self, code: u16, reason: &str, wanted: &BTreeSet<String>) -> Closed {
        match channels_close(code) {
            ChannelsClose::AuthenticationFailed => Closed::Refused {
                reason: "authentication failed (4001)".into(),
                channel: Some((
                    wanted.iter().next().cloned().unwrap_or_default(),
                    SubscriptionError::Unauthorized,
                )),
            },
            ChannelsClose::Refused => {
                let what = if code == 4003 { "permission denied" } else { "not found" };
                let channel = if wanted.contains(reason) {
                    reason.to_owned()
                } else {
                    wanted.iter().cloned().collect::<Vec<_>>().join(", ")
                };
                let message = format!("{what} ({code})");
                let error = SubscriptionError::Rejected { code: Some(code), message: message.clone() };
                Closed::Refused { reason: message, channel: Some((channel, error)) }
            }
            ChannelsClose::Reconnect => Closed::ReconnectAfterBackoff,
        }
    }

    fn unnamed_error_is_for_oldest_subscribe(&self, _code: Option<u16>) -> bool {
        false
    }
}

/// `value` percent-encoded for a query string. A JWT needs none of it, but a token of another
/// shape must not break the URL.
fn encode_query_value(value: &str) -> String {
    const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}
