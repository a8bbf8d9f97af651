//! Sessions that last the working day: when the session's tokens are refreshed, and what a
//! refresh that fails means (CONTRACT.md, "Refresh").
//!
//! A [`Refresher`] is told each grant (sign-in, refresh, or a sibling tab's refresh) as
//! [`Lifetimes`]: how long the tokens live, **measured from the answer**, never from the
//! browser's wall clock, so a laptop whose clock is hours off neither signs out at once nor
//! sends a dead token. It asks for a refresh at a fixed share of the access token's life, a
//! little earlier at random so that browsers signed in together do not refresh together; at
//! once when the machine wakes past that time. One tab per browser refreshes (the one holding
//! the socket, see `crate::tabs`), so a rotation is never raced; the others take the new
//! tokens from it.
//!
//! A refresh that does not reach the backend is retried with backoff until the refresh token
//! itself runs out: a backend outage shorter than that keeps the person signed in. Only the
//! backend's 401 (spent, expired or revoked: signed out elsewhere, or a stolen token replayed)
//! ends the session before then. A backend without refresh (no refresh token) keeps the old
//! rule: the session ends when the access token does.
//!
//! Time is [`Millis`] on the tab's monotonic clock; the shell turns deadlines into one timer.

use std::collections::VecDeque;
use std::fmt;

use herald_protocol::{Backoff, BackoffConfig, Millis};
use serde::{Deserialize, Serialize};

/// What the login page says when the tokens ran out.
pub const EXPIRED_NOTICE: &str = "Your session expired. Please sign in again.";

/// What the login page says when the backend refused a refresh.
pub const REFUSED_NOTICE: &str =
    "Your session was ended (signed out elsewhere, or it could not be renewed). Please sign in again.";

/// When the refresh is asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefreshConfig {
    /// The share of the access token's life after which it is refreshed. Default: 0.75.
    pub at_share: f64,
    /// Up to this share of the life earlier, at random. Default: 0.1.
    pub jitter_share: f64,
    /// The retries of a refresh that did not reach the backend. Default: 1 s doubling to 30 s.
    pub retry: BackoffConfig,
}

impl Default for RefreshConfig {
    fn default() -> Self {
        RefreshConfig { at_share: 0.75, jitter_share: 0.1, retry: BackoffConfig::default() }
    }
}

/// What the backend said about a grant's times, as the shell reads them. Times "at" are
/// milliseconds since the Unix epoch on the **server's** clock; only their differences are
/// used, unless nothing else is known.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GrantTimes {
    /// `expires_in`, in seconds from the answer.
    pub expires_in_s: Option<u64>,
    /// `expires_at`, or the JWT's `exp`.
    pub expires_at_ms: Option<f64>,
    /// The JWT's `iat`: when the server issued the token.
    pub issued_at_ms: Option<f64>,
    /// Whether the grant carries a refresh token.
    pub refreshable: bool,
    /// `refresh_expires_at`.
    pub refresh_expires_at_ms: Option<f64>,
}

/// How long a grant's tokens live from the moment its answer arrived (or, passed between
/// tabs, from the moment the message was sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifetimes {
    /// The access token's life; `None`: the backend did not say (it never expires here).
    pub access: Option<Millis>,
    /// Whether there is a refresh token.
    pub refreshable: bool,
    /// The refresh token's life, where the backend said it.
    pub refresh: Option<Millis>,
}

impl Lifetimes {
    /// The lifetimes a grant's times give, read at `wall_now_ms` (the browser's clock, used
    /// only when the backend sent nothing but an `expires_at`).
    ///
    /// In order of trust: `expires_in`; the JWT's `exp - iat` (both the server's clock);
    /// `expires_at` against the browser's clock, the one reading a wrong clock skews.
    pub fn of(times: &GrantTimes, wall_now_ms: f64) -> Lifetimes {
        let access_ms = match (times.expires_in_s, times.issued_at_ms, times.expires_at_ms) {
            (Some(seconds), _, _) => Some(seconds as f64 * 1000.0),
            (None, Some(issued), Some(expires)) => Some(expires - issued),
            (None, None, Some(expires)) => Some(expires - wall_now_ms),
            (None, _, None) => None,
        };
        // The server's clock when it answered, so the refresh token's life is a difference
        // of two server times too.
        let server_now_ms = match (times.expires_at_ms, access_ms) {
            (Some(expires), Some(access)) => expires - access,
            _ => wall_now_ms,
        };
        let refresh = times.refresh_expires_at_ms.filter(|_| times.refreshable);
        Lifetimes {
            access: access_ms.map(to_millis),
            refreshable: times.refreshable,
            refresh: refresh.map(|until| to_millis(until - server_now_ms)),
        }
    }
}

/// The refresh token's end, or the access token's if that is later.
fn later(refresh_until: Millis, access_until: Option<Millis>) -> Millis {
    access_until.map_or(refresh_until, |access| refresh_until.max(access))
}

fn to_millis(ms: f64) -> Millis {
    Millis(ms.max(0.0) as u64)
}

