//! Herald's wire contract (CONTRACT.md) as types, shared by everyone who speaks it: the app,
//! the demo backend, the command-line listener and the tests.
//!
//! [`records`]: the users and tenants the API answers with and events carry. [`payload`]: the
//! other records events carry, and the lenient reading of a payload from someone else's
//! server. [`event`]: the contract's events, their names and their audiences, and
//! [`EventRecord`], an event as catch-up returns it. [`channel`]: the private channels, who
//! may join each, and the kinds of channel. [`config`]: `config.json`. [`signing`] (feature
//! `signing`): Pusher's channel and HTTP API signatures.
//!
//! Invariant: this crate does no I/O, reads no clock and depends on serde alone (and, with
//! `signing`, on the RustCrypto hashes): the app compiles it to wasm.

pub mod channel;
pub mod config;
pub mod event;
pub mod payload;
pub mod records;
#[cfg(feature = "signing")]
pub mod signing;

pub use crate::channel::{Channel, ChannelKind};
pub use crate::config::{ChannelTemplates, Config, PusherConfig, TransportKind};
pub use crate::event::{EventKind, EventRecord, NAMESPACE};
pub use crate::payload::{HotspotUser, Notice, Payment};
pub use crate::records::{Role, Tenant, TenantId, TenantStatus, User, UserId, UserStatus};
