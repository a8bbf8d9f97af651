//! The contract's events (CONTRACT.md, "Channels and events"): their names, whom each is for,
//! and an event as catch-up returns it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::channel::ChannelKind;

/// Laravel's default event namespace: without `broadcastAs`, an event is broadcast under its
/// class's full name, such as `App\Events\UserCreated`.
pub const NAMESPACE: &str = "App\\Events";

/// Every event in the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    TenantCreated,
    TenantUpdated,
    TenantSuspended,
    UserCreated,
    UserUpdated,
    UserDeleted,
    PaymentCompleted,
    PaymentFailed,
    HotspotUserCreated,
    HotspotUserExpired,
    SystemNotification,
    PasswordChanged,
    AccountSuspended,
    AccountActivated,
    ProfileUpdated,
    TenantRegistered,
    TenantApproved,
    SystemAlert,
}

/// A recorded event, as catch-up (`GET /api/notifications`) and a tenant's activity return
/// it: the fields of the Pusher frame that delivered it (`event`, `channel`, `data`), plus
/// its `id` and `occurred_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Unique per event; also the payload's `id`.
    pub id: String,
    /// The channel it was broadcast on; a backend may leave it out.
    #[serde(default)]
    pub channel: Option<String>,
    /// The broadcast name, such as `App\Events\UserCreated`.
    pub event: String,
    #[serde(default)]
    pub data: Value,
    /// RFC 3339; empty when the backend did not say.
    #[serde(default)]
    pub occurred_at: String,
}

impl EventKind {
    pub const ALL: [EventKind; 18] = [
        EventKind::TenantCreated,
        EventKind::TenantUpdated,
        EventKind::TenantSuspended,
        EventKind::UserCreated,
        EventKind::UserUpdated,
        EventKind::UserDeleted,
        EventKind::PaymentCompleted,
        EventKind::PaymentFailed,
        EventKind::HotspotUserCreated,
        EventKind::HotspotUserExpired,
        EventKind::SystemNotification,
        EventKind::PasswordChanged,
        EventKind::AccountSuspended,
        EventKind::AccountActivated,
        EventKind::ProfileUpdated,
        EventKind::TenantRegistered,
        EventKind::TenantApproved,
        EventKind::SystemAlert,
    ];

    /// The short name, such as `UserCreated`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::TenantCreated => "TenantCreated",
            EventKind::TenantUpdated => "TenantUpdated",
            EventKind::TenantSuspended => "TenantSuspended",
            EventKind::UserCreated => "UserCreated",
            EventKind::UserUpdated => "UserUpdated",
            EventKind::UserDeleted => "UserDeleted",
            EventKind::PaymentCompleted => "PaymentCompleted",
            EventKind::PaymentFailed => "PaymentFailed",
            EventKind::HotspotUserCreated => "HotspotUserCreated",
            EventKind::HotspotUserExpired => "HotspotUserExpired",
            EventKind::SystemNotification => "SystemNotification",
            EventKind::PasswordChanged => "PasswordChanged",
            EventKind::AccountSuspended => "AccountSuspended",
            EventKind::AccountActivated => "AccountActivated",
            EventKind::ProfileUpdated => "ProfileUpdated",
            EventKind::TenantRegistered => "TenantRegistered",
            EventKind::TenantApproved => "TenantApproved",
            EventKind::SystemAlert => "SystemAlert",
        }
    }

    /// The kind named `name`, written short (`UserCreated`), Echo-style with a leading dot
    /// (`.UserCreated`) or in full (`App\Events\UserCreated`).
    pub fn from_name(name: &str) -> Option<EventKind> {
        let short = short_name(name);
        EventKind::ALL.into_iter().find(|kind| kind.name() == short)
    }

    /// The name subscribers receive: `App\Events\UserCreated`.
    pub fn broadcast_name(self) -> String {
        format!("{NAMESPACE}\\{}", self.name())
    }

    /// Whom the event is for, which decides its channel.
    pub fn audience(self) -> ChannelKind {
        match self {
            EventKind::TenantCreated
            | EventKind::TenantUpdated
            | EventKind::TenantSuspended
            | EventKind::UserCreated
            | EventKind::UserUpdated
            | EventKind::UserDeleted
            | EventKind::PaymentCompleted
            | EventKind::PaymentFailed
            | EventKind::HotspotUserCreated
            | EventKind::HotspotUserExpired
            | EventKind::SystemNotification => ChannelKind::Tenant,
            EventKind::PasswordChanged
            | EventKind::AccountSuspended
            | EventKind::AccountActivated
            | EventKind::ProfileUpdated => ChannelKind::User,
            EventKind::TenantRegistered | EventKind::TenantApproved | EventKind::SystemAlert => {
                ChannelKind::Admin
            }
        }
    }
}

/// `name` without Laravel's namespace (`App\Events\UserCreated`) or Echo's leading dot
/// (`.UserCreated`): `UserCreated`.
pub(crate) fn short_name(name: &str) -> &str {
    name.strip_prefix(NAMESPACE)
        .and_then(|rest| rest.strip_prefix('\\'))
        .or_else(|| name.strip_prefix('.'))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::event::{EventKind, EventRecord};

    #[test]
    fn names_are_accepted_short_dotted_or_namespaced() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_name(kind.name()), Some(kind));
            assert_eq!(EventKind::from_name(&format!(".{}", kind.name())), Some(kind));
            assert_eq!(EventKind::from_name(&kind.broadcast_name()), Some(kind));
        }
        assert_eq!(EventKind::UserCreated.broadcast_name(), "App\\Events\\UserCreated");
        assert_eq!(EventKind::from_name("Other\\Events\\UserCreated"), None);
        assert_eq!(EventKind::from_name("usercreated"), None);
        assert_eq!(EventKind::from_name(""), None);
    }

    #[test]
    fn a_record_without_channel_or_time_still_decodes() {
        let record: EventRecord =
            serde_json::from_value(json!({"id": "e1", "event": "App\\Events\\UserCreated"})).unwrap();
        assert_eq!((record.channel, record.occurred_at.as_str()), (None, ""));
        assert_eq!(record.data, json!(null));
    }
}
