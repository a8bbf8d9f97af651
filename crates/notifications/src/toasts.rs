//! Which toasts are on screen: one per notification, except that a burst of one kind folds
//! into a single toast that counts it ("12 users created").
//!
//! Time is passed in (milliseconds on any monotonic-enough clock); this type reads no clock.
//! Folding only decides what is *shown*: every event still enters the history.

use std::collections::{HashMap, VecDeque};

use crate::catalogue::{Notification, humanize};

/// How the toasts fold bursts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoldRule {
    /// More than this many events of one kind within [`FoldRule::window_ms`] fold into one
    /// toast. Default: 3.
    pub max_separate: usize,
    /// The burst window. Default: 2000 ms.
    pub window_ms: u64,
}

impl Default for FoldRule {
    fn default() -> Self {
        FoldRule { max_separate: 3, window_ms: 2_000 }
    }
}

/// One toast on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    /// What the toast shows. For a fold, the newest event's notification with the fold's own
    /// id and a counting title.
    pub notification: Notification,
    /// How many events this toast stands for: 1, or more for a fold.
    pub count: usize,
    /// When the newest event it stands for arrived.
    pub arrived_ms: u64,
}

impl Toast {
    pub fn id(&self) -> &str {
        &self.notification.id
    }

    pub fn is_fold(&self) -> bool {
        self.count > 1
    }
}

/// The toasts on screen, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Toasts {
    rule: FoldRule,
    shown: Vec<Toast>,
    /// Per kind, when its recent events arrived (within the window), oldest first.
    arrivals: HashMap<String, VecDeque<u64>>,
    /// Numbers fold toasts, so each has an id of its own.
    folds_made: u64,
}

impl Toasts {
    pub fn new(rule: FoldRule) -> Toasts {
        Toasts { rule, ..Toasts::default() }
    }

    /// Shows an event's notification that arrived at `now_ms`, folding it into a burst of its
    /// kind when there is one. Returns the id of the toast that now shows it.
    pub fn push(&mut self, notification: Notification, now_ms: u64) -> String {
        let window_start = now_ms.saturating_sub(self.rule.window_ms);
        let arrivals = self.arrivals.entry(notification.kind.clone()).or_default();
        while arrivals.front().is_some_and(|&at| at < window_start) {
            arrivals.pop_front();
        }
        arrivals.push_back(now_ms);
        let in_burst = arrivals.len();
        let kind = notification.kind.clone();

        // A fold of this kind still on screen whose burst goes on takes the event.
        if let Some(fold) = self
            .shown
            .iter_mut()
            .find(|t| t.is_fold() && t.notification.kind == kind && t.arrived_ms >= window_start)
        {
            fold.count += 1;
            fold.arrived_ms = now_ms;
            fold.notification = folded(notification, fold.notification.id.clone(), fold.count);
            return fold.notification.id.clone();
        }

        if in_burst <= self.rule.max_separate {
            let id = notification.id.clone();
            self.shown.push(Toast { notification, count: 1, arrived_ms: now_ms });
            return id;
        }

        // The burst just grew past the limit: its separate toasts give way to one that counts
        // every event of the burst, including any already dismissed.
        self.shown.retain(|t| !(t.notification.kind == kind && !t.is_fold() && t.arrived_ms >= window_start));
        self.folds_made += 1;
        let id = format!("fold-{}-{}", kind, self.folds_made);
        self.shown.push(Toast {
            notification: folded(notification, id.clone(), in_burst),
            count: in_burst,
            arrived_ms: now_ms,
        });
        id
    }

    /// Shows a notification as a toast of its own, never folded (the app's own notices).
    pub fn show(&mut self, notification: Notification, now_ms: u64) {
        self.shown.push(Toast { notification, count: 1, arrived_ms: now_ms });
    }

    pub fn dismiss(&mut self, id: &str) {
        self.shown.retain(|t| t.id() != id);
    }

    pub fn clear(&mut self) {
        self.shown.clear();
        self.arrivals.clear();
    }

    /// The toasts, oldest first.
    pub fn shown(&self) -> &[Toast] {
        &self.shown
    }

    pub fn get(&self, id: &str) -> Option<&Toast> {
        self.shown.iter().find(|t| t.id() == id)
    }
}

/// The newest notification of a burst, retitled to count it.
fn folded(mut newest: Notification, id: String, count: usize) -> Notification {
    newest.title = plural_title(&newest.kind, count, &newest.title);
    newest.id = id;
    newest
}

