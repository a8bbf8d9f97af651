//! Herald's wire contract (CONTRACT.md) as types, shared by everyone who speaks it: the app,
//! the demo backend, the command-line listener and the tests.
//!
//! [`records`]: the users and tenants the API answers with and events carry. [`payload`]: the
//! other records events carry, and the lenient reading of a payload from someone else's
//! server. [`event`]: the contract's events, their names and their audiences, and
//! [`EventRecord`], an event as catch-up returns it. [`channel`]: the private channels, who
//! may join each, and the kinds of channel. [`config`]: `config.json`. [`session`]: the
//! login and refresh answers. [`feed`]: cursor pages, the feed the server keeps (entries with
//! their read and archived marks, the unread count) and the marks sent to a person's devices. [`signing`] (feature
//! `signing`): Pusher's channel and HTTP API signatures.
//!
//! Invariant: this crate does no I/O, reads no clock and depends on serde alone (and, with
//! `signing`, on the RustCrypto hashes): the app compiles it to wasm.

/// `ALL`, `as_str` (the word the wire uses, as serde spells it) and `parse` for an enum whose
/// variants are words of the contract.
macro_rules! wire_words {
    ($name:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: [$name; [$($word),+].len()] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            pub fn parse(name: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|value| value.as_str() == name)
            }
        }
    };
}

/// `from_payload` for a record: each field read from the payload's field of the same name by
/// the reader given for it, so reading never fails.
macro_rules! from_payload {
    ($record:ident { $($field:ident: $read:expr),+ $(,)? }) => {
        impl $record {
            /// The record as an event's payload describes it, never failing: see
            /// [`crate::payload`].
            pub fn from_payload(v: &serde_json::Value) -> $record {
                $record { $($field: $read(&v[stringify!($field)])),+ }
            }
        }
    };
}

pub mod channel;
pub mod config;
pub mod event;
pub mod feed;
pub mod payload;
pub mod records;
pub mod session;
#[cfg(feature = "signing")]
pub mod signing;

pub use crate::channel::{Channel, ChannelKind};
pub use crate::config::{ChannelTemplates, Config, PusherConfig, TransportKind};
pub use crate::event::{EventKind, EventRecord, NAMESPACE};
pub use crate::feed::{
    CursorPage, FeedEntry, FeedMarkKind, MarkedEntries, NotificationsArchived, NotificationsRead, UnreadCount,
};
pub use crate::payload::{HotspotUser, Notice, Payment};
pub use crate::records::{Role, Tenant, TenantId, TenantStatus, User, UserId, UserStatus};
pub use crate::session::{LoginAnswer, RefreshRequest, TokenGrant};
