//! The event catalogue: every event of the wire contract, Laravel's broadcast notifications
//! and unknown events, decoded leniently and mapped to the notification a person sees.
//!
//! The records events carry are the contract's (`herald_contract`), read with their lenient
//! `from_payload`. Payloads come from other people's servers, so decoding never fails: a missing field gets
//! a neutral word ("A user"), a number where text was expected is shown as text, and text is
//! clipped to a length a toast can show. The text stays text: the app renders it as such, so
//! markup in a name is shown, never run.

use herald_contract::payload::text;
use herald_contract::{EventKind, HotspotUser, Notice, Payment, Tenant, User};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How much a notification matters; decides its colour, its live-region politeness and how
/// long its toast stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Success,
    Warning,
    Error,
    Critical,
}

impl Severity {
    /// A level as payloads spell it (`info`, `success`, `warning`, `error`, `critical`);
    /// anything else is `Info`.
    pub fn from_level(level: &str) -> Severity {
        match level.trim().to_ascii_lowercase().as_str() {
            "success" => Severity::Success,
            "warning" | "warn" => Severity::Warning,
            "error" | "danger" => Severity::Error,
            "critical" => Severity::Critical,
            _ => Severity::Info,
        }
    }

    /// Every severity, mildest first.
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Success, Severity::Warning, Severity::Error, Severity::Critical];

    /// The severity spelled as [`Severity::as_str`] spells it.
    pub fn parse(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Success => "success",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }
}

/// A link a notification offers, such as "Review" → `/approvals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub href: String,
}

/// One notification: what a toast shows and what the history keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// The event's `id`, unique per event: the key for de-duplication and catch-up.
    pub id: String,
    /// The event's short name, e.g. `UserCreated`.
    pub kind: String,
    pub severity: Severity,
    /// Stays until dismissed instead of timing out.
    pub sticky: bool,
    pub title: String,
    pub message: String,
    /// RFC 3339, as the payload gave it.
    pub occurred_at: Option<String>,
    pub channel: Option<String>,
    pub action: Option<Link>,
}

/// An event decoded from its short name and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEvent {
    TenantCreated {
        tenant: Tenant,
    },
    TenantUpdated {
        tenant: Tenant,
    },
    TenantSuspended {
        tenant: Tenant,
        reason: String,
    },
    UserCreated {
        user: User,
    },
    UserUpdated {
        user: User,
    },
    UserDeleted {
        user: User,
    },
    PaymentCompleted {
        payment: Payment,
    },
    PaymentFailed {
        payment: Payment,
        reason: String,
    },
    HotspotUserCreated {
        hotspot_user: HotspotUser,
    },
    HotspotUserExpired {
        hotspot_user: HotspotUser,
    },
    SystemNotification(Notice),
    PasswordChanged,
    AccountSuspended {
        reason: String,
    },
    AccountActivated,
    ProfileUpdated {
        user: User,
    },
    TenantRegistered {
        tenant: Tenant,
    },
    TenantApproved {
        tenant: Tenant,
    },
    SystemAlert(Notice),
    /// Laravel's `BroadcastNotificationCreated`: `type` is the notification's class.
    LaravelNotification {
        notification_type: String,
        notice: Notice,
    },
    /// Any other event: it still reaches the history with a generic notification.
    Unknown {
        name: String,
    },
}

/// The longest title and message kept; a payload cannot make a toast fill the screen.
pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_MESSAGE_CHARS: usize = 500;

