//! Herald's realtime client as a pure state machine: one connection lifecycle
//! ([`Connection`]) over either wire protocol, Pusher protocol 7 or Django Channels.
//!
//! This crate contains no networking code and reads no clock: the driver (the browser's
//! WebSocket wrapper in the app, or the tokio listener) feeds it inputs through `handle_*`
//! calls, each with the current time, and carries out what it asks through `poll_action`.
//! What it has to say to the app comes out of `poll_event`, and `poll_timeout` says when it
//! next wants `handle_timeout`. Because time and randomness come from outside, every
//! behaviour — backoff, ping on silence, pong timeouts, resubscription — is tested natively
//! with a virtual clock and no sleeps.
//!
//! Codemap: `connection` is the lifecycle (network, visibility, liveness, backoff, the timer
//! table in `timers`, channels reconciled onto the socket) and the types it speaks in;
//! `protocol` is the trait a wire protocol implements; `pusher` (with `frame` and `close`)
//! and `channels` are the two protocols, frames and subscription rules only.
//!
//! Invariant: this crate never imports web_sys, wasm_bindgen, gloo or tokio.

pub mod backoff;
mod channels;
pub mod close;
mod connection;
pub mod event_name;
pub mod frame;
mod protocol;
mod pusher;
mod time;
mod timers;

pub use crate::backoff::{Backoff, BackoffConfig};
pub use crate::channels::{ChannelsClose, channels_close};
pub use crate::close::{CloseAction, close_action};
pub use crate::connection::{
    Action, AuthResult, Connection, ConnectionConfig, ConnectionState, Event, Output, SubscriptionError,
};
pub use crate::event_name::short_event_name;
pub use crate::frame::{Frame, FrameError};
pub use crate::pusher::socket_url;
pub use crate::time::Millis;
