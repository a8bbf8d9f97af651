//! Filters over the history: by the kind of channel an event came on and by severity.

use crate::catalogue::{Notification, Severity};

/// Whom a channel is for, read from its name (`private-tenant.1`, `private-user.4`,
/// `private-admin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Tenant,
    User,
    Admin,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 3] = [ChannelKind::Tenant, ChannelKind::User, ChannelKind::Admin];

    /// The kind of the channel named `channel`, or `None` for a name that says none of them.
    pub fn of(channel: &str) -> Option<ChannelKind> {
        let name = channel.trim_start_matches("private-").trim_start_matches("presence-");
        let head = name.split(['.', '-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        if head.starts_with("tenant") {
            Some(ChannelKind::Tenant)
        } else if head.starts_with("user") {
            Some(ChannelKind::User)
        } else if head.starts_with("admin") || head.starts_with("system") {
            Some(ChannelKind::Admin)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Tenant => "tenant",
            ChannelKind::User => "user",
            ChannelKind::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Which notifications to list; `None` in a field lets every value through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub channel: Option<ChannelKind>,
    pub severity: Option<Severity>,
}

impl Filter {
    pub fn matches(&self, notification: &Notification) -> bool {
        let channel_ok = self
            .channel
            .is_none_or(|wanted| notification.channel.as_deref().and_then(ChannelKind::of) == Some(wanted));
        let severity_ok = self.severity.is_none_or(|wanted| notification.severity == wanted);
        channel_ok && severity_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn channel_kinds() {
        for (name, kind) in [
            ("private-tenant.1", Some(ChannelKind::Tenant)),
            ("tenant.7", Some(ChannelKind::Tenant)),
            ("private-user.4", Some(ChannelKind::User)),
            ("private-admin", Some(ChannelKind::Admin)),
            ("private-admins", Some(ChannelKind::Admin)),
            ("presence-system.alerts", Some(ChannelKind::Admin)),
            ("public-news", None),
            ("", None),
        ] {
            assert_eq!(ChannelKind::of(name), kind, "{name}");
        }
    }

    #[test]
    fn filters_by_channel_and_severity() {
        let on = |kind: &str, channel: Option<&str>| {
            Notification::from_event(kind, channel, &json!({}), String::new)
        };
        let created = on("UserCreated", Some("private-tenant.1"));
        let password = on("PasswordChanged", Some("private-user.4"));
        let app = on("App", None);
        let check = |filter: Filter, expect: [bool; 3]| {
            let got = [&created, &password, &app].map(|n| filter.matches(n));
            assert_eq!(got, expect, "{filter:?}");
        };
        check(Filter::default(), [true, true, true]);
        check(Filter { channel: Some(ChannelKind::Tenant), severity: None }, [true, false, false]);
        check(Filter { channel: Some(ChannelKind::User), severity: None }, [false, true, false]);
        check(Filter { channel: None, severity: Some(Severity::Warning) }, [false, true, false]);
        check(
            Filter { channel: Some(ChannelKind::Tenant), severity: Some(Severity::Warning) },
            [false, false, false],
        );
    }
}