impl AppEvent {
    /// Decodes a payload for the event named `name` (the short name).
    pub fn decode(name: &str, data: &Value) -> AppEvent {
        let tenant = || Tenant::from_payload(&data["tenant"]);
        let user = || User::from_payload(&data["user"]);
        let payment = || Payment::from_payload(&data["payment"]);
        let hotspot_user = || HotspotUser::from_payload(&data["hotspot_user"]);
        let reason = || text(&data["reason"]);
        let Some(kind) = EventKind::from_name(name) else {
            return match name {
                "BroadcastNotificationCreated" => AppEvent::LaravelNotification {
                    notification_type: text(&data["type"]),
                    notice: Notice::from_payload(data),
                },
                other => AppEvent::Unknown { name: other.to_owned() },
            };
        };
        match kind {
            EventKind::TenantCreated => AppEvent::TenantCreated { tenant: tenant() },
            EventKind::TenantUpdated => AppEvent::TenantUpdated { tenant: tenant() },
            EventKind::TenantSuspended => AppEvent::TenantSuspended { tenant: tenant(), reason: reason() },
            EventKind::UserCreated => AppEvent::UserCreated { user: user() },
            EventKind::UserUpdated => AppEvent::UserUpdated { user: user() },
            EventKind::UserDeleted => AppEvent::UserDeleted { user: user() },
            EventKind::PaymentCompleted => AppEvent::PaymentCompleted { payment: payment() },
            EventKind::PaymentFailed => AppEvent::PaymentFailed { payment: payment(), reason: reason() },
            EventKind::HotspotUserCreated => AppEvent::HotspotUserCreated { hotspot_user: hotspot_user() },
            EventKind::HotspotUserExpired => AppEvent::HotspotUserExpired { hotspot_user: hotspot_user() },
            EventKind::SystemNotification => AppEvent::SystemNotification(Notice::from_payload(data)),
            EventKind::PasswordChanged => AppEvent::PasswordChanged,
            EventKind::AccountSuspended => AppEvent::AccountSuspended { reason: reason() },
            EventKind::AccountActivated => AppEvent::AccountActivated,
            EventKind::ProfileUpdated => AppEvent::ProfileUpdated { user: user() },
            EventKind::TenantRegistered => AppEvent::TenantRegistered { tenant: tenant() },
            EventKind::TenantApproved => AppEvent::TenantApproved { tenant: tenant() },
            EventKind::SystemAlert => AppEvent::SystemAlert(Notice::from_payload(data)),
        }
    }

    /// The contract's event this is; `None` for Laravel's notifications and unknown events.
    pub fn kind(&self) -> Option<EventKind> {
        Some(match self {
            AppEvent::TenantCreated { .. } => EventKind::TenantCreated,
            AppEvent::TenantUpdated { .. } => EventKind::TenantUpdated,
            AppEvent::TenantSuspended { .. } => EventKind::TenantSuspended,
            AppEvent::UserCreated { .. } => EventKind::UserCreated,
            AppEvent::UserUpdated { .. } => EventKind::UserUpdated,
            AppEvent::UserDeleted { .. } => EventKind::UserDeleted,
            AppEvent::PaymentCompleted { .. } => EventKind::PaymentCompleted,
            AppEvent::PaymentFailed { .. } => EventKind::PaymentFailed,
            AppEvent::HotspotUserCreated { .. } => EventKind::HotspotUserCreated,
            AppEvent::HotspotUserExpired { .. } => EventKind::HotspotUserExpired,
            AppEvent::SystemNotification(_) => EventKind::SystemNotification,
            AppEvent::PasswordChanged => EventKind::PasswordChanged,
            AppEvent::AccountSuspended { .. } => EventKind::AccountSuspended,
            AppEvent::AccountActivated => EventKind::AccountActivated,
            AppEvent::ProfileUpdated { .. } => EventKind::ProfileUpdated,
            AppEvent::TenantRegistered { .. } => EventKind::TenantRegistered,
            AppEvent::TenantApproved { .. } => EventKind::TenantApproved,
            AppEvent::SystemAlert(_) => EventKind::SystemAlert,
            AppEvent::LaravelNotification { .. } | AppEvent::Unknown { .. } => return None,
        })
    }

