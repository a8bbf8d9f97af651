//! Herald's native Pusher listener: `herald_protocol::Connection` driven by tokio.
//!
//! The browser app drives the protocol state machine from WebSocket callbacks; this crate
//! drives the same state machine from a tokio task, so the protocol can be exercised against
//! a real Sockudo and a real backend from the command line and from native tests. Like the
//! browser driver, it makes no protocol decision of its own: it opens and closes sockets,
//! sends frames, asks the backend for channel signatures, sleeps until the state machine's
//! next deadline, and reports what the state machine says.
//!
//! ```no_run
//! # async fn demo() -> Result<(), herald_listen::SignInError> {
//! use herald_listen::{ChannelAuthorizer, ChannelTemplates, Client, ClientConfig, ClientEvent};
//!
//! let api = "http://127.0.0.1:8000";
//! let (token, user) = herald_listen::sign_in(api, "owner@acme.test", "password").await?;
//! let mut config = ClientConfig::new(herald_listen::socket_url("ws://127.0.0.1:6001", "herald-key"));
//! config.channels = herald_listen::channels_for(&ChannelTemplates::default(), &user);
//! config.authorizer = Some(ChannelAuthorizer::new(api, token));
//! let (client, mut events) = Client::start(config);
//! while let Some(event) = events.recv().await {
//!     if let ClientEvent::Protocol(herald_protocol::Event::Message { name, data, .. }) = event {
//!         println!("{name} {data}");
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
//! - [`backend`]: sign-in ([`sign_in`]) and the channel authorizer ([`ChannelAuthorizer`]),
//!   the only HTTP in the crate. [`Token`] never shows its value in `Debug`.
//! - Which channels a person gets is the client core's [`channels_for`], the rule the
//!   browser app follows, over `config.json`'s [`ChannelTemplates`].
//! - [`cli`]: the `herald-listen` binary's options and output lines, as pure functions.
//!
//! Invariant: only `socket` touches a WebSocket, and only `backend` does HTTP.
//! Invariant: no input from the network is unwrapped; every socket failure reaches the state
//! machine as `handle_close` (a connect that fails is a close with code 1006).
//! Invariant: the bearer token is never printed: [`Token`]'s `Debug` hides it, and the
//! binary prints only the user it belongs to.

pub mod backend;
pub mod cli;
pub mod client;
mod socket;

pub use crate::backend::{ChannelAuthorizer, SignInError, Token, sign_in};
pub use crate::client::{Client, ClientConfig, ClientEvent, Direction, Events, Status};
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
