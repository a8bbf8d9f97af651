//! What Herald tells a person about an event, decided on plain types.
//!
//! [`catalogue`] turns a broadcast event (its short name and payload) into a typed
//! [`AppEvent`] and that into a [`Notification`]: severity, title, message and action, as
//! the wire contract's table says. [`history`] keeps a person's notifications: bounded,
//! de-duplicated by id, with unread counts,
//! and its stored form. [`toasts`] decides what is on screen, folding bursts of one kind;
//! [`preferences`] holds what a person muted; [`change`] is a change to either, made in one
//! tab and applied in all; [`filter`] narrows the history by channel
//! and severity; [`roster`] keeps a live page's records (tenants, users) in step with events and
//! with optimistic actions. The app's notification store wraps these in
//! signals; everything that decides lives here, or in the client core (`herald-client`:
//! what to record, toast and catch up when), and is tested natively.
//!
//! The records and event names are the contract's (`herald_contract`); this crate decides what
//! they mean to a person.
//!
//! Invariant: this crate never imports web_sys, wasm_bindgen or leptos.

pub mod catalogue;
pub mod change;
pub mod filter;
pub mod history;
pub mod preferences;
pub mod roster;
pub mod toasts;

pub use crate::catalogue::{AppEvent, Link, Notification, Severity, humanize};
pub use crate::change::{NoteChange, Touched};
pub use crate::filter::Filter;
pub use crate::history::History;
pub use crate::preferences::Preferences;
pub use crate::roster::{Change, Keyed, Roster, Undo, member_change, tenant_change};
pub use crate::toasts::{FoldRule, Toast, Toasts, plural_title};