/// The session's tokens as a tab holds them and passes them to its siblings: their lives
/// counted from now.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldTokens {
    pub token: String,
    pub refresh_token: Option<String>,
    pub lifetimes: Lifetimes,
}

/// The session's tokens as saved for the next load: their ends on the browser's clock, as
/// that clock read them when the lives were measured. A clock that is wrong, but wrong by the
/// same amount after a reload, reads the same lives back.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedTokens {
    pub token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub access_until_ms: Option<f64>,
    #[serde(default)]
    pub refresh_until_ms: Option<f64>,
}

impl HeldTokens {
    pub fn saved(&self, wall_now_ms: f64) -> SavedTokens {
        let until = |life: Millis| wall_now_ms + life.0 as f64;
        SavedTokens {
            token: self.token.clone(),
            refresh_token: self.refresh_token.clone(),
            access_until_ms: self.lifetimes.access.map(until),
            refresh_until_ms: self.lifetimes.refresh.map(until),
        }
    }
}

impl SavedTokens {
    /// Whether these are a later grant than `other` (another tab refreshed): another refresh
    /// token, and an access token that ends later.
    pub fn is_newer_than(&self, other: &SavedTokens) -> bool {
        self.refresh_token.is_some()
            && self.refresh_token != other.refresh_token
            && self.access_until_ms.unwrap_or(f64::MIN) > other.access_until_ms.unwrap_or(f64::MIN)
    }

    pub fn held(self, wall_now_ms: f64) -> HeldTokens {
        let left = |until: f64| to_millis(until - wall_now_ms);
        HeldTokens {
            lifetimes: Lifetimes {
                access: self.access_until_ms.map(left),
                refreshable: self.refresh_token.is_some(),
                refresh: self.refresh_until_ms.map(left),
            },
            token: self.token,
            refresh_token: self.refresh_token,
        }
    }
}

/// Tokens are never shown: a `Debug` cannot leak one into a log.
impl fmt::Debug for HeldTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeldTokens").field("lifetimes", &self.lifetimes).finish_non_exhaustive()
    }
}

impl fmt::Debug for SavedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SavedTokens")
            .field("access_until_ms", &self.access_until_ms)
            .field("refresh_until_ms", &self.refresh_until_ms)
            .finish_non_exhaustive()
    }
}

/// What the shell is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshCommand {
    /// Send `POST /api/refresh` with the refresh token held now; answer with
    /// [`Refresher::answered`].
    Refresh,
    /// The session is over: sign out everywhere, showing `notice`.
    End { notice: String },
}

/// How a refresh went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// 200: new tokens, with these lifetimes.
    Granted(Lifetimes),
    /// 401: spent, expired or revoked.
    Refused,
    /// No answer, or one that was not the backend's word (a 5xx, a proxy's page).
    Unreachable,
}

/// The session's deadlines, on this tab's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Deadlines {
    access_until: Option<Millis>,
    /// `None`: no refresh token. `Some(None)`: one whose end the backend did not say.
    refresh_until: Option<Option<Millis>>,
    /// When this tab would refresh, if it is the one that does.
    due: Option<Millis>,
}

/// The refresh policy of one tab. See the module's documentation.
#[derive(Debug)]
pub struct Refresher {
    config: RefreshConfig,
    deadlines: Option<Deadlines>,
    /// Whether this tab is the one that refreshes.
    refreshes_here: bool,
    in_flight: bool,
    /// Refreshes in a row that did not reach the backend, and when to try again.
    failures: u32,
    /// Whether the tokens held came from a refresh a 401 asked for: a 401 for those too means
    /// refreshing cannot help (the backend refuses this person), and the session ends rather
    /// than refreshing in a loop.
    renewed_after_refusal: bool,
    /// Whether the refresh out now was asked for by a 401.
    asked_by_refusal: bool,
    retry_at: Option<Millis>,
    backoff: Backoff,
    commands: VecDeque<RefreshCommand>,
}

impl Refresher {
    /// `seed` seeds the retries' jitter.
    pub fn new(config: RefreshConfig, seed: u64) -> Refresher {
        Refresher {
            config,
            deadlines: None,
            refreshes_here: false,
            in_flight: false,
            failures: 0,
            renewed_after_refusal: false,
            asked_by_refusal: false,
            retry_at: None,
            backoff: Backoff::new(config.retry, seed),
            commands: VecDeque::new(),
        }
    }

    /// New tokens arrived at `now` (a sign-in, a refresh here or in a sibling tab, a restored
    /// session). `random` in `[0, 1)` places the refresh within the jitter.
    pub fn granted(&mut self, lifetimes: Lifetimes, now: Millis, random: f64) {
        let access_until = lifetimes.access.map(|life| now + life);
        let refresh_until = lifetimes.refreshable.then(|| lifetimes.refresh.map(|life| now + life));
        // At the share of the shorter life: a refresh token that ends before the access token
        // is refreshed in time too.
        let share = (self.config.at_share - self.config.jitter_share * random.clamp(0.0, 1.0)).max(0.0);
        let shorter = match (lifetimes.access, lifetimes.refresh) {
            (Some(access), Some(refresh)) => Some(access.min(refresh)),
            (access, refresh) => access.or(refresh),
        };
        let due = shorter
            .filter(|_| lifetimes.refreshable)
            .map(|life| now + Millis((life.0 as f64 * share) as u64));
        self.deadlines = Some(Deadlines { access_until, refresh_until, due });
        self.in_flight = false;
        self.failures = 0;
        self.retry_at = None;
    }

