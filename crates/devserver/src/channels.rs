//! The private channels Herald uses, and who may join each.
//!
//! One enum serves both directions: `/broadcasting/auth` parses a channel name into a
//! [`Channel`] and asks [`Channel::admits`]; the event publisher builds a [`Channel`] and
//! asks for its [`Channel::name`]. Keeping both in one place means the names a publisher
//! uses are exactly the names the authorizer accepts. This is Laravel's `routes/channels.php`.

use std::fmt;

use crate::store::{Role, TenantId, User, UserId};

/// A private channel the devserver knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// `private-user.{id}`: one user's own events.
    User(UserId),
    /// `private-tenant.{id}`: events about one tenant, for its members.
    Tenant(TenantId),
    /// `private-system.admin`: events for system admins.
    SystemAdmin,
}

impl Channel {
    /// The channel a name denotes, or `None` for any name the devserver does not authorize:
    /// public and presence channels, other prefixes, and ids that are not canonical decimal
    /// numbers (`private-user.04` is refused rather than read as user 4).
    pub fn parse(name: &str) -> Option<Channel> {
        if name == "private-system.admin" {
            return Some(Channel::SystemAdmin);
        }
        if let Some(id) = name.strip_prefix("private-user.") {
            return canonical_id(id).map(Channel::User);
        }
        if let Some(id) = name.strip_prefix("private-tenant.") {
            return canonical_id(id).map(Channel::Tenant);
        }
        None
    }

    pub fn name(&self) -> String {
        self.to_string()
    }

    /// Whether `user` may subscribe: a user to their own channel, any member of a tenant
    /// (whatever their role) to that tenant's channel, system admins to the admin channel.
    pub fn admits(&self, user: &User) -> bool {
        match *self {
            Channel::User(id) => user.id == id,
            Channel::Tenant(id) => user.tenant_id == Some(id),
            Channel::SystemAdmin => user.role == Role::SystemAdmin,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Channel::User(id) => write!(f, "private-user.{id}"),
            Channel::Tenant(id) => write!(f, "private-tenant.{id}"),
            Channel::SystemAdmin => f.write_str("private-system.admin"),
        }
    }
}

fn canonical_id(text: &str) -> Option<u64> {
    let id: u64 = text.parse().ok()?;
    (id.to_string() == text).then_some(id)
}

#[cfg(test)]
mod tests {
    use crate::channels::Channel;
    use crate::store::Store;

    /// `expect` lists, for each channel name, which seeded users (1 Ada the system admin,
    /// 2 Olive of Acme, 3 Gus of Globex, 4 Uma of Acme, 5 Ian of pending Initech) may join it.
    fn check(name: &str, expect: &[u64]) {
        let store = Store::in_memory();
        let admitted: Vec<u64> = (1..=5)
            .filter(|&id| {
                let user = store.user(id).unwrap().unwrap();
                Channel::parse(name).is_some_and(|channel| channel.admits(&user))
            })
            .collect();
        assert_eq!(admitted, expect, "who may join {name}");
    }

    #[test]
    fn who_may_join_which_channel() {
        check("private-user.1", &[1]);
        check("private-user.4", &[4]);
        check("private-tenant.1", &[2, 4]);
        check("private-tenant.2", &[3]);
        check("private-tenant.3", &[5]);
        check("private-tenant.4", &[]);
        check("private-system.admin", &[1]);
        check("tenant.1", &[]);
        check("presence-tenant.1", &[]);
        check("private-user.04", &[]);
        check("private-user.", &[]);
        check("private-user.1.extra", &[]);
        check("private-system.admins", &[]);
        check("private-encrypted-user.1", &[]);
    }

    #[test]
    fn names_round_trip() {
        for channel in [Channel::User(7), Channel::Tenant(1), Channel::SystemAdmin] {
            assert_eq!(Channel::parse(&channel.name()), Some(channel));
        }
    }
}
