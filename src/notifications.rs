//! The notification store: every event becomes a notification that enters the person's
//! history and shows as a toast. Toasts and history are one model — dismissing a toast
//! never loses the notification. The policy (text, severity, de-duplication, bounds) lives
//! in `herald_notifications`; this module holds it in signals.

use herald_notifications::history::Entry;
use herald_notifications::{History, Notification, Severity};
use leptos::prelude::*;
use serde_json::Value;

/// How many toasts are on screen at once; the rest wait behind a "+N more".
pub const VISIBLE_TOASTS: usize = 3;

#[derive(Clone, Copy)]
pub struct Notifications {
    history: RwSignal<History>,
    /// Notifications shown as toasts, oldest first.
    toasts: RwSignal<Vec<Notification>>,
    /// Numbers the notifications the app makes itself, and events that came without an id.
    local_ids: StoredValue<u64>,
}

impl Notifications {
    pub fn provide() -> Notifications {
        let notifications = Notifications {
            history: RwSignal::new(History::default()),
            toasts: RwSignal::new(Vec::new()),
            local_ids: StoredValue::new(0),
        };
        provide_context(notifications);
        notifications
    }

    #[track_caller]
    pub fn expect() -> Notifications {
        expect_context::<Notifications>()
    }

    /// Records an event from the realtime service and toasts it, unless an event with the
    /// same id was already received.
    pub fn receive(&self, name: &str, channel: Option<&str>, data: &Value) {
        let notification = Notification::from_event(name, channel, data, || self.next_local_id("event"));
        let mut is_new = false;
        self.history.update(|history| is_new = history.push(notification.clone()));
        if is_new {
            self.toasts.update(|toasts| toasts.push(notification));
        }
    }

    /// Shows a toast the app makes itself (a session that expired, a channel refused). It is
    /// about the app, not an event, so it does not enter the history.
    pub fn announce(&self, severity: Severity, title: &str, message: &str) {
        let notification = Notification {
            id: self.next_local_id("app"),
            kind: "App".into(),
            severity,
            sticky: false,
            title: title.into(),
            message: message.into(),
            occurred_at: None,
            channel: None,
            action: None,
        };
        self.toasts.update(|toasts| toasts.push(notification));
    }

    pub fn dismiss(&self, id: &str) {
        self.toasts.update(|toasts| toasts.retain(|t| t.id != id));
    }

    /// Forgets everything shown: a different person is about to sign in.
    pub fn clear(&self) {
        self.toasts.set(Vec::new());
        self.history.update(History::clear);
    }

    pub fn toasts(&self) -> Signal<Vec<Notification>> {
        self.toasts.into()
    }

    /// The newest `count` entries of the history whose channel starts with `channel_prefix`
    /// ("" for all).
    pub fn recent(&self, channel_prefix: &str, count: usize) -> Vec<Entry> {
        self.history.with(|h| {
            h.entries()
                .filter(|e| e.notification.channel.as_deref().unwrap_or_default().starts_with(channel_prefix))
                .take(count)
                .cloned()
                .collect()
        })
    }

    pub fn unread(&self) -> usize {
        self.history.with(History::unread)
    }

    pub fn mark_read(&self, id: &str) {
        self.history.update(|h| h.mark_read(id));
    }

    pub fn mark_all_read(&self) {
        self.history.update(History::mark_all_read);
    }

    fn next_local_id(&self, prefix: &str) -> String {
        let n = self.local_ids.try_update_value(|n| {
            *n += 1;
            *n
        });
        format!("{prefix}-{}", n.unwrap_or_default())
    }
}
