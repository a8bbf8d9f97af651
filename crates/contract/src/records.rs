//! The people and organisations of the contract: `user {id, name, email, role, tenant_id,
//! status}` and `tenant {id, name, email, status}`, as `/api/me`, the lists and the events
//! carry them.
//!
//! Deserializing is strict where the contract is (an id is a number, a status one of its
//! words); an event's payload from someone else's server is read leniently instead, with
//! [`User::from_payload`] and [`Tenant::from_payload`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::payload::{id, optional_id, text};

pub type UserId = u64;
pub type TenantId = u64;

/// What a user may do, as the contract spells it on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SystemAdmin,
    TenantAdmin,
    /// An end user of a tenant. Unknown roles get the least privilege.
    #[default]
    #[serde(other)]
    User,
}

/// Whether an account may sign in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    #[default]
    Active,
    Suspended,
}

/// Where a tenant is in its life: registered and waiting for approval, active, or suspended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    Pending,
    #[default]
    Active,
    Suspended,
}

/// A person with an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// `None` for system admins, who belong to no tenant.
    #[serde(default)]
    pub tenant_id: Option<TenantId>,
    #[serde(default)]
    pub status: UserStatus,
}

/// An organisation using the service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub status: TenantStatus,
}

wire_words!(Role { SystemAdmin => "system_admin", TenantAdmin => "tenant_admin", User => "user" });
wire_words!(UserStatus { Active => "active", Suspended => "suspended" });
wire_words!(TenantStatus { Pending => "pending", Active => "active", Suspended => "suspended" });

impl Role {
    /// The role in words, for people: "Tenant admin".
    pub fn label(self) -> &'static str {
        match self {
            Role::SystemAdmin => "System admin",
            Role::TenantAdmin => "Tenant admin",
            Role::User => "User",
        }
    }
}

/// A role as a payload spells it; a missing or unknown one is [`Role::User`], the least privilege.
fn lenient_role(v: &Value) -> Role {
    Role::parse(&text(v)).unwrap_or_default()
}

fn lenient_user_status(v: &Value) -> UserStatus {
    UserStatus::parse(&text(v)).unwrap_or_default()
}

fn lenient_tenant_status(v: &Value) -> TenantStatus {
    TenantStatus::parse(&text(v)).unwrap_or_default()
}

// An id that is not a number is 0 (no record), a missing or unknown role or status the
// default, and text fields that are numbers are shown as text.
from_payload!(User {
    id: id,
    name: text,
    email: text,
    role: lenient_role,
    tenant_id: optional_id,
    status: lenient_user_status,
});
from_payload!(Tenant { id: id, name: text, email: text, status: lenient_tenant_status });

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::records::{Role, Tenant, TenantStatus, User, UserStatus};

    #[test]
    fn users_decode_from_the_contract_shape() {
        let user: User = serde_json::from_value(json!({
            "id": 1, "name": "Ada", "email": "admin@herald.test", "role": "system_admin",
            "tenant_id": null, "status": "active"
        }))
        .unwrap();
        assert_eq!((user.role, user.tenant_id, user.status), (Role::SystemAdmin, None, UserStatus::Active));
        let odd: User = serde_json::from_value(
            json!({"id": 9, "name": "X", "email": "x@y", "role": "auditor", "tenant_id": 3}),
        )
        .unwrap();
        assert_eq!((odd.role, odd.tenant_id, odd.status), (Role::User, Some(3), UserStatus::Active));
        assert!(
            serde_json::from_value::<User>(json!({"id": "1", "name": "", "email": "", "role": "user"}))
                .is_err()
        );
    }

    #[test]
    fn a_record_serializes_as_the_contract_spells_it() {
        let tenant =
            Tenant { id: 3, name: "Initech".into(), email: "o@i.test".into(), status: TenantStatus::Pending };
        assert_eq!(
            serde_json::to_value(&tenant).unwrap(),
            json!({"id": 3, "name": "Initech", "email": "o@i.test", "status": "pending"})
        );
        for role in Role::ALL {
            assert_eq!(serde_json::to_value(role).unwrap(), json!(role.as_str()));
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for status in TenantStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), json!(status.as_str()));
        }
        for status in UserStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), json!(status.as_str()));
        }
    }

    #[test]
    fn payloads_are_read_leniently() {
        let user = User::from_payload(&json!({"id": "7", "name": 42, "role": "root", "tenant_id": 1}));
        assert_eq!(
            user,
            User { id: 7, name: "42".into(), role: Role::User, tenant_id: Some(1), ..User::default() }
        );
        assert_eq!(User::from_payload(&json!("not an object")), User::default());
        assert_eq!(User::from_payload(&json!({"id": -3, "tenant_id": "x"})).tenant_id, None);
        let tenant = Tenant::from_payload(&json!({"id": 2, "name": " Globex ", "status": "suspended"}));
        assert_eq!((tenant.id, tenant.name.as_str(), tenant.status), (2, "Globex", TenantStatus::Suspended));
    }
}