    /// The severity, stickiness, title, message and action of this event's notification,
    /// as the wire contract's table gives them.
    fn present(&self, kind: &str) -> (Severity, bool, String, String, Option<Link>) {
        use Severity::*;
        let plain =
            |severity, title: &str, message: String| (severity, false, title.to_owned(), message, None);
        match self {
            AppEvent::TenantCreated { tenant } => {
                plain(Info, "Tenant created", format!("{} was created.", or(&tenant.name, "A tenant")))
            }
            AppEvent::TenantUpdated { tenant } => plain(
                Info,
                "Tenant updated",
                format!("{}'s details were updated.", or(&tenant.name, "A tenant")),
            ),
            AppEvent::TenantSuspended { reason, .. } => {
                (Error, true, "Tenant suspended".into(), or(reason, "No reason was given.").into(), None)
            }
            AppEvent::UserCreated { user } => plain(
                Success,
                "User created",
                format!("{} has been added to the system.", or(&user.name, "A user")),
            ),
            AppEvent::UserUpdated { user } => {
                plain(Info, "User updated", format!("{}'s details were updated.", or(&user.name, "A user")))
            }
            AppEvent::UserDeleted { user } => {
                plain(Warning, "User removed", format!("{} was removed.", or(&user.name, "A user")))
            }
            AppEvent::PaymentCompleted { payment } => {
                plain(Success, "Payment received", format!("{}.", describe(payment)))
            }
            AppEvent::PaymentFailed { payment, reason } => plain(
                Error,
                "Payment failed",
                format!("{}: {}", describe(payment), or(reason, "no reason given")),
            ),
            AppEvent::HotspotUserCreated { hotspot_user: h } => plain(
                Success,
                "Hotspot user created",
                format!("{} on {}.", or(&h.username, "A hotspot user"), or(&h.package, "a package")),
            ),
            AppEvent::HotspotUserExpired { hotspot_user: h } => plain(
                Warning,
                "Hotspot session expired",
                format!("{}'s session ended.", or(&h.username, "A hotspot user")),
            ),
            AppEvent::SystemNotification(notice) => {
                let severity = Severity::from_level(&notice.level);
                let title = or(&notice.title, "System notification").to_owned();
                (severity, severity == Critical, title, notice.message.clone(), None)
            }
            AppEvent::PasswordChanged => {
                plain(Warning, "Password changed", "If this wasn't you, contact your administrator.".into())
            }
            AppEvent::AccountSuspended { reason } => (
                Error,
                true,
                "Account suspended".into(),
                format!(
                    "{}. The user is signed out.",
                    or(reason, "Your account was suspended").trim_end_matches('.')
                ),
                None,
            ),
            AppEvent::AccountActivated => {
                plain(Success, "Account activated", "Your account is active again.".into())
            }
            AppEvent::ProfileUpdated { .. } => {
                plain(Info, "Profile updated", "Your profile was updated.".into())
            }
            AppEvent::TenantRegistered { tenant } => (
                Info,
                false,
                "New tenant registration".into(),
                format!("{} is waiting for approval.", or(&tenant.name, "A tenant")),
                Some(Link { label: "Review".into(), href: "/approvals".into() }),
            ),
            AppEvent::TenantApproved { tenant } => {
                plain(Success, "Tenant approved", format!("{} was approved.", or(&tenant.name, "A tenant")))
            }
            AppEvent::SystemAlert(notice) => {
                let severity = Severity::from_level(&notice.level);
                let title = or(&notice.title, "System alert").to_owned();
                (severity, severity == Critical, title, notice.message.clone(), None)
            }
            AppEvent::LaravelNotification { notification_type, notice } => {
                let severity = Severity::from_level(&notice.level);
                let short = notification_type.rsplit('\\').next().unwrap_or_default();
                let title = if notice.title.is_empty() {
                    or(&humanize(short), "Notification").to_owned()
                } else {
                    notice.title.clone()
                };
                (severity, severity == Critical, title, notice.message.clone(), None)
            }
            AppEvent::Unknown { .. } => plain(Info, &humanize(kind), String::new()),
        }
    }

    /// The reason to sign the person out at once, for events that end their session.
    pub fn signs_out(&self) -> Option<String> {
        match self {
            AppEvent::AccountSuspended { reason } => {
                Some(or(reason, "Your account was suspended.").to_owned())
            }
            _ => None,
        }
    }
}

impl Notification {
    /// The notification for an event named `name` (short name) with payload `data`, received
    /// on `channel`. `fallback_id` is used when the payload has no `id`.
    pub fn from_event(
        name: &str,
        channel: Option<&str>,
        data: &Value,
        fallback_id: impl FnOnce() -> String,
    ) -> Notification {
        Notification::from_decoded(&AppEvent::decode(name, data), name, channel, data, fallback_id)
    }

    /// Like [`Notification::from_event`], for an event already decoded (once) as `event`.
    pub fn from_decoded(
        event: &AppEvent,
        name: &str,
        channel: Option<&str>,
        data: &Value,
        fallback_id: impl FnOnce() -> String,
    ) -> Notification {
        let kind = if name.is_empty() { "Event" } else { name };
        let (severity, sticky, title, message, action) = event.present(kind);
        let id = match text(&data["id"]) {
            id if id.is_empty() => fallback_id(),
            id => id,
        };
        let occurred_at = Some(text(&data["occurred_at"])).filter(|at| !at.is_empty());
        Notification {
            id,
            kind: kind.to_owned(),
            severity,
            sticky,
            title: clip(&title, MAX_TITLE_CHARS),
            message: clip(&message, MAX_MESSAGE_CHARS),
            occurred_at,
            channel: channel.map(str::to_owned),
            action,
        }
    }
}

/// `UserCreated` → `User created`; `hotspot_user.expired` → `Hotspot user expired`.
///
/// Words are found by Unicode case, but only ASCII letters change case: event names are code
/// identifiers, and Unicode's case-mapping tables would add 4 KB to the gzipped wasm (issue 9).
pub fn humanize(name: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' || c == ' ' || c == '\\' || c == ':' {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    let sentence = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let all_caps = w.chars().all(|c| !c.is_lowercase()) && w.chars().count() > 1;
            if i == 0 || all_caps { w.clone() } else { w.to_ascii_lowercase() }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => std::iter::once(first.to_ascii_uppercase()).chain(chars).collect(),
        None => String::new(),
    }
}

