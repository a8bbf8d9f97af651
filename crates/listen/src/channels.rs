//! Which channels a signed-in person listens to (CONTRACT.md, "Who subscribes"): tenant
//! admins and users get their tenant's channel and their own; system admins get the admin
//! channel and their own.

use herald_contract::{Role, User};

/// Channel name templates. `{tenant_id}` and `{user_id}` are replaced by the person's ids.
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl ChannelTemplates {
    /// The channels `user` listens to: the admin channel (system admins) or the tenant's
    /// channel (everyone else who has a tenant), then their own.
    pub fn channels_for(&self, user: &User) -> Vec<String> {
        let fill = |template: &str| {
            let tenant_id = user.tenant_id.map(|id| id.to_string()).unwrap_or_default();
            template.replace("{tenant_id}", &tenant_id).replace("{user_id}", &user.id.to_string())
        };
        let mut channels = Vec::new();
        match (user.role, user.tenant_id) {
            (Role::SystemAdmin, _) => channels.push(fill(&self.admin)),
            (_, Some(_)) => channels.push(fill(&self.tenant)),
            (_, None) => {}
        }
        channels.push(fill(&self.user));
        channels
    }
}

#[cfg(test)]
mod tests {
    use crate::channels::ChannelTemplates;
    use herald_contract::{Role, User};

    fn user(id: u64, role: Role, tenant_id: Option<u64>) -> User {
        User { id, name: "N".into(), email: "n@x".into(), role, tenant_id, status: Default::default() }
    }

    #[test]
    fn each_role_gets_the_contracts_channels() {
        let check = |templates: &ChannelTemplates, user: User, expect: &[&str]| {
            assert_eq!(templates.channels_for(&user), expect, "{user:?}");
        };
        let defaults = ChannelTemplates::default();
        check(&defaults, user(2, Role::TenantAdmin, Some(1)), &["private-tenant.1", "private-user.2"]);
        check(&defaults, user(4, Role::User, Some(1)), &["private-tenant.1", "private-user.4"]);
        check(&defaults, user(1, Role::SystemAdmin, None), &["private-system.admin", "private-user.1"]);
        check(
            &defaults,
            user(7, serde_json::from_str(r#""auditor""#).unwrap(), Some(3)),
            &["private-tenant.3", "private-user.7"],
        );
        check(&defaults, user(8, Role::User, None), &["private-user.8"]);

        // The seeds' public-channel style.
        let public = ChannelTemplates {
            tenant: "tenant.{tenant_id}".into(),
            user: "user.{user_id}".into(),
            ..defaults
        };
        check(&public, user(2, Role::TenantAdmin, Some(1)), &["tenant.1", "user.2"]);
    }
}
