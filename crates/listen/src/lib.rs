//! Herald's native Pusher listener: `herald_protocol::Connection` driven by tokio.
//!
//! The browser app drives the protocol state machine from WebSocket callbacks; this crate
//! drives the same state machine from a tokio task, so the protocol can be exercised against
//! a real Sockudo and a real backend from the command line and from native tests. Like the
//! browser driver, it makes no protocol decision of its own: it opens and closes sockets,
//! sends frames, asks the backend for channel signatures, sleeps until the state machine's
//! next deadline, and reports what the state machine says. A [`Session`] keeps the sign-in's
//! tokens fresh beside it, on the browser app's refresh policy, without touching the socket.
//!
//! ```no_run
//! # async fn demo() -> Result<(), herald_listen::SignInError> {
//! use herald_listen::{
//!     ChannelAuthorizer, ChannelTemplates, Client, ClientConfig, ClientEvent, Session, SessionEvent,
//! };
//!
//! let api = "http://127.0.0.1:8000";
//! let (grant, user) = herald_listen::sign_in(api, "owner@acme.test", "password").await?;
//! let (session, mut session_events) = Session::start(api, grant);
//! let mut config = ClientConfig::new(herald_listen::socket_url("ws://127.0.0.1:6001", "herald-key"));
//! config.channels = herald_listen::channels_for(&ChannelTemplates::default(), &user);
//! config.authorizer = Some(ChannelAuthorizer::new(api, session.token()));
//! let (client, mut events) = Client::start(config);
//! loop {
//!     tokio::select! {
//!         Some(event) = events.recv() => {
//!             if let ClientEvent::Protocol(herald_protocol::Event::Message { name, data, .. }) = event {
//!                 println!("{name} {data}");
//!             }
//!         }
//!         Some(SessionEvent::Ended { notice }) = session_events.recv() => {
//!             eprintln!("{notice}");
//!             break;
//!         }
//!         else => break,
//!     }
//! }
//! client.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Codemap:
//! - [`client`]: [`Client`] (the handle), [`ClientConfig`], [`ClientEvent`], [`Status`], and
//!   the private driver task that owns the state machine.
//! - `socket`: one WebSocket per task; frames and the close come back as inputs.
//! - [`backend`]: sign-in ([`sign_in`], which answers a [`Grant`]), [`refresh`], and the
//!   channel authorizer ([`ChannelAuthorizer`], reading a [`CurrentToken`] at each request),
//!   the only HTTP in the crate. [`Token`] and [`RefreshToken`] never show their value in
//!   `Debug`.
//! - [`session`]: [`Session`], the task that refreshes a sign-in's tokens when
//!   `herald_client::Refresher` says, puts each new access token into its [`CurrentToken`],
//!   and reports [`SessionEvent`]s (`Ended` when the backend refuses a refresh).
//! - Which channels a person gets is the client core's [`channels_for`], the rule the
//!   browser app follows, over `config.json`'s [`ChannelTemplates`].
//! - [`cli`]: the `herald-listen` binary's options and output lines, as pure functions.
//!
//! Invariant: only `socket` touches a WebSocket, and only `backend` does HTTP.
//! Invariant: no input from the network is unwrapped; every socket failure reaches the state
//! machine as `handle_close` (a connect that fails is a close with code 1006).
//! Invariant: the bearer and refresh tokens are never printed: [`Token`]'s, [`RefreshToken`]'s
//! and [`Grant`]'s `Debug` hide them, and the binary prints only the user they belong to.
//! Invariant: refreshing never touches the socket: [`Session`] has no handle on a [`Client`];
//! the new access token reaches only the authorizers, through [`CurrentToken`].

pub mod backend;
pub mod cli;
pub mod client;
pub mod session;
mod socket;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

pub use crate::backend::{
    ChannelAuthorizer, CurrentToken, Grant, RefreshError, RefreshToken, SignInError, Token, refresh, sign_in,
};
pub use crate::client::{Client, ClientConfig, ClientEvent, Direction, Events, Status};
pub use crate::session::{Session, SessionEvent, SessionEvents};
pub use herald_client::channels_for;
pub use herald_contract::ChannelTemplates;
/// The signed-in person, as the contract describes them: what [`sign_in`] answers with.
pub use herald_contract::{Role, User};

/// The WebSocket URL of app `key` on the Pusher server at `ws_base` (`ws://host:port`, with
/// or without a trailing slash), as pusher-js builds it for protocol 7.
pub fn socket_url(ws_base: &str, key: &str) -> String {
    let base = ws_base.trim_end_matches('/');
    let version = env!("CARGO_PKG_VERSION");
    format!("{base}/app/{key}?protocol=7&client=herald-listen&version={version}")
}

/// 64 random bits that differ between calls, clients and runs, without a random-number
/// crate: the standard library keys each `RandomState` anew, and SipHash mixes the key into
/// every bit. For jitter, not for anything secret.
pub(crate) fn random_bits() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(u64::from(std::process::id()));
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use crate::socket_url;

    #[test]
    fn socket_urls_follow_the_pusher_path() {
        let version = env!("CARGO_PKG_VERSION");
        let expected =
            format!("ws://127.0.0.1:6001/app/herald-key?protocol=7&client=herald-listen&version={version}");
        assert_eq!(socket_url("ws://127.0.0.1:6001", "herald-key"), expected);
        assert_eq!(socket_url("ws://127.0.0.1:6001/", "herald-key"), expected);
    }
}
