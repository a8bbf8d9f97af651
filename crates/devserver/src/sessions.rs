//! Sign-in families and refresh-token rotation (CONTRACT.md, "Refresh").
//!
//! Each sign-in starts a family: a random id that every token handed out since shares (the
//! access tokens' `fam` claim, the refresh tokens' row). A refresh token is good for one
//! `POST /api/refresh`, which spends it and hands out a new access token and a new refresh
//! token of the same family. Presenting a spent one again means two parties hold the same
//! token, one of them a thief: the whole family is revoked (the refresh-token reuse detection
//! of the OAuth 2.0 Security Best Current Practice, RFC 9700 §4.14), so both are signed out.
//! Logout revokes the family too.
//!
//! Each refresh token lives for its sign-in's lifetime from when it was handed out (a session
//! lasts as long as it is used at least that often): `--refresh-ttl` with "keep me signed in"
//! (`remember`), else at most [`BROWSER_SESSION_LIMIT`]. `--refresh-ttl 0` hands out no
//! refresh token at all, as a backend without `/api/refresh` does (the client then signs out
//! at `exp`); sign-ins are still families, so logout works the same.
//!
//! Everything reads the devserver's [`Clock`], so tests move time to expire tokens.
//!
//! Invariant: the refresh tokens themselves are never stored nor logged, only their SHA-256.

use std::time::Duration;

use herald_contract::{TenantStatus, TokenGrant, UserId, UserStatus};

use crate::clock::{Clock, from_unix_seconds, rfc3339_seconds, unix_seconds};
use crate::config::Config;
use crate::store::Tx;
use crate::tokens::{RefreshToken, Tokens, random_hex, refresh_token_hash};

/// The longest a refresh token of a sign-in without "keep me signed in" lives.
///
/// Such a sign-in should last until the browser session ends, which is the client's storage
/// choice (it keeps the tokens in `sessionStorage`). The server cannot see a browser close,
/// so it bounds what it cannot see: a refresh token left behind in a browser session that was
/// never closed stops working after this long without use.
pub const BROWSER_SESSION_LIMIT: Duration = Duration::from_secs(12 * 3600);

/// Hands out and rotates the tokens of sign-in families.
pub struct Sessions<'a> {
    tokens: &'a Tokens,
    clock: &'a Clock,
    /// `--refresh-ttl`: a refresh token's lifetime with "keep me signed in"; zero for none.
    remembered: Duration,
}

/// Why a refresh token was refused. All of them answer 401; the distinction is for tests
/// and the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Never handed out, or forgotten since it expired.
    Unknown,
    Expired,
    /// Its family was revoked: by logout, or by an earlier reuse.
    Revoked,
    /// Spent already: the family is revoked now.
    Reused,
    /// The person may no longer sign in: suspended (which also moves the user to a new
    /// token generation), deleted, or their tenant is not active.
    AccountClosed,
}