    /// Whether this tab refreshes (it holds the socket) or takes the tokens from the one
    /// that does.
    pub fn set_refreshes_here(&mut self, refreshes_here: bool, now: Millis) {
        self.refreshes_here = refreshes_here;
        if !refreshes_here {
            self.in_flight = false;
            self.retry_at = None;
        }
        self.handle_timeout(now);
    }

    /// The session ended: nothing is due any more.
    pub fn ended(&mut self) {
        self.deadlines = None;
        self.in_flight = false;
        self.failures = 0;
        self.retry_at = None;
        self.renewed_after_refusal = false;
        self.asked_by_refusal = false;
    }

    /// What is left of the tokens' lives at `now`, to pass on to another tab.
    pub fn remaining(&self, now: Millis) -> Option<Lifetimes> {
        let d = self.deadlines?;
        let left = |until: Millis| until.since(now);
        Some(Lifetimes {
            access: d.access_until.map(left),
            refreshable: d.refresh_until.is_some(),
            refresh: d.refresh_until.flatten().map(left),
        })
    }

    /// Whether the access token held may still be good at `now`.
    pub fn access_valid(&self, now: Millis) -> bool {
        self.deadlines.is_some_and(|d| d.access_until.is_none_or(|until| now < until))
    }

    /// When [`Refresher::handle_timeout`] should be called next.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let d = self.deadlines?;
        match d.refresh_until {
            None => d.access_until,
            Some(refresh_until) => {
                let refresh =
                    (self.refreshes_here && !self.in_flight).then(|| self.retry_at.or(d.due)).flatten();
                refresh.into_iter().chain(refresh_until.map(|r| later(r, d.access_until))).min()
            }
        }
    }

    /// Time passed (a timer fired, or the tab was shown after the machine slept).
    pub fn handle_timeout(&mut self, now: Millis) {
        let Some(d) = self.deadlines else { return };
        // Over when nothing can be refreshed and the access token has run out too.
        let lapsed = match d.refresh_until {
            None => d.access_until,
            Some(refresh_until) => refresh_until.map(|r| later(r, d.access_until)),
        };
        if lapsed.is_some_and(|until| now >= until) {
            self.end(EXPIRED_NOTICE);
            return;
        }
        if self.refreshes_here && !self.in_flight && self.retry_at.or(d.due).is_some_and(|at| now >= at) {
            self.send();
        }
    }

    /// A request made with the token held was answered 401: refreshed at once (by the tab
    /// that refreshes), or, without a refresh token, the session is over. The request is
    /// retried once with the token that comes next; a 401 for that one too ends the session.
    pub fn unauthorized(&mut self, _now: Millis) {
        let Some(d) = self.deadlines else { return };
        if d.refresh_until.is_none() {
            self.end(EXPIRED_NOTICE);
        } else if self.renewed_after_refusal {
            self.end(REFUSED_NOTICE);
        } else if self.refreshes_here && !self.in_flight {
            self.asked_by_refusal = true;
            self.send();
        }
    }

    /// The answer to [`RefreshCommand::Refresh`]. `random` as for [`Refresher::granted`].
    ///
    /// New tokens are taken even if this tab stopped refreshing meanwhile: the backend has
    /// spent the old refresh token, so the new one is the only one left (the shell passes it
    /// on to the other tabs).
    pub fn answered(&mut self, outcome: RefreshOutcome, now: Millis, random: f64) {
        let asked = std::mem::take(&mut self.in_flight);
        if self.deadlines.is_none() {
            return;
        }
        match outcome {
            RefreshOutcome::Granted(lifetimes) => {
                self.granted(lifetimes, now, random);
                self.renewed_after_refusal = std::mem::take(&mut self.asked_by_refusal);
            }
            RefreshOutcome::Refused => self.end(REFUSED_NOTICE),
            RefreshOutcome::Unreachable if asked && self.refreshes_here => {
                self.failures += 1;
                self.retry_at = Some(now + self.backoff.delay(self.failures));
            }
            RefreshOutcome::Unreachable => {}
        }
    }

    /// The next command for the shell.
    pub fn poll_command(&mut self) -> Option<RefreshCommand> {
        self.commands.pop_front()
    }

    fn send(&mut self) {
        self.in_flight = true;
        self.retry_at = None;
        self.commands.push_back(RefreshCommand::Refresh);
    }

    fn end(&mut self, notice: &str) {
        self.ended();
        self.commands.push_back(RefreshCommand::End { notice: notice.to_owned() });
    }
}
