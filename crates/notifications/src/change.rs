//! A change a person makes to their notifications (a read mark, a mute, the desktop opt-in),
//! as a value: the tab where it was made applies it and tells the browser's other tabs, which
//! apply the same value, so every tab holds the same history and preferences.
//!
//! Each change sets a state rather than toggling one, so applying it twice, or in a tab that
//! already had it, changes nothing more.

use serde::{Deserialize, Serialize};

use crate::history::History;
use crate::preferences::Preferences;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum NoteChange {
    /// The notification with this id was read.
    Read { id: String },
    /// Every notification in the history was read.
    AllRead,
    /// Events of `kind` toast again (`false`) or no longer (`true`).
    Muted { kind: String, muted: bool },
    /// Desktop notifications were turned on or off.
    Desktop { on: bool },
}

/// What a change touched, so the store saves only that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touched {
    History,
    Preferences,
}

impl NoteChange {
    /// Applies the change; says which of the two it changed.
    pub fn apply(&self, history: &mut History, preferences: &mut Preferences) -> Touched {
        match self {
            NoteChange::Read { id } => {
                history.mark_read(id);
                Touched::History
            }
            NoteChange::AllRead => {
                history.mark_all_read();
                Touched::History
            }
            NoteChange::Muted { kind, muted } => {
                preferences.set_muted(kind, *muted);
                Touched::Preferences
            }
            NoteChange::Desktop { on } => {
                preferences.desktop = *on;
                Touched::Preferences
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Notification, Severity};

    fn notification(id: &str) -> Notification {
        Notification {
            id: id.into(),
            kind: "UserCreated".into(),
            severity: Severity::Info,
            sticky: false,
            title: "User created".into(),
            message: String::new(),
            occurred_at: None,
            channel: None,
            action: None,
        }
    }

    fn tab_with(ids: &[&str]) -> (History, Preferences) {
        let mut history = History::with_capacity(10);
        for id in ids {
            history.push(notification(id));
        }
        (history, Preferences::default())
    }

    #[test]
    fn two_tabs_applying_the_same_changes_hold_the_same_state() {
        let changes = [
            NoteChange::Read { id: "b".into() },
            NoteChange::Muted { kind: "UserCreated".into(), muted: true },
            NoteChange::Desktop { on: true },
        ];
        let (mut history_a, mut preferences_a) = tab_with(&["a", "b", "c"]);
        let (mut history_b, mut preferences_b) = tab_with(&["a", "b", "c"]);
        for change in &changes {
            change.apply(&mut history_a, &mut preferences_a);
        }
        // The second tab gets them twice (a change is idempotent, not a toggle).
        for change in changes.iter().chain(&changes) {
            change.apply(&mut history_b, &mut preferences_b);
        }
        assert_eq!(history_a.to_json(), history_b.to_json());
        assert_eq!(preferences_a, preferences_b);
        assert_eq!(history_a.unread(), 2);
        assert!(preferences_b.is_muted("UserCreated") && preferences_b.desktop);
    }

    #[test]
    fn all_read_reads_everything_and_says_it_touched_the_history() {
        let (mut history, mut preferences) = tab_with(&["a", "b"]);
        assert_eq!(NoteChange::AllRead.apply(&mut history, &mut preferences), Touched::History);
        assert_eq!(history.unread(), 0);
        let unmute = NoteChange::Muted { kind: "UserCreated".into(), muted: false };
        assert_eq!(unmute.apply(&mut history, &mut preferences), Touched::Preferences);
    }

    #[test]
    fn a_change_crosses_tabs_as_json_and_back() {
        for change in [
            NoteChange::Read { id: "event-9".into() },
            NoteChange::AllRead,
            NoteChange::Muted { kind: "PaymentFailed".into(), muted: true },
            NoteChange::Desktop { on: false },
        ] {
            let text = serde_json::to_string(&change).unwrap();
            assert_eq!(serde_json::from_str::<NoteChange>(&text).unwrap(), change);
        }
    }
}
