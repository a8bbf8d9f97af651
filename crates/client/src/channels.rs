//! Which channels a signed-in person listens to (CONTRACT.md, "Who subscribes"): tenant
//! admins and users get their tenant's channel and their own; system admins get the admin
//! channel and their own.

use herald_contract::{ChannelTemplates, Role, User};

/// Who a person is, as far as their channels go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    pub id: u64,
    /// `None` for system admins, who belong to no tenant.
    pub tenant_id: Option<u64>,
    pub system_admin: bool,
}

impl From<&User> for Person {
    /// A role this client does not know counts as a tenant's member.
    fn from(user: &User) -> Person {
        Person { id: user.id, tenant_id: user.tenant_id, system_admin: user.role == Role::SystemAdmin }
    }
}

/// The channels `person` listens to, named by `templates` (`config.json`'s `channels`): the
/// admin channel (system admins) or the tenant's channel (everyone else who has a tenant),
/// then their own.
pub fn channels_for(templates: &ChannelTemplates, person: impl Into<Person>) -> Vec<String> {
    let person = person.into();
    let fill = |template: &str| {
        let tenant_id = person.tenant_id.map(|id| id.to_string()).unwrap_or_default();
        template.replace("{tenant_id}", &tenant_id).replace("{user_id}", &person.id.to_string())
    };
    let mut channels = Vec::with_capacity(2);
    match (person.system_admin, person.tenant_id) {
        (true, _) => channels.push(fill(&templates.admin)),
        (false, Some(_)) => channels.push(fill(&templates.tenant)),
        (false, None) => {}
    }
    channels.push(fill(&templates.user));
    channels
}

#[cfg(test)]
mod tests {
    use herald_contract::{ChannelTemplates, Role, User};

    use crate::channels::{Person, channels_for};

    fn check(templates: &ChannelTemplates, person: Person, expect: &[&str]) {
        assert_eq!(channels_for(templates, person), expect, "{person:?}");
    }

    fn member(id: u64, tenant_id: Option<u64>) -> Person {
        Person { id, tenant_id, system_admin: false }
    }

    #[test]
    fn each_role_of_the_backend_gets_the_contracts_channels() {
        let user = |id, role, tenant_id| User {
            id,
            name: "N".into(),
            email: "n@x".into(),
            role,
            tenant_id,
            status: Default::default(),
        };
        let defaults = ChannelTemplates::default();
        let check = |user: User, expect: &[&str]| check(&defaults, Person::from(&user), expect);
        check(user(2, Role::TenantAdmin, Some(1)), &["private-tenant.1", "private-user.2"]);
        check(user(4, Role::User, Some(1)), &["private-tenant.1", "private-user.4"]);
        check(user(1, Role::SystemAdmin, None), &["private-system.admin", "private-user.1"]);
        let auditor = serde_json::from_str(r#""auditor""#).expect("an unknown role is read");
        check(user(7, auditor, Some(3)), &["private-tenant.3", "private-user.7"]);
        check(user(8, Role::User, None), &["private-user.8"]);
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
