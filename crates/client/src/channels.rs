//! Which channels a signed-in person listens to (CONTRACT.md, "Who subscribes"): tenant
//! admins and users get their tenant's channel and their own; system admins get the admin
//! channel and their own.

use serde::Deserialize;

/// Channel name templates, as `config.json`'s `channels` gives them. `{tenant_id}` and
/// `{user_id}` are replaced by the person's ids.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChannelTemplates {
    /// A tenant's channel. Default: `private-tenant.{tenant_id}`.
    pub tenant: String,
    /// A person's own channel. Default: `private-user.{user_id}`.
    pub user: String,
    /// The system admins' channel. Default: `private-system.admin`.
    pub admin: String,
}

impl Default for ChannelTemplates {
    fn default() -> Self {
        ChannelTemplates {
            tenant: "private-tenant.{tenant_id}".to_owned(),
            user: "private-user.{user_id}".to_owned(),
            admin: "private-system.admin".to_owned(),
        }
    }
}

/// Who a person is, as far as their channels go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    pub id: u64,
    /// `None` for system admins, who belong to no tenant.
    pub tenant_id: Option<u64>,
    pub system_admin: bool,
}

impl ChannelTemplates {
    /// The channels `person` listens to: the admin channel (system admins) or the tenant's
    /// channel (everyone else who has a tenant), then their own.
    pub fn channels_for(&self, person: impl Into<Person>) -> Vec<String> {
        let person = person.into();
        let fill = |template: &str| {
            let tenant_id = person.tenant_id.map(|id| id.to_string()).unwrap_or_default();
            template.replace("{tenant_id}", &tenant_id).replace("{user_id}", &person.id.to_string())
        };
        let mut channels = Vec::with_capacity(2);
        match (person.system_admin, person.tenant_id) {
            (true, _) => channels.push(fill(&self.admin)),
            (false, Some(_)) => channels.push(fill(&self.tenant)),
            (false, None) => {}
        }
        channels.push(fill(&self.user));
        channels
    }
}

#[cfg(test)]
mod tests {
    use crate::channels::{ChannelTemplates, Person};

    fn check(templates: &ChannelTemplates, person: Person, expect: &[&str]) {
        assert_eq!(templates.channels_for(person), expect, "{person:?}");
    }

    fn member(id: u64, tenant_id: Option<u64>) -> Person {
        Person { id, tenant_id, system_admin: false }
    }

    #[test]
    fn each_role_gets_the_contracts_channels() {
        let defaults = ChannelTemplates::default();
        check(&defaults, member(2, Some(1)), &["private-tenant.1", "private-user.2"]);
        check(&defaults, member(8, None), &["private-user.8"]);
        let admin = Person { id: 1, tenant_id: None, system_admin: true };
        check(&defaults, admin, &["private-system.admin", "private-user.1"]);
        // A system admin gets the admin channel, never a tenant's, even with a tenant id.
        let admin_of_a_tenant = Person { id: 3, tenant_id: Some(5), system_admin: true };
        check(&defaults, admin_of_a_tenant, &["private-system.admin", "private-user.3"]);
    }

    #[test]
    fn other_templates_are_filled_the_same_way() {
        // The seeds' public-channel style.
        let public = ChannelTemplates {
            tenant: "tenant.{tenant_id}".into(),
            user: "user.{user_id}".into(),
            ..ChannelTemplates::default()
        };
        check(&public, member(2, Some(1)), &["tenant.1", "user.2"]);
        // A template may use both placeholders, or one twice.
        let nested = ChannelTemplates {
            user: "private-tenant.{tenant_id}.user.{user_id}".into(),
            tenant: "t{tenant_id}-{tenant_id}".into(),
            ..ChannelTemplates::default()
        };
        check(&nested, member(7, Some(3)), &["t3-3", "private-tenant.3.user.7"]);
    }

    #[test]
    fn config_json_gives_the_templates() {
        let parsed: ChannelTemplates = serde_json::from_str(
            r#"{"tenant": "tenant.{tenant_id}", "user": "user.{user_id}", "admin": "admins"}"#,
        )
        .unwrap();
        check(&parsed, Person { id: 1, tenant_id: None, system_admin: true }, &["admins", "user.1"]);
        let missing = serde_json::from_str::<ChannelTemplates>(r#"{"tenant": "t"}"#).unwrap_err();
        assert!(missing.to_string().contains("missing field `user`"), "{missing}");
    }
}
