//! Which channels a signed-in person listens to: the client core's
//! [`ChannelTemplates::channels_for`], the same rule the browser app follows, for the
//! backend's [`User`].

pub use herald_client::ChannelTemplates;
use herald_client::Person;

use crate::backend::{Role, User};

impl From<&User> for Person {
    /// A role this client does not know counts as a tenant's member.
    fn from(user: &User) -> Person {
        Person { id: user.id, tenant_id: user.tenant_id, system_admin: user.role == Role::SystemAdmin }
    }
}

#[cfg(test)]
mod tests {
    use crate::backend::{Role, User};
    use crate::channels::ChannelTemplates;

    fn user(id: u64, role: Role, tenant_id: Option<u64>) -> User {
        User { id, name: "N".into(), email: "n@x".into(), role, tenant_id, status: "active".into() }
    }

    #[test]
    fn each_role_of_the_backend_gets_the_contracts_channels() {
        let check = |user: User, expect: &[&str]| {
            assert_eq!(ChannelTemplates::default().channels_for(&user), expect, "{user:?}");
        };
        check(user(2, Role::TenantAdmin, Some(1)), &["private-tenant.1", "private-user.2"]);
        check(user(4, Role::User, Some(1)), &["private-tenant.1", "private-user.4"]);
        check(user(1, Role::SystemAdmin, None), &["private-system.admin", "private-user.1"]);
        check(user(7, Role::Other, Some(3)), &["private-tenant.3", "private-user.7"]);
        check(user(8, Role::User, None), &["private-user.8"]);
    }
}
