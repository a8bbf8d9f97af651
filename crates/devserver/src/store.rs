//! Accounts, tenants and revoked tokens: the devserver's only state.
//!
//! It lives in memory behind a mutex for now; SQLite comes later. The API is shaped for that
//! change: every method takes `&self`, returns owned values (never a reference into the
//! storage, which a database could not hand out) and names a question the routes ask
//! ("the user with this email", "is this token revoked") rather than exposing collections.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::Serialize;

pub type UserId = u64;
pub type TenantId = u64;

/// What a user may do, as the contract spells it on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SystemAdmin,
    TenantAdmin,
    User,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Suspended,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    Pending,
    Active,
    Suspended,
}

/// A user as the API shows it: `{id, name, email, role, tenant_id, status}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// `None` for system admins, who belong to no tenant.
    pub tenant_id: Option<TenantId>,
    pub status: UserStatus,
}

/// A tenant as events carry it: `{id, name, email, status}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub email: String,
    pub status: TenantStatus,
}

/// The devserver's data. Cheap to share behind an `Arc`; all methods lock internally.
pub struct Store {
    data: Mutex<Data>,
}

/// The password every seeded account has, as the contract's dev defaults say.
pub const SEEDED_PASSWORD: &str = "password";

struct Data {
    users: Vec<(User, PasswordHashString)>,
    tenants: Vec<Tenant>,
    /// Revoked token ids (`jti`) with the expiry (Unix seconds) after which the token would be
    /// rejected anyway, so the set can be pruned and stays as small as the live tokens.
    revoked: HashMap<String, u64>,
}

/// An Argon2 hash in PHC string form (`$argon2id$v=19$...`).
type PasswordHashString = String;

impl Store {
    /// The contract's seeded tenants and accounts, all with the password `password`.
    pub fn seeded() -> Store {
        let hash = seeded_password_hash().to_owned();
        let user = |id, name: &str, email: &str, role, tenant_id| {
            let user = User {
                id,
                name: name.to_owned(),
                email: email.to_owned(),
                role,
                tenant_id,
                status: UserStatus::Active,
            };
            (user, hash.clone())
        };
        let tenant = |id, name: &str, email: &str| Tenant {
            id,
            name: name.to_owned(),
            email: email.to_owned(),
            status: TenantStatus::Active,
        };
        Store {
            data: Mutex::new(Data {
                users: vec![
                    user(1, "Ada Admin", "admin@herald.test", Role::SystemAdmin, None),
                    user(2, "Olive Owner", "owner@acme.test", Role::TenantAdmin, Some(1)),
                    user(3, "Gus Owner", "owner@globex.test", Role::TenantAdmin, Some(2)),
                    user(4, "Uma User", "user@acme.test", Role::User, Some(1)),
                ],
                tenants: vec![
                    tenant(1, "Acme Networks", "billing@acme.test"),
                    tenant(2, "Globex Hotspots", "billing@globex.test"),
                ],
                revoked: HashMap::new(),
            }),
        }
    }

    pub fn user(&self, id: UserId) -> Option<User> {
        self.lock().users.iter().find(|(user, _)| user.id == id).map(|(user, _)| user.clone())
    }

    /// Users with `role`, in id order.
    pub fn users_with_role(&self, role: Role) -> Vec<User> {
        let data = self.lock();
        data.users.iter().filter(|(user, _)| user.role == role).map(|(user, _)| user.clone()).collect()
    }

    pub fn tenant(&self, id: TenantId) -> Option<Tenant> {
        self.lock().tenants.iter().find(|tenant| tenant.id == id).cloned()
    }

    /// The user whose email and password match. Emails compare case-insensitively, as they do
    /// under MySQL's default collation in a Laravel app.
    ///
    /// This runs Argon2 (tens of milliseconds): call it from a blocking task. An unknown email
    /// still costs one verification, so response time does not reveal which emails exist.
    pub fn user_with_credentials(&self, email: &str, password: &str) -> Option<User> {
        let found = self
            .lock()
            .users
            .iter()
            .find(|(user, _)| user.email.eq_ignore_ascii_case(email))
            .map(|(user, hash)| (user.clone(), hash.clone()));
        match found {
            Some((user, hash)) => password_matches(password, &hash).then_some(user),
            None => {
                password_matches(password, seeded_password_hash());
                None
            }
        }
    }

    /// Marks a token id as revoked until `expires_at` (Unix seconds), and forgets revocations
    /// whose tokens have expired by `now`.
    pub fn revoke_token(&self, jti: &str, expires_at: u64, now: u64) {
        let mut data = self.lock();
        data.revoked.retain(|_, expiry| *expiry > now);
        data.revoked.insert(jti.to_owned(), expires_at);
    }

    pub fn is_token_revoked(&self, jti: &str) -> bool {
        self.lock().revoked.contains_key(jti)
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        // A panic while holding the lock cannot leave `Data` half-updated in a way that matters
        // more than refusing every later request would, so a poisoned lock is simply reused.
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One Argon2 hash of [`SEEDED_PASSWORD`], computed once per process and shared by every seeded
/// account, as Laravel's `UserFactory` does with its static password: hashing is deliberately
/// slow, and a server (or a test suite building many servers) should pay for it once.
fn seeded_password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(SEEDED_PASSWORD.as_bytes(), &salt)
            .expect("Argon2 with default parameters hashes any password")
            .to_string()
    })
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use crate::store::{Role, SEEDED_PASSWORD, Store};

    #[test]
    fn seeded_accounts_log_in_with_the_dev_password_only() {
        let store = Store::seeded();
        let ada = store.user_with_credentials("ADMIN@herald.test", SEEDED_PASSWORD).unwrap();
        assert_eq!((ada.id, ada.role, ada.tenant_id), (1, Role::SystemAdmin, None));
        assert_eq!(store.user_with_credentials("admin@herald.test", "Password"), None);
        assert_eq!(store.user_with_credentials("nobody@herald.test", SEEDED_PASSWORD), None);
    }

    #[test]
    fn revocations_are_forgotten_once_the_token_has_expired_anyway() {
        let store = Store::seeded();
        store.revoke_token("old", 100, 50);
        store.revoke_token("new", 300, 200);
        assert!(store.is_token_revoked("new"));
        assert!(!store.is_token_revoked("old"), "pruned: it expired at 100, before 200");
    }
}
