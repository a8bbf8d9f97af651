//! Herald's client core: what the app does with each realtime event and each change of the
//! session, decided on plain types with no browser APIs and tested natively.
//!
//! The browser app (and the parts of `herald-listen` that do the same job) is the shell: it
//! hands [`Client`] what the realtime service delivers ([`Incoming`]) and the session's
//! changes ([`Session`]), and carries out the [`Command`]s it gets back (record, toast,
//! announce, end the session, update the profile, follow channels, catch up, resync pages,
//! save). Each event is decoded once, here.
//!
//! Codemap:
//! - [`client`]: [`Client`], the dispatcher; [`Incoming`], [`Session`], [`Command`],
//!   [`LiveEvent`] (what the pages on screen get).
//! - [`cursor`]: [`Cursor`], where catch-up resumes: held, advanced, released.
//! - [`catch_up`]: [`Paging`], catch-up page by page, and what a page can be or fail with.
//! - [`channels`]: [`channels_for`], the channels a person listens to, named by
//!   `config.json`'s templates (`herald_contract::ChannelTemplates`).
//! - [`refresh`]: [`Refresher`], when the session's tokens are refreshed and what a failed
//!   refresh means; [`Lifetimes`], tokens' lives measured from the answer, not the clock.
//! - [`tabs`]: [`Tabs`], how the tabs of one browser share one connection (who leads, what
//!   is relayed, when a tab takes the lead, who raises desktop notifications), and
//!   [`SessionNews`], how they share one session.
//! - [`toast_clock`]: [`toast_duration`] and [`ToastClock`], a toast's time that pauses.
//!
//! Invariant: this crate never imports web_sys, wasm_bindgen, leptos, gloo or tokio; it reads
//! no clock (time comes in as [`herald_protocol::Millis`]) and does no I/O.

pub mod catch_up;
pub mod channels;
pub mod client;
pub mod cursor;
pub mod refresh;
pub mod tabs;
pub mod toast_clock;

pub use crate::catch_up::{MAX_PAGES, PAGE_SIZE, Page, PageError, Paging};
pub use crate::channels::{Person, channels_for};
pub use crate::client::{Client, ClientConfig, Command, Incoming, LiveEvent, LogLevel, Session};
pub use crate::cursor::Cursor;
pub use crate::refresh::{
    GrantTimes, HeldTokens, Lifetimes, RefreshCommand, RefreshConfig, RefreshOutcome, Refresher, SavedTokens,
};
pub use crate::tabs::{
    Link, Role, SessionNews, SessionStep, SharedNotes, TabCommand, TabId, TabMessage, Tabs, TabsConfig,
};
pub use crate::toast_clock::{ToastClock, toast_duration};
