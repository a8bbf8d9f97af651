//! The devserver's records beside the contract's (`herald_contract`'s users, tenants,
//! payments and hotspot users): what a route hands the store to create, what a signed-in
//! request knows about its account, and how passwords are kept.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use herald_contract::{Role, TenantId, TenantStatus, User};

/// The fields of a user to create; the password arrives already hashed.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub tenant_id: Option<TenantId>,
}

/// What a signed-in request needs to know about its user: the record, and the token
/// generation a token must carry to be accepted (see [`crate::store::Tx::set_user_status`]).
#[derive(Clone, Debug)]
pub struct Account {
    pub user: User,
    pub token_generation: u64,
    /// The status of the user's tenant; `None` for system admins.
    pub tenant_status: Option<TenantStatus>,
}

/// A payment to record, validated by the route.
#[derive(Clone, Debug)]
pub struct NewPayment {
    pub amount: String,
    pub currency: String,
    pub payer: String,
    pub reference: String,
}

/// Hashes a new password with Argon2 (tens of milliseconds: call it from a blocking task).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 with default parameters hashes any password")
        .to_string()
}

pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}