/// "25.00 USD from Ann", leaving out what the payload lacks.
fn describe(payment: &Payment) -> String {
    let amount = [payment.amount.as_str(), payment.currency.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    format!("{} from {}", or(&amount, "A payment"), or(&payment.payer, "a customer"))
}

fn or<'a>(value: &'a str, fallback: &'a str) -> &'a str {
    if value.is_empty() { fallback } else { value }
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut clipped: String = s.chars().take(max.saturating_sub(1)).collect();
        clipped.push('…');
        clipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One row of the contract's table: event, payload, then the expected severity, sticky,
    /// title and message.
    fn check(name: &str, data: Value, severity: Severity, sticky: bool, title: &str, message: &str) {
        let n = Notification::from_event(name, Some("private-tenant.1"), &data, || "fallback".into());
        assert_eq!(
            (n.severity, n.sticky, n.title.as_str(), n.message.as_str()),
            (severity, sticky, title, message),
            "{name} {data}"
        );
    }

    #[test]
    #[rustfmt::skip] // One row of the contract's table per line.
    fn every_contract_event_maps_to_its_toast() {
        use Severity::*;
        let tenant = json!({"id": 7, "name": "Acme Networks", "email": "a@acme.test", "status": "pending"});
        let user = json!({"id": 9, "name": "Ann Lee", "email": "ann@acme.test", "role": "user", "tenant_id": 1, "status": "active"});
        let payment = json!({"id": 3, "amount": "25.00", "currency": "USD", "payer": "Ann Lee", "reference": "INV-1"});
        let hotspot = json!({"id": 5, "username": "guest42", "package": "Daily 1GB", "expires_at": "2026-01-01T00:00:00Z"});
        check("TenantCreated", json!({"tenant": tenant}), Info, false, "Tenant created", "Acme Networks was created.");
        check("TenantUpdated", json!({"tenant": tenant}), Info, false, "Tenant updated", "Acme Networks's details were updated.");
        check("TenantSuspended", json!({"tenant": tenant, "reason": "Unpaid invoices"}), Error, true, "Tenant suspended", "Unpaid invoices");
        check("UserCreated", json!({"user": user}), Success, false, "User created", "Ann Lee has been added to the system.");
        check("UserUpdated", json!({"user": user}), Info, false, "User updated", "Ann Lee's details were updated.");
        check("UserDeleted", json!({"user": user}), Warning, false, "User removed", "Ann Lee was removed.");
        check("PaymentCompleted", json!({"payment": payment}), Success, false, "Payment received", "25.00 USD from Ann Lee.");
        check("PaymentFailed", json!({"payment": payment, "reason": "Card declined"}), Error, false, "Payment failed", "25.00 USD from Ann Lee: Card declined");
        check("HotspotUserCreated", json!({"hotspot_user": hotspot}), Success, false, "Hotspot user created", "guest42 on Daily 1GB.");
        check("HotspotUserExpired", json!({"hotspot_user": hotspot}), Warning, false, "Hotspot session expired", "guest42's session ended.");
        check("SystemNotification", json!({"title": "Maintenance", "message": "Tonight 2am", "level": "warning"}), Warning, false, "Maintenance", "Tonight 2am");
        check("PasswordChanged", json!({"user_id": 4}), Warning, false, "Password changed", "If this wasn't you, contact your administrator.");
        check("AccountSuspended", json!({"user_id": 4, "reason": "Too many failed payments"}), Error, true, "Account suspended", "Too many failed payments. The user is signed out.");
        check("AccountActivated", json!({"user_id": 4}), Success, false, "Account activated", "Your account is active again.");
        check("ProfileUpdated", json!({"user": user}), Info, false, "Profile updated", "Your profile was updated.");
        check("TenantRegistered", json!({"tenant": tenant}), Info, false, "New tenant registration", "Acme Networks is waiting for approval.");
        check("TenantApproved", json!({"tenant": tenant, "approved_by": {"id": 1}}), Success, false, "Tenant approved", "Acme Networks was approved.");
        check("SystemAlert", json!({"title": "Disk full", "message": "db-1 at 95%", "level": "error"}), Error, false, "Disk full", "db-1 at 95%");
        check("SystemAlert", json!({"title": "Outage", "message": "Region down", "level": "critical"}), Critical, true, "Outage", "Region down");
    }

    #[test]
    fn every_contract_event_decodes_to_its_kind() {
        for kind in EventKind::ALL {
            assert_eq!(AppEvent::decode(kind.name(), &json!({})).kind(), Some(kind), "{kind:?}");
        }
        assert_eq!(AppEvent::decode("BroadcastNotificationCreated", &json!({})).kind(), None);
        assert_eq!(AppEvent::decode("InvoiceOverdue", &json!({})).kind(), None);
    }

    #[test]
    fn tenant_registered_offers_review() {
        let n = Notification::from_event(
            "TenantRegistered",
            None,
            &json!({"tenant": {"name": "X"}}),
            String::new,
        );
        assert_eq!(n.action, Some(Link { label: "Review".into(), href: "/approvals".into() }));
    }

    #[test]
    #[rustfmt::skip] // One row of the contract's table per line.
    fn laravel_notifications_and_unknown_events() {
        use Severity::*;
        check(
            "BroadcastNotificationCreated",
            json!({"id": "n1", "type": "App\\Notifications\\InvoicePaid", "message": "Invoice 12 paid", "level": "success"}),
            Success, false, "Invoice paid", "Invoice 12 paid",
        );
        check(
            "BroadcastNotificationCreated",
            json!({"type": "App\\Notifications\\X", "title": "Hello", "message": "World"}),
            Info, false, "Hello", "World",
        );
        check("InvoiceOverdue", json!({"id": "u1", "invoice": 3}), Info, false, "Invoice overdue", "");
        check("router_went_offline", json!({}), Info, false, "Router went offline", "");
    }

    #[test]
    #[rustfmt::skip] // One row of the contract's table per line.
    fn missing_and_odd_fields_still_make_sense() {
        use Severity::*;
        check("UserCreated", json!({}), Success, false, "User created", "A user has been added to the system.");
        check("UserCreated", json!({"user": "not an object"}), Success, false, "User created", "A user has been added to the system.");
        check("UserCreated", json!({"user": {"name": 42}}), Success, false, "User created", "42 has been added to the system.");
        check("PaymentCompleted", json!({"payment": {"amount": 12.5}}), Success, false, "Payment received", "12.5 from a customer.");
        check("PaymentFailed", json!(null), Error, false, "Payment failed", "A payment from a customer: no reason given");
        check("TenantSuspended", json!([1, 2]), Error, true, "Tenant suspended", "No reason was given.");
        check("AccountSuspended", json!({}), Error, true, "Account suspended", "Your account was suspended. The user is signed out.");
        check("SystemAlert", json!({"message": "m", "level": "weird", "extra": {"x": 1}}), Info, false, "System alert", "m");
    }

    #[test]
    fn ids_times_and_channels_are_kept() {
        let n = Notification::from_event(
            "UserCreated",
            Some("private-tenant.1"),
            &json!({"id": 77, "occurred_at": "2026-11-24T01:00:00Z"}),
            || "f".into(),
        );
        assert_eq!(
            (n.id.as_str(), n.occurred_at.as_deref(), n.channel.as_deref()),
            ("77", Some("2026-11-24T01:00:00Z"), Some("private-tenant.1"))
        );
        let n = Notification::from_event("UserCreated", None, &json!({}), || "generated-1".into());
        assert_eq!((n.id.as_str(), n.occurred_at), ("generated-1", None));
    }

    #[test]
    fn markup_stays_text_and_long_text_is_clipped() {
        let n = Notification::from_event(
            "UserCreated",
            None,
            &json!({"user": {"name": "<script>alert(1)</script>"}}),
            String::new,
        );
        assert_eq!(n.message, "<script>alert(1)</script> has been added to the system.");
        let long = "x".repeat(10_000);
        let n = Notification::from_event(
            "SystemAlert",
            None,
            &json!({"title": long, "message": long}),
            String::new,
        );
        assert_eq!(n.title.chars().count(), MAX_TITLE_CHARS);
        assert_eq!(n.message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(n.message.ends_with('…'));
    }

    #[test]
    fn account_suspended_signs_out_with_its_reason() {
        assert_eq!(
            AppEvent::decode("AccountSuspended", &json!({"reason": "Fraud"})).signs_out(),
            Some("Fraud".into())
        );
        assert_eq!(AppEvent::decode("PasswordChanged", &json!({})).signs_out(), None);
    }

    #[test]
    fn humanize_names() {
        for (name, human) in [
            ("UserCreated", "User created"),
            ("HTTPRequestFailed", "HTTPRequest failed"),
            ("router_went_offline", "Router went offline"),
            ("order.shipped", "Order shipped"),
            ("", ""),
            ("x", "X"),
            ("CaféOpened", "Café opened"),
        ] {
            assert_eq!(humanize(name), human, "{name}");
        }
    }
}
