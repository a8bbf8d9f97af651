//! What Herald tells a person about an event, decided on plain types.
//!
//! [`catalogue`] turns a broadcast event (its short name and payload) into a typed
//! [`AppEvent`] and that into a [`Notification`]: severity, title, message and action, as
//! the wire contract's table says. [`history`] keeps a person's notifications: bounded,
//! de-duplicated by id, with unread counts. The app's notification store wraps these in
//! signals; everything that decides lives here and is tested natively.
//!
//! Invariant: this crate never imports web_sys, wasm_bindgen or leptos.

pub mod catalogue;
pub mod history;

pub use crate::catalogue::{AppEvent, Link, Notification, Severity, humanize};
pub use crate::history::History;
