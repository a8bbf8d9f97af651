//! What a new database starts with: the contract's seeded tenants and accounts (CONTRACT.md,
//! "Dev defaults"), all with the password [`SEEDED_PASSWORD`], plus one registration waiting
//! for approval so the approvals page has something to show.

use std::sync::OnceLock;

use herald_contract::{Role, TenantStatus, UserStatus};
use rusqlite::params;

use crate::model::hash_password;

/// The password every seeded account has, as the contract's dev defaults say.
pub const SEEDED_PASSWORD: &str = "password";

/// Writes the seed into a new database's first transaction.
pub(crate) fn seed(tx: &rusqlite::Transaction<'_>) -> Result<(), rusqlite::Error> {
    let tenants = [
        (1, "Acme Networks", "billing@acme.test", TenantStatus::Active),
        (2, "Globex Hotspots", "billing@globex.test", TenantStatus::Active),
        (3, "Initech Wireless", "owner@initech.test", TenantStatus::Pending),
    ];
    for (id, name, email, status) in tenants {
        tx.execute(
            "INSERT INTO tenants (id, name, email, status) VALUES (?1, ?2, ?3, ?4)",
            params![id, name, email, status.as_str()],
        )?;
    }
    let hash = seeded_password_hash();
    let users = [
        (1, "Ada Admin", "admin@herald.test", Role::SystemAdmin, None),
        (2, "Olive Owner", "owner@acme.test", Role::TenantAdmin, Some(1)),
        (3, "Gus Owner", "owner@globex.test", Role::TenantAdmin, Some(2)),
        (4, "Uma User", "user@acme.test", Role::User, Some(1)),
        (5, "Ian Initech", "owner@initech.test", Role::TenantAdmin, Some(3)),
    ];
    for (id, name, email, role, tenant_id) in users {
        tx.execute(
            "INSERT INTO users (id, name, email, password_hash, role, tenant_id, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id, name, email, hash, role.as_str(), tenant_id, UserStatus::Active.as_str()],
        )?;
    }
    Ok(())
}

/// One Argon2 hash of [`SEEDED_PASSWORD`], computed once per process and shared by every seeded
/// account, as Laravel's `UserFactory` does with its static password: hashing is deliberately
/// slow, and a server (or a test suite building many servers) should pay for it once. Signing
/// in with an unknown email verifies against it too, so the time taken reveals nothing.
pub(crate) fn seeded_password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(SEEDED_PASSWORD))
}
