//! Filters over the history: by the kind of channel an event came on and by severity.
//!
//! A channel's kind is the configured template it fills (`ChannelTemplates::kind_of`), not a
//! guess from the words in its name.

use herald_contract::{ChannelKind, ChannelTemplates};

use crate::catalogue::{Notification, Severity};

/// Which notifications to list; `None` in a field lets every value through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub channel: Option<ChannelKind>,
    pub severity: Option<Severity>,
}

impl Filter {
    /// Whether `notification` passes, its channel's kind read with `channels`, the templates
    /// the app subscribed with.
    pub fn matches(&self, notification: &Notification, channels: &ChannelTemplates) -> bool {
        let channel_ok = self.channel.is_none_or(|wanted| {
            notification.channel.as_deref().and_then(|name| channels.kind_of(name)) == Some(wanted)
        });
        let severity_ok = self.severity.is_none_or(|wanted| notification.severity == wanted);
        channel_ok && severity_ok
    }
}

#[cfg(test)]
mod tests {
    use herald_contract::{ChannelKind, ChannelTemplates};
    use serde_json::json;

    use crate::catalogue::{Notification, Severity};
    use crate::filter::Filter;

    #[test]
    fn filters_by_channel_and_severity() {
        let on = |kind: &str, channel: Option<&str>| {
            Notification::from_event(kind, channel, &json!({}), String::new)
        };
        let created = on("UserCreated", Some("private-tenant.1"));
        let password = on("PasswordChanged", Some("private-user.4"));
        let app = on("App", None);
        let templates = ChannelTemplates::default();
        let check = |filter: Filter, expect: [bool; 3]| {
            let got = [&created, &password, &app].map(|n| filter.matches(n, &templates));
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

    /// With templates of its own, a backend's channels are still told apart: the kind is the
    /// template a name fills, whatever words it uses.
    #[test]
    fn the_configured_templates_decide_a_channels_kind() {
        let templates = ChannelTemplates {
            tenant: "org-{tenant_id}".into(),
            user: "person-{user_id}".into(),
            admin: "operators".into(),
        };
        let on = |channel: &str| Notification::from_event("Anything", Some(channel), &json!({}), String::new);
        let tenant_only = Filter { channel: Some(ChannelKind::Tenant), severity: None };
        let admin_only = Filter { channel: Some(ChannelKind::Admin), severity: None };
        assert!(tenant_only.matches(&on("org-3"), &templates));
        assert!(
            !tenant_only.matches(&on("private-tenant.3"), &templates),
            "not this backend's tenant channel"
        );
        assert!(admin_only.matches(&on("operators"), &templates));
        assert!(!admin_only.matches(&on("private-system.admin"), &templates));
    }
}
