//! Paging, and the feed the server keeps (CONTRACT.md, "Paging, and the feed the server
//! keeps"): a page as Laravel's `cursorPaginate` answers it, an entry of a person's feed, the
//! unread count, and the two messages that carry a person's marks to their other devices.

use serde::{Deserialize, Serialize};

use crate::event::{EventRecord, NAMESPACE, short_name};

/// The most a list answers per page; `per_page` above it is refused (422).
pub const MAX_PER_PAGE: u32 = 100;

/// `per_page` when the request does not say.
pub const DEFAULT_PER_PAGE: u32 = 50;

/// One page of a list, as Laravel's `cursorPaginate` answers: `{"data": [...], "next_cursor",
/// "prev_cursor", "per_page"}`. The cursors are opaque: a client sends one back as `cursor=`
/// and never reads it. `next_cursor` is `null` on the last page, `prev_cursor` on the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CursorPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub prev_cursor: Option<String>,
    pub per_page: u32,
}

/// An entry of a person's feed (`GET /api/notifications?cursor=…`): the event as catch-up
/// returns it, plus when this person read and archived it (RFC 3339, `null` when not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedEntry {
    #[serde(flatten)]
    pub event: EventRecord,
    #[serde(default)]
    pub read_at: Option<String>,
    #[serde(default)]
    pub archived_at: Option<String>,
}

/// `GET /api/notifications/unread-count`: `{"unread": n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadCount {
    pub unread: u64,
}

/// Which entries a mark is about: some, by event id, or every entry the person has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MarkedEntries {
    /// `{"all": true}`: "mark all as read". `all` is always `true` on the wire.
    All { all: bool },
    /// `{"ids": ["evt_…", …]}`.
    Ids { ids: Vec<String> },
}

/// `NotificationsRead`, on the person's user channel: entries were marked read (`read_at` is
/// when) or unread (`read_at` is `null`) on one of their devices. Not a notification itself:
/// it is not kept in the feed and not toasted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsRead {
    #[serde(flatten)]
    pub entries: MarkedEntries,
    pub read_at: Option<String>,
}

/// `NotificationsArchived`, on the person's user channel: entries were archived, or taken out
/// of the archive (`archived: false`), on one of their devices. Like [`NotificationsRead`], not
/// a notification itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsArchived {
    pub ids: Vec<String>,
    pub archived: bool,
}

/// The messages that keep a person's devices in step with their feed's marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FeedMarkKind {
    NotificationsRead,
    NotificationsArchived,
}

impl FeedMarkKind {
    pub const ALL: [FeedMarkKind; 2] = [FeedMarkKind::NotificationsRead, FeedMarkKind::NotificationsArchived];

    /// The short name, such as `NotificationsRead`.
    pub fn name(self) -> &'static str {
        match self {
            FeedMarkKind::NotificationsRead => "NotificationsRead",
            FeedMarkKind::NotificationsArchived => "NotificationsArchived",
        }
    }

    /// The name subscribers receive, in the events' namespace: `App\Events\NotificationsRead`.
    pub fn broadcast_name(self) -> String {
        format!("{NAMESPACE}\\{}", self.name())
    }

    /// The kind named `name`, short, with a leading dot or in full (as [`crate::EventKind::from_name`]).
    pub fn from_name(name: &str) -> Option<FeedMarkKind> {
        let short = short_name(name);
        FeedMarkKind::ALL.into_iter().find(|kind| kind.name() == short)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::event::EventRecord;
    use crate::feed::{
        CursorPage, FeedEntry, FeedMarkKind, MarkedEntries, NotificationsArchived, NotificationsRead,
        UnreadCount,
    };

    #[test]
    fn a_page_is_laravels_cursor_paginate_answer() {
        let page =
            CursorPage { data: vec![1, 2], next_cursor: Some("abc".into()), prev_cursor: None, per_page: 2 };
        let wire = json!({"data": [1, 2], "next_cursor": "abc", "prev_cursor": null, "per_page": 2});
        assert_eq!(serde_json::to_value(&page).unwrap(), wire);
        assert_eq!(serde_json::from_value::<CursorPage<u32>>(wire).unwrap(), page);
    }

    #[test]
    fn a_feed_entry_is_the_event_record_with_its_marks_beside_it() {
        let entry = FeedEntry {
            event: EventRecord {
                id: "evt_1".into(),
                channel: Some("private-user.4".into()),
                event: "App\\Events\\PasswordChanged".into(),
                data: json!({"id": "evt_1", "user_id": 4}),
                occurred_at: "2025-01-01T00:00:00.000Z".into(),
            },
            read_at: Some("2025-01-02T00:00:00Z".into()),
            archived_at: None,
        };
        let wire = json!({
            "id": "evt_1", "channel": "private-user.4", "event": "App\\Events\\PasswordChanged",
            "data": {"id": "evt_1", "user_id": 4}, "occurred_at": "2025-01-01T00:00:00.000Z",
            "read_at": "2025-01-02T00:00:00Z", "archived_at": null,
        });
        assert_eq!(serde_json::to_value(&entry).unwrap(), wire);
        assert_eq!(serde_json::from_value::<FeedEntry>(wire).unwrap(), entry);
        assert_eq!(serde_json::to_value(UnreadCount { unread: 3 }).unwrap(), json!({"unread": 3}));
    }

    #[test]
    fn marks_are_spelled_as_the_contract_says() {
        let some = NotificationsRead {
            entries: MarkedEntries::Ids { ids: vec!["evt_1".into()] },
            read_at: Some("2025-01-01T00:00:00Z".into()),
        };
        let all = NotificationsRead { entries: MarkedEntries::All { all: true }, read_at: Some("t".into()) };
        let unread =
            NotificationsRead { entries: MarkedEntries::Ids { ids: vec!["e".into()] }, read_at: None };
        for (mark, wire) in [
            (some, json!({"ids": ["evt_1"], "read_at": "2025-01-01T00:00:00Z"})),
            (all, json!({"all": true, "read_at": "t"})),
            (unread, json!({"ids": ["e"], "read_at": null})),
        ] {
            assert_eq!(serde_json::to_value(&mark).unwrap(), wire);
            assert_eq!(serde_json::from_value::<NotificationsRead>(wire).unwrap(), mark);
        }
        let archived = NotificationsArchived { ids: vec!["e".into()], archived: true };
        assert_eq!(serde_json::to_value(&archived).unwrap(), json!({"ids": ["e"], "archived": true}));
        for kind in FeedMarkKind::ALL {
            assert_eq!(FeedMarkKind::from_name(&kind.broadcast_name()), Some(kind));
            assert_eq!(FeedMarkKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(FeedMarkKind::NotificationsRead.broadcast_name(), "App\\Events\\NotificationsRead");
    }
}
