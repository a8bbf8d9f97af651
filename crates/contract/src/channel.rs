//! The private channels of the contract, and who may join each.
//!
//! One enum serves both directions: an authorizer parses a channel name into a [`Channel`]
//! and asks [`Channel::admits`]; a publisher builds a [`Channel`] and asks for its
//! [`Channel::name`]. Keeping both in one place means the names a publisher uses are exactly
//! the names the authorizer accepts. This is Laravel's `routes/channels.php`.

use std::fmt;

use crate::records::{Role, TenantId, User, UserId};

/// The kinds of channel a person can be on, as `config.json`'s `channels` names their
/// templates; also whom an event is for ([`crate::EventKind::audience`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// The members of one tenant: `private-tenant.{tenant_id}`.
    Tenant,
    /// One user: `private-user.{user_id}`.
    User,
    /// System admins: `private-system.admin`.
    Admin,
}

/// A private channel of the contract, with the names the demo backend uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `private-user.{id}`: one user's own events.
    User(UserId),
    /// `private-tenant.{id}`: events about one tenant, for its members.
    Tenant(TenantId),
    /// `private-system.admin`: events for system admins.
    SystemAdmin,
}

wire_words!(ChannelKind { Tenant => "tenant", User => "user", Admin => "admin" });

impl Channel {
    /// The channel a name denotes, or `None` for any name the contract does not authorize:
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

    pub fn kind(&self) -> ChannelKind {
        match self {
            Channel::User(_) => ChannelKind::User,
            Channel::Tenant(_) => ChannelKind::Tenant,
            Channel::SystemAdmin => ChannelKind::Admin,
        }
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
    use crate::channel::{Channel, ChannelKind};
    use crate::records::{Role, User};

    /// `expect` lists, for each channel name, which of these users may join it: 1 a system
    /// admin, 2 and 4 of tenant 1, 3 of tenant 2, 5 of tenant 3.
    fn check(name: &str, expect: &[u64]) {
        let users = [
            (1, Role::SystemAdmin, None),
            (2, Role::TenantAdmin, Some(1)),
            (3, Role::TenantAdmin, Some(2)),
            (4, Role::User, Some(1)),
            (5, Role::TenantAdmin, Some(3)),
        ]
        .map(|(id, role, tenant_id)| User { id, role, tenant_id, ..User::default() });
        let admitted: Vec<u64> = users
            .iter()
            .filter(|user| Channel::parse(name).is_some_and(|channel| channel.admits(user)))
            .map(|user| user.id)
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
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(kind.as_str()), Some(kind));
        }
    }
}