impl<'a> Sessions<'a> {
    pub fn new(tokens: &'a Tokens, clock: &'a Clock, config: &Config) -> Sessions<'a> {
        Sessions { tokens, clock, remembered: config.refresh_ttl }
    }

    /// How long each refresh token of a sign-in lives; `None` when refresh is off.
    pub fn refresh_lifetime(&self, remember: bool) -> Option<Duration> {
        let lifetime = if remember { self.remembered } else { self.remembered.min(BROWSER_SESSION_LIMIT) };
        (!lifetime.is_zero()).then_some(lifetime)
    }

    /// Starts a sign-in family for `user_id` at token `generation` and hands out its first
    /// tokens. The caller has checked the password and that the account may sign in.
    pub fn sign_in(
        &self,
        tx: &Tx<'_>,
        user_id: UserId,
        generation: u64,
        remember: bool,
    ) -> Result<TokenGrant, rusqlite::Error> {
        let family = random_hex();
        tx.start_family(&family, user_id, generation, remember, self.clock.unix_seconds())?;
        self.hand_out(tx, &family, user_id, generation, remember)
    }

    /// Spends `presented` and hands out the family's next tokens, or says why not. A reused
    /// token revokes its family, which the caller must commit although it answers 401: so this
    /// returns the refusal as `Ok(Err(..))`, and `Err` only for a database failure.
    pub fn refresh(
        &self,
        tx: &Tx<'_>,
        presented: &str,
    ) -> Result<Result<TokenGrant, Refusal>, rusqlite::Error> {
        let hash = refresh_token_hash(presented);
        let Some(stored) = tx.refresh_token(&hash)? else {
            return Ok(Err(Refusal::Unknown));
        };
        if stored.family_revoked {
            return Ok(Err(Refusal::Revoked));
        }
        if self.clock.unix_seconds() >= stored.expires_at {
            return Ok(Err(Refusal::Expired));
        }
        let may_sign_in = tx.account(stored.user_id)?.is_some_and(|account| {
            account.user.status == UserStatus::Active
                && account.token_generation == stored.token_generation
                && matches!(account.tenant_status, None | Some(TenantStatus::Active))
        });
        if !may_sign_in {
            return Ok(Err(Refusal::AccountClosed));
        }
        if !tx.spend_refresh_token(&hash)? {
            tx.revoke_family(&stored.family)?;
            eprintln!(
                "herald-devserver: a spent refresh token of user {} was presented again; every token of that sign-in is revoked",
                stored.user_id
            );
            return Ok(Err(Refusal::Reused));
        }
        self.hand_out(tx, &stored.family, stored.user_id, stored.token_generation, stored.remember).map(Ok)
    }

    /// A new access token of `family`, and a refresh token unless refresh is off.
    fn hand_out(
        &self,
        tx: &Tx<'_>,
        family: &str,
        user_id: UserId,
        generation: u64,
        remember: bool,
    ) -> Result<TokenGrant, rusqlite::Error> {
        let access = self.tokens.issue(user_id, generation, Some(family));
        let mut grant = TokenGrant {
            token: access.token,
            token_type: "Bearer".to_owned(),
            expires_at: Some(rfc3339_seconds(access.expires_at)),
            expires_in: Some(access.expires_in),
            refresh_token: None,
            refresh_expires_at: None,
        };
        let mut kept_until = unix_seconds(access.expires_at);
        if let Some(lifetime) = self.refresh_lifetime(remember) {
            let refresh = RefreshToken::generate();
            let expires_at = self.clock.unix_seconds().saturating_add(lifetime.as_secs());
            tx.add_refresh_token(&refresh.hash, family, user_id, expires_at)?;
            kept_until = kept_until.max(expires_at);
            grant.refresh_token = Some(refresh.token);
            grant.refresh_expires_at = Some(rfc3339_seconds(from_unix_seconds(expires_at)));
        }
        tx.keep_family_until(family, kept_until)?;
        Ok(grant)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use crate::clock::Clock;
    use crate::config::Config;
    use crate::sessions::{BROWSER_SESSION_LIMIT, Refusal, Sessions};
    use crate::store::Store;
    use crate::tokens::Tokens;

    #[test]
    fn without_keep_me_signed_in_a_refresh_token_lives_at_most_12_hours() {
        let clock = Clock::manual(UNIX_EPOCH);
        let tokens = Tokens::new("secret", Duration::from_secs(900), clock.clone());
        let check = |refresh_ttl: u64, remember: bool, expect: Option<Duration>| {
            let config = Config { refresh_ttl: Duration::from_secs(refresh_ttl), ..Config::default() };
            let sessions = Sessions::new(&tokens, &clock, &config);
            assert_eq!(sessions.refresh_lifetime(remember), expect, "{refresh_ttl} s, remember {remember}");
        };
        let month = 30 * 24 * 3600;
        check(month, true, Some(Duration::from_secs(month)));
        check(month, false, Some(BROWSER_SESSION_LIMIT));
        check(60, true, Some(Duration::from_secs(60)));
        check(60, false, Some(Duration::from_secs(60)));
        check(0, true, None);
        check(0, false, None);
    }

    /// Of two refreshes racing with one token, the second finds it spent and is treated as
    /// reuse: the store's spend is one conditional `UPDATE`, so both cannot succeed.
    #[test]
    fn a_token_is_spent_once_even_when_two_refreshes_race() {
        let clock = Clock::manual(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        let tokens = Tokens::new("secret", Duration::from_secs(900), clock.clone());
        let config = Config::default();
        let sessions = Sessions::new(&tokens, &clock, &config);
        let store = Store::in_memory();
        let first = store.write(|tx| sessions.sign_in(tx, 4, 0, false)).unwrap();
        let presented = first.refresh_token.unwrap();
        let outcomes: Vec<bool> = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..2)
                .map(|_| scope.spawn(|| store.write(|tx| sessions.refresh(tx, &presented)).unwrap().is_ok()))
                .collect();
            racers.into_iter().map(|racer| racer.join().unwrap()).collect()
        });
        assert_eq!(outcomes.iter().filter(|succeeded| **succeeded).count(), 1, "{outcomes:?}");
        assert_eq!(store.write(|tx| sessions.refresh(tx, &presented)).unwrap(), Err(Refusal::Revoked));
    }
}