/// The title of a toast standing for `count` events of `kind`: "12 users created". Kinds
/// without a phrase of their own get "12 × {title}".
pub fn plural_title(kind: &str, count: usize, title: &str) -> String {
    let phrase = match kind {
        "TenantCreated" => "tenants created",
        "TenantUpdated" => "tenants updated",
        "TenantSuspended" => "tenants suspended",
        "UserCreated" => "users created",
        "UserUpdated" => "users updated",
        "UserDeleted" => "users removed",
        "PaymentCompleted" => "payments received",
        "PaymentFailed" => "payments failed",
        "HotspotUserCreated" => "hotspot users created",
        "HotspotUserExpired" => "hotspot sessions expired",
        "SystemNotification" => "system notifications",
        "PasswordChanged" => "password changes",
        "AccountSuspended" => "account suspensions",
        "AccountActivated" => "account activations",
        "ProfileUpdated" => "profile updates",
        "TenantRegistered" => "new tenant registrations",
        "TenantApproved" => "tenants approved",
        "SystemAlert" => "system alerts",
        "BroadcastNotificationCreated" => "notifications",
        _ => {
            let title = if title.is_empty() { humanize(kind) } else { title.to_owned() };
            return format!("{count} × {title}");
        }
    };
    format!("{count} {phrase}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, id: usize) -> Notification {
        Notification::from_event(kind, None, &json!({"id": id.to_string()}), String::new)
    }

    /// Pushes `(kind, at_ms)` events in order and compares what is shown, as
    /// "title ×count" strings, oldest first.
    fn check(events: &[(&str, u64)], expect: &[&str]) {
        let mut toasts = Toasts::default();
        for (i, (kind, at)) in events.iter().enumerate() {
            toasts.push(event(kind, i), *at);
        }
        let shown: Vec<String> =
            toasts.shown().iter().map(|t| format!("{} ×{}", t.notification.title, t.count)).collect();
        assert_eq!(shown, expect, "{events:?}");
    }

    #[test]
    fn bursts_fold() {
        // Three of a kind stay separate.
        check(
            &[("UserCreated", 0), ("UserCreated", 100), ("UserCreated", 200)],
            &["User created ×1", "User created ×1", "User created ×1"],
        );
        // The fourth within two seconds folds them all.
        check(
            &[("UserCreated", 0), ("UserCreated", 100), ("UserCreated", 200), ("UserCreated", 300)],
            &["4 users created ×4"],
        );
        // More join the fold while the burst goes on.
        let twelve: Vec<_> = (0..12).map(|i| ("UserCreated", i * 100)).collect();
        check(&twelve, &["12 users created ×12"]);
        // Spread out over more than two seconds, nothing folds.
        check(
            &[("UserCreated", 0), ("UserCreated", 1_000), ("UserCreated", 2_001), ("UserCreated", 3_002)],
            &["User created ×1", "User created ×1", "User created ×1", "User created ×1"],
        );
        // Other kinds are counted apart and stay separate.
        check(
            &[
                ("UserCreated", 0),
                ("PaymentFailed", 10),
                ("UserCreated", 20),
                ("UserCreated", 30),
                ("UserCreated", 40),
            ],
            &["Payment failed ×1", "4 users created ×4"],
        );
        // Once the burst is over, a later event starts afresh.
        check(
            &[
                ("UserCreated", 0),
                ("UserCreated", 1),
                ("UserCreated", 2),
                ("UserCreated", 3),
                ("UserCreated", 10_000),
            ],
            &["4 users created ×4", "User created ×1"],
        );
    }

    #[test]
    fn a_fold_keeps_its_id_while_its_count_grows() {
        let mut toasts = Toasts::default();
        for i in 0..4 {
            toasts.push(event("UserCreated", i), 0);
        }
        let id = toasts.shown()[0].id().to_owned();
        assert_eq!(toasts.push(event("UserCreated", 4), 500), id);
        assert_eq!(toasts.get(&id).map(|t| t.count), Some(5));
        toasts.dismiss(&id);
        assert!(toasts.shown().is_empty());
    }

    #[test]
    fn the_apps_own_notices_never_fold() {
        let mut toasts = Toasts::default();
        for i in 0..5 {
            toasts.show(event("App", i), 0);
        }
        assert_eq!(toasts.shown().len(), 5);
    }

    #[test]
    fn plurals() {
        for (kind, count, title, expect) in [
            ("UserCreated", 12, "User created", "12 users created"),
            ("TenantCreated", 4, "", "4 tenants created"),
            ("TenantUpdated", 4, "", "4 tenants updated"),
            ("TenantSuspended", 4, "", "4 tenants suspended"),
            ("UserUpdated", 4, "", "4 users updated"),
            ("UserDeleted", 4, "", "4 users removed"),
            ("PaymentCompleted", 5, "", "5 payments received"),
            ("PaymentFailed", 5, "", "5 payments failed"),
            ("HotspotUserCreated", 6, "", "6 hotspot users created"),
            ("HotspotUserExpired", 6, "", "6 hotspot sessions expired"),
            ("SystemNotification", 7, "Maintenance", "7 system notifications"),
            ("PasswordChanged", 4, "", "4 password changes"),
            ("AccountSuspended", 4, "", "4 account suspensions"),
            ("AccountActivated", 4, "", "4 account activations"),
            ("ProfileUpdated", 4, "", "4 profile updates"),
            ("TenantRegistered", 9, "", "9 new tenant registrations"),
            ("TenantApproved", 9, "", "9 tenants approved"),
            ("SystemAlert", 8, "Disk full", "8 system alerts"),
            ("BroadcastNotificationCreated", 4, "Invoice paid", "4 notifications"),
            ("RouterWentOffline", 4, "Router went offline", "4 × Router went offline"),
            ("router_went_offline", 4, "", "4 × Router went offline"),
        ] {
            assert_eq!(plural_title(kind, count, title), expect, "{kind}");
        }
    }
}
