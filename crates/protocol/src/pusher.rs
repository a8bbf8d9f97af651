//! Pusher protocol 7 (Sockudo, Soketi, Reverb, Pusher Channels): its frames and subscription
//! rules, for the lifecycle in [`crate::connection`].
//!
//! The socket's URL names the app key; the server's `pusher:connection_established` ends the
//! handshake with a socket id. Each channel is subscribed on its own, private and presence
//! channels with the backend's signature for that socket id, and left with
//! `pusher:unsubscribe`. Close codes follow [`close_action`].

use std::collections::BTreeSet;

use crate::close::{CloseAction, close_action};
use crate::frame::{self, Frame, FrameError};
use crate::protocol::{Closed, Inbound, Protocol, TokenChange};
use crate::time::Millis;

/// The URL of a Pusher server's WebSocket endpoint for an app key.
pub fn socket_url(host: &str, port: u16, tls: bool, key: &str, client_version: &str) -> String {
    let scheme = if tls { "wss" } else { "ws" };
    format!("{scheme}://{host}:{port}/app/{key}?protocol=7&client=herald&version={client_version}")
}

#[derive(Debug)]
pub(crate) struct Pusher {
    url: String,
}

impl Pusher {
    pub(crate) fn new(url: String) -> Pusher {
        Pusher { url }
    }
}

impl Protocol for Pusher {
    fn url(&self) -> Option<String> {
        Some(self.url.clone())
    }

    /// The token goes to the channel authorizer, never over the socket.
    fn set_token(&mut self, _token: Option<String>) -> TokenChange {
        TokenChange::Unchanged
    }

    fn established_on_open(&self) -> Option<String> {
        None
    }

    fn decode(&self, text: &str, max_bytes: usize) -> Result<Inbound, FrameError> {
        Ok(match frame::decode(text, max_bytes)? {
            Frame::ConnectionEstablished { socket_id, activity_timeout_s } => Inbound::Established {
                socket_id,
                // A server asking for less than a second means one.
                activity_timeout: activity_timeout_s.map(|s| Millis::from_secs(s.max(1))),
            },
            Frame::Error { code, message, channel } => Inbound::Error { code, message, channel },
            Frame::Ping => Inbound::Ping,
            Frame::Pong => Inbound::Pong,
            Frame::SubscriptionSucceeded { channel } => Inbound::Confirmed {
                event: "pusher_internal:subscription_succeeded",
                channels: vec![channel],
            },
            Frame::Message { event, channel, .. }
                if event.starts_with("pusher:") || event.starts_with("pusher_internal:") =>
            {
                Inbound::Ignored { event, channel, reason: "protocol event this client does not use" }
            }
            Frame::Message { event, channel, data } => Inbound::Message { event, channel, data },
        })
    }

    fn ping(&self) -> String {
        frame::encode_ping()
    }

    fn pong(&self) -> String {
        frame::encode_pong()
    }

    fn needs_authorization(&self, channel: &str) -> bool {
        channel.starts_with("private-") || channel.starts_with("presence-")
    }

    fn subscribe(&self, channels: &[String]) -> Vec<String> {
        channels.iter().map(|channel| frame::encode_subscribe(channel, None, None)).collect()
    }

    fn subscribe_authorized(&self, channel: &str, auth: &str, channel_data: Option<&str>) -> String {
        frame::encode_subscribe(channel, Some(auth), channel_data)
    }

    fn unsubscribe(&self, channels: &[String]) -> Vec<String> {
        channels.iter().map(|channel| frame::encode_unsubscribe(channel)).collect()
    }

    fn closed(&self, code: u16, reason: &str, _wanted: &BTreeSet<String>) -> Closed {
        match close_action(code) {
            CloseAction::DoNotReconnect => {
                let reason = if reason.is_empty() {
                    format!("the server refused the connection (code {code})")
                } else {
                    format!("{reason} (code {code})")
                };
                Closed::Refused { reason, channel: None }
            }
            CloseAction::ReconnectNow => Closed::ReconnectNow,
            CloseAction::ReconnectAfterBackoff => Closed::ReconnectAfterBackoff,
        }
    }

    fn unnamed_error_is_for_oldest_subscribe(&self, code: Option<u16>) -> bool {
        code == Some(4009)
    }
}
