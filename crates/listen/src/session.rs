//! Keeping a signed-in session alive: its tokens refreshed before they run out, on the refresh
//! policy the browser app follows (`herald_client::Refresher`).
//!
//! [`Session::start`] spawns one task that owns the policy. It sleeps until the policy's
//! `poll_timeout`, tells it the time, and carries out what it asks: `POST /api/refresh` with
//! the refresh token held, whose answer goes back to the policy (new tokens, a 401, or no
//! answer, which the policy retries with backoff), or the end of the session. New access
//! tokens go into the session's [`CurrentToken`], which the channel authorizers read at each
//! request; the socket is never touched, so a refresh costs no reconnect and no
//! resubscription. A listener is alone, so it always refreshes (`set_refreshes_here(true)`).
//!
//! Time is [`Millis`] since the sign-in's answer arrived, on tokio's clock.

use std::time::Duration;

use herald_client::{Lifetimes, RefreshCommand, RefreshConfig, RefreshOutcome, Refresher};
use herald_protocol::Millis;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::backend::{self, CurrentToken, Grant, RefreshError, RefreshToken};
use crate::random_bits;

/// What a session reports, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// New tokens are in use; the access token lives `expires_in` (`None`: the backend did
    /// not say).
    Refreshed { expires_in: Option<Duration> },
    /// A refresh got no answer that counts (no network, a 5xx); the policy tries again later.
    RefreshFailed { reason: String },
    /// The session is over: the backend refused a refresh (401), or the tokens ran out.
    /// `notice` says which, for a person. The task has stopped; the listener should too.
    Ended { notice: String },
}

/// The receiving end of a session's events. It ends when the session does.
pub type SessionEvents = mpsc::UnboundedReceiver<SessionEvent>;

/// A running session. Dropping it (or [`Session::stop`]) stops the refreshing.
#[derive(Debug)]
pub struct Session {
    token: CurrentToken,
    task: JoinHandle<()>,
}

impl Session {
    /// Spawns the session's task for the tokens of a sign-in to the backend at `api_base`.
    ///
    /// # Panics
    /// Outside a tokio runtime, as `tokio::spawn` does.
    pub fn start(api_base: &str, grant: Grant) -> (Session, SessionEvents) {
        let token = CurrentToken::new(grant.token.clone());
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let keeper = Keeper {
            api_base: api_base.to_owned(),
            origin: grant.received_at,
            refresher: Refresher::new(RefreshConfig::default(), random_bits()),
            refresh_token: None,
            token: token.clone(),
            events: events_tx,
        };
        let task = tokio::spawn(keeper.run(grant));
        (Session { token, task }, events_rx)
    }

    /// The access token, replaced at each refresh: give it to
    /// [`ChannelAuthorizer::new`](crate::ChannelAuthorizer::new).
    pub fn token(&self) -> CurrentToken {
        self.token.clone()
    }

    /// Stops refreshing. A refresh under way is abandoned.
    pub fn stop(self) {}
}

impl Drop for Session {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The task that owns the refresh policy.
struct Keeper {
    api_base: String,
    origin: Instant,
    refresher: Refresher,
    refresh_token: Option<RefreshToken>,
    token: CurrentToken,
    events: mpsc::UnboundedSender<SessionEvent>,
}

impl Keeper {
    async fn run(mut self, grant: Grant) {
        let (lifetimes, received) = self.take(grant);
        self.refresher.granted(lifetimes, received, random_unit());
        self.refresher.set_refreshes_here(true, self.now());
        loop {
            match self.refresher.poll_command() {
                Some(RefreshCommand::Refresh) => self.refresh().await,
                Some(RefreshCommand::End { notice }) => {
                    let _ = self.events.send(SessionEvent::Ended { notice });
                    return;
                }
                None => {
                    let deadline = self.refresher.poll_timeout().and_then(|at| self.instant_of(at));
                    match deadline {
                        Some(deadline) => tokio::time::sleep_until(deadline).await,
                        // Nothing will ever be due (the backend gave no lifetime): the
                        // session lasts until it is stopped.
                        None => std::future::pending().await,
                    }
                    self.refresher.handle_timeout(self.now());
                }
            }
        }
    }

