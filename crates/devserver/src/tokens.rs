//! Bearer tokens: HS256 JWTs with `sub`, `iat`, `exp`, `jti` and `fam`; and refresh tokens.
//!
//! A JWT rather than an opaque token because the app reads `exp` to sign out on expiry without
//! waiting for a 401. Expiry is checked here against [`Clock`] instead of by `jsonwebtoken`
//! (whose check reads the system clock and allows a minute of leeway), so tests control "now"
//! and a token is rejected exactly when its `exp` is reached. Logout cannot un-sign a JWT, so
//! it records the `jti` in the store's revoked set and revokes the token's sign-in family
//! (`fam`, see `crate::sessions`); suspension moves the user to a new generation (`gen`),
//! which revokes all of their tokens at once.
//!
//! A refresh token is the opposite: an opaque random string ([`RefreshToken::generate`]) that
//! means nothing without the store, which keeps only its SHA-256 ([`refresh_token_hash`]), so
//! a copy of the database hands out no live token.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use herald_contract::UserId;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::Clock;

/// The registered claims the devserver puts in a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string as RFC 7519 has it.
    pub sub: String,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Expires at, Unix seconds: the token is refused from this second on.
    pub exp: u64,
    /// A random id, so one token can be revoked on logout.
    pub jti: String,
    /// The user's token generation when the token was issued. Suspending a user starts a new
    /// generation, which revokes every token issued before in one step.
    #[serde(default, rename = "gen")]
    pub generation: u64,
    /// The sign-in family the token belongs to: every access and refresh token handed out
    /// since one sign-in shares it, and revoking the family (logout, a refresh token used
    /// twice) refuses them all. `None` for a token minted outside a sign-in (tests).
    #[serde(default, rename = "fam", skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
}

/// A freshly signed token and what the login response says about it.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: SystemTime,
    /// Seconds from now to `expires_at`: the answer's `expires_in`.
    pub expires_in: u64,
}

/// Why a presented token was not accepted. All of them answer 401; the distinction is for
/// tests and logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Not a JWT, a wrong signature, another algorithm, or claims missing.
    Invalid,
    Expired,
}

/// Signs and checks tokens with one secret and lifetime.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
    clock: Clock,
}

impl Tokens {
    pub fn new(secret: &str, ttl: Duration, clock: Clock) -> Tokens {
        Tokens {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            ttl,
            clock,
        }
    }

    /// A token for `user_id` in the user's current token `generation`, of the sign-in
    /// `family` when it has one.
    pub fn issue(&self, user_id: UserId, generation: u64, family: Option<&str>) -> IssuedToken {
        let iat = self.clock.unix_seconds();
        let exp = iat.saturating_add(self.ttl.as_secs());
        let claims = Claims {
            sub: user_id.to_string(),
            iat,
            exp,
            jti: random_hex(),
            generation,
            family: family.map(str::to_owned),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing with an HMAC key cannot fail");
        IssuedToken { token, expires_at: UNIX_EPOCH + Duration::from_secs(exp), expires_in: exp - iat }
    }

    /// The claims of a token this server signed and that has not expired. Revocation is the
    /// store's business, checked by the caller.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if self.clock.unix_seconds() >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

impl Claims {
    pub fn user_id(&self) -> Option<UserId> {
        self.sub.parse().ok()
    }
}

/// A new refresh token, as handed to the client once; the store keeps only [`Self::hash`].
pub struct RefreshToken {
    pub token: String,
    pub hash: String,
}

impl RefreshToken {
    /// 32 random bytes from the operating system's generator, hex-encoded.
    pub fn generate() -> RefreshToken {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let hash = refresh_token_hash(&token);
        RefreshToken { token, hash }
    }
}

/// The SHA-256 of a presented refresh token, hex-encoded: what the store looks it up by. The
/// token has 256 bits of entropy, so a plain hash (no salt, no slow KDF) cannot be reversed.
pub fn refresh_token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 16 random bytes, hex-encoded: a token id (`jti`) or a sign-in family's id.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use crate::clock::Clock;
    use crate::tokens::{RefreshToken, TokenError, Tokens, refresh_token_hash};

    fn tokens(ttl: u64) -> (Tokens, Clock) {
        let clock = Clock::manual(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        (Tokens::new("test-secret", Duration::from_secs(ttl), clock.clone()), clock)
    }

    #[test]
    fn a_token_is_refused_from_the_second_it_expires() {
        let (tokens, clock) = tokens(60);
        let issued = tokens.issue(4, 0, None);
        let claims = tokens.verify(&issued.token).unwrap();
        assert_eq!((claims.user_id(), claims.exp - claims.iat), (Some(4), 60));
        assert_eq!(issued.expires_at, UNIX_EPOCH + Duration::from_secs(claims.exp));
        assert_eq!(issued.expires_in, 60);
        clock.advance(Duration::from_secs(59));
        assert!(tokens.verify(&issued.token).is_ok());
        clock.advance(Duration::from_secs(1));
        assert_eq!(tokens.verify(&issued.token), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_invalid() {
        let (tokens, clock) = tokens(60);
        let other = Tokens::new("other-secret", Duration::from_secs(60), clock);
        assert_eq!(tokens.verify(&other.issue(1, 0, None).token), Err(TokenError::Invalid));
        assert_eq!(tokens.verify("not.a.jwt"), Err(TokenError::Invalid));
    }

    #[test]
    fn every_token_has_its_own_id() {
        let (tokens, _) = tokens(60);
        let first = tokens.verify(&tokens.issue(1, 0, None).token).unwrap();
        let second = tokens.verify(&tokens.issue(1, 0, None).token).unwrap();
        assert_ne!(first.jti, second.jti);
    }

    #[test]
    fn a_token_of_a_sign_in_carries_its_family() {
        let (tokens, _) = tokens(60);
        let claims = tokens.verify(&tokens.issue(1, 0, Some("f00d")).token).unwrap();
        assert_eq!(claims.family.as_deref(), Some("f00d"));
        assert_eq!(tokens.verify(&tokens.issue(1, 0, None).token).unwrap().family, None);
    }

    #[test]
    fn refresh_tokens_are_random_and_kept_as_their_hash() {
        let (first, second) = (RefreshToken::generate(), RefreshToken::generate());
        assert_ne!(first.token, second.token);
        assert_eq!(first.token.len(), 64);
        assert_eq!(first.hash, refresh_token_hash(&first.token));
        assert_ne!(first.hash, first.token);
        // SHA-256 of "abc", FIPS 180-2's first example.
        assert_eq!(
            refresh_token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
