//! A person's notification history: newest first, bounded, de-duplicated by id.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::catalogue::Notification;

/// How many notifications a history keeps unless told otherwise: enough to hold what a
/// person missed over a long outage, small enough to keep and store cheaply.
pub const DEFAULT_CAPACITY: usize = 500;

/// The title of the one toast that announces what catch-up brought back.
pub fn away_title(count: usize) -> String {
    match count {
        1 => "1 notification while you were away".to_owned(),
        n => format!("{n} notifications while you were away"),
    }
}

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub notification: Notification,
    pub read: bool,
}

/// The last `capacity` notifications, newest first.
#[derive(Debug, Clone)]
pub struct History {
    capacity: usize,
    entries: VecDeque<Entry>,
    /// Ids of every entry held, so a duplicate (the same event from two channels, or again
    /// after catch-up) is recognised in constant time.
    ids: HashSet<String>,
}

impl Default for History {
    fn default() -> Self {
        History::with_capacity(DEFAULT_CAPACITY)
    }
}

impl History {
    pub fn with_capacity(capacity: usize) -> History {
        History { capacity: capacity.max(1), entries: VecDeque::new(), ids: HashSet::new() }
    }

    /// Adds a notification as unread. Returns false, changing nothing, if one with the same id
    /// is already held.
    pub fn push(&mut self, notification: Notification) -> bool {
        if self.ids.contains(&notification.id) {
            return false;
        }
        self.ids.insert(notification.id.clone());
        self.entries.push_front(Entry { notification, read: false });
        while self.entries.len() > self.capacity {
            if let Some(oldest) = self.entries.pop_back() {
                self.ids.remove(&oldest.notification.id);
            }
        }
        true
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn unread(&self) -> usize {
        self.entries.iter().filter(|e| !e.read).count()
    }

    pub fn mark_read(&mut self, id: &str) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.notification.id == id) {
            entry.read = true;
        }
    }

    pub fn mark_all_read(&mut self) {
        self.entries.iter_mut().for_each(|e| e.read = true);
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.ids.clear();
    }

    /// The history as stored (in the browser's localStorage, under a key per person).
    pub fn to_json(&self) -> String {
        let stored =
            StoredHistory { version: STORED_VERSION, entries: self.entries.iter().cloned().collect() };
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// A history read back from [`History::to_json`]'s text, keeping at most `capacity`
    /// entries. Text that is not a stored history (corrupt, or from another version) gives an
    /// empty history: losing old notifications is better than not starting.
    pub fn from_json(json: &str, capacity: usize) -> History {
        let mut history = History::with_capacity(capacity);
        let Ok(stored) = serde_json::from_str::<StoredHistory>(json) else {
            return history;
        };
        if stored.version != STORED_VERSION {
            return history;
        }
        // Stored newest first; pushed oldest first so the newest end up in front.
        for entry in stored.entries.into_iter().take(history.capacity).rev() {
            let read = entry.read;
            let id = entry.notification.id.clone();
            if history.push(entry.notification) && read {
                history.mark_read(&id);
            }
        }
        history
    }
}

/// The version of the stored format; a stored history of any other version is dropped.
const STORED_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct StoredHistory {
    version: u32,
    /// Newest first.
    entries: Vec<Entry>,
}

#[cfg(test)]
mod away_tests {
    use crate::history::away_title;

    #[test]
    fn the_summary_counts_in_words() {
        assert_eq!(away_title(1), "1 notification while you were away");
        assert_eq!(away_title(5), "5 notifications while you were away");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notification(id: usize) -> Notification {
        Notification::from_event("UserCreated", None, &json!({"id": id.to_string()}), String::new)
    }

    /// A history of notifications 1 to 4, none read.
    fn four_unread() -> History {
        let mut history = History::default();
        for id in 1..=4 {
            history.push(notification(id));
        }
        history
    }

    #[test]
    fn keeps_the_newest_up_to_capacity() {
        let mut history = History::with_capacity(3);
        for id in 1..=5 {
            assert!(history.push(notification(id)));
        }
        let ids: Vec<_> = history.entries().map(|e| e.notification.id.as_str()).collect();
        assert_eq!(ids, ["5", "4", "3"]);
        // An id that fell out may come back (it is no longer held).
        assert!(history.push(notification(1)));
    }

    #[test]
    fn duplicates_are_dropped() {
        let mut history = History::default();
        assert!(history.push(notification(1)));
        assert!(!history.push(notification(1)));
        assert_eq!(history.len(), 1);
    }

    #[test]
    fn unread_counts_follow_marks() {
        let mut history = four_unread();
        assert_eq!(history.unread(), 4);
        history.mark_read("2");
        history.mark_read("missing");
        assert_eq!(history.unread(), 3);
        history.mark_all_read();
        assert_eq!(history.unread(), 0);
        history.push(notification(9));
        assert_eq!(history.unread(), 1);
    }

    #[test]
    fn the_stored_form_round_trips() {
        let mut history = four_unread();
        history.mark_read("2");
        let json = history.to_json();
        let restored = History::from_json(&json, DEFAULT_CAPACITY);
        assert_eq!(restored.entries().collect::<Vec<_>>(), history.entries().collect::<Vec<_>>());
        assert_eq!(restored.unread(), 3);
        // Still de-duplicates after a reload.
        let mut restored = restored;
        assert!(!restored.push(notification(3)));
        // A smaller capacity keeps the newest.
        let small = History::from_json(&json, 2);
        let ids: Vec<_> = small.entries().map(|e| e.notification.id.as_str()).collect();
        assert_eq!(ids, ["4", "3"]);
    }

    #[test]
    fn bad_stored_text_gives_an_empty_history() {
        for json in [
            "",
            "null",
            "[]",
            "{",
            "{\"version\": 1}",
            "{\"version\": 99, \"entries\": []}",
            "{\"version\": 1, \"entries\": [{\"read\": true}]}",
        ] {
            assert!(History::from_json(json, DEFAULT_CAPACITY).is_empty(), "{json}");
        }
    }
}