    /// Takes new tokens: the authorizers use the access token from now on. Returns their
    /// lives and when the answer arrived, from which the policy counts them.
    fn take(&mut self, grant: Grant) -> (Lifetimes, Millis) {
        self.token.replace(grant.token);
        self.refresh_token = grant.refresh_token;
        (grant.lifetimes, self.millis_at(grant.received_at))
    }

    /// One `POST /api/refresh`, its answer given to the policy.
    async fn refresh(&mut self) {
        let answer = match &self.refresh_token {
            Some(refresh_token) => backend::refresh(&self.api_base, refresh_token).await,
            // The policy asks for a refresh only when the grant had a refresh token.
            None => Err(RefreshError::Refused { message: "no refresh token".to_owned() }),
        };
        let (outcome, at) = match answer {
            Ok(grant) => {
                let (lifetimes, received) = self.take(grant);
                let expires_in = lifetimes.access.map(|life| Duration::from_millis(life.0));
                let _ = self.events.send(SessionEvent::Refreshed { expires_in });
                (RefreshOutcome::Granted(lifetimes), received)
            }
            Err(RefreshError::Refused { .. }) => (RefreshOutcome::Refused, self.now()),
            Err(RefreshError::Failed(reason)) => {
                let _ = self.events.send(SessionEvent::RefreshFailed { reason });
                (RefreshOutcome::Unreachable, self.now())
            }
        };
        self.refresher.answered(outcome, at, random_unit());
    }

    fn now(&self) -> Millis {
        self.millis_at(Instant::now())
    }

    fn millis_at(&self, at: Instant) -> Millis {
        let since = at.saturating_duration_since(self.origin);
        Millis(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
    }

    fn instant_of(&self, at: Millis) -> Option<Instant> {
        self.origin.checked_add(Duration::from_millis(at.0))
    }
}

/// A random number in `[0, 1)`, where the policy places each refresh within its jitter.
fn random_unit() -> f64 {
    // The top 53 bits: every such fraction is exactly an f64.
    (random_bits() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::time::Duration;

    use herald_client::{GrantTimes, Lifetimes};
    use tokio::time::{Instant, timeout};

    use crate::backend::{Grant, RefreshToken, Token};
    use crate::session::{Session, SessionEvent};

    /// A refresh that reaches nobody (the backend is down) does not end the session: the
    /// policy tries again, never sooner than its backoff's 100 ms floor, and the token in use
    /// stays as it was.
    #[tokio::test]
    async fn a_refresh_that_gets_no_answer_is_retried_with_backoff_and_the_session_goes_on() {
        // A loopback port nobody listens on: every request is refused at once.
        let dead_port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let times = GrantTimes { expires_in_s: Some(1), refreshable: true, ..GrantTimes::default() };
        let grant = Grant {
            token: Token::new("access"),
            refresh_token: Some(RefreshToken::new("refresh")),
            lifetimes: Lifetimes::of(&times, 0.0),
            received_at: Instant::now(),
        };
        let (session, mut events) = Session::start(&format!("http://127.0.0.1:{dead_port}"), grant);

        let mut failed_at = Vec::new();
        while failed_at.len() < 3 {
            let event =
                timeout(Duration::from_secs(10), events.recv()).await.expect("a refresh attempt").unwrap();
            assert!(matches!(event, SessionEvent::RefreshFailed { .. }), "{event:?}");
            failed_at.push(Instant::now());
        }
        for pair in failed_at.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(100), "retried too soon: {failed_at:?}");
        }
        assert_eq!(session.token().get(), Token::new("access"));
        assert!(events.try_recv().is_err(), "nothing else happened");
    }
}
