//! The three backend calls a listener makes: signing in, refreshing the tokens, and signing
//! private channels.
//!
//! All follow CONTRACT.md, which follows Laravel: `POST /api/login` answers
//! `{token, token_type, expires_at, expires_in, refresh_token, refresh_expires_at, user}`,
//! `POST /api/refresh {refresh_token}` the same without `user` (401 for a spent, expired or
//! revoked refresh token), and `POST /broadcasting/auth` takes the form body pusher-js sends
//! (`socket_id`, `channel_name`) with a bearer token and answers `{"auth": …}`. The
//! authorizer's answer becomes a [`herald_protocol::AuthResult`], so the state machine, not
//! this module, decides what a 403 or a timeout means; a refresh's answer becomes a
//! [`RefreshError`] or a [`Grant`], and `herald_client::Refresher` decides what follows.
//!
//! Invariant: only this module does HTTP.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use herald_client::{GrantTimes, Lifetimes};
use herald_contract::{LoginAnswer, RefreshRequest, TokenGrant, User};
use herald_protocol::AuthResult;
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde_json::{Value, json};
use tokio::time::Instant;

/// How long connecting to the backend may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request may take; past it, an authorization counts as failed and is
/// retried with backoff by the state machine.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A bearer token. Its `Debug` does not show it, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Token {
        Token(token.into())
    }

    /// The token itself, for an `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

/// A refresh token: good for one `POST /api/refresh`. Its `Debug` does not show it either.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken(String);

impl RefreshToken {
    pub fn new(token: impl Into<String>) -> RefreshToken {
        RefreshToken(token.into())
    }

    /// The token itself, for the refresh request's body.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(<hidden>)")
    }
}

/// The tokens a sign-in or a refresh handed out, and how long they live from the moment the
/// answer arrived.
///
/// The lives are `Lifetimes::of`'s reading of the answer: the access token's from
/// `expires_in` (which does not depend on this machine's clock), the refresh token's from
/// `refresh_expires_at` less the server's time of answering (`expires_at - expires_in`), a
/// difference of two server times. Times are read only in UTC (`Z` or `+00:00`, as Laravel and
/// the demo backend send them); one with another offset is left unread, and a refresh token
/// whose end is unread lives until a refresh is answered 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub token: Token,
    /// `None` when the backend has no refresh (the session then ends with the access token).
    pub refresh_token: Option<RefreshToken>,
    pub lifetimes: Lifetimes,
    /// When the answer arrived: the lives count from here.
    pub received_at: Instant,
}

impl Grant {
    /// The grant in a login or refresh answer that arrived at `received_at`.
    fn from_answer(grant: TokenGrant, received_at: Instant) -> Grant {
        let times = GrantTimes {
            expires_in_s: grant.expires_in,
            expires_at_ms: grant.expires_at.as_deref().and_then(epoch_ms),
            // The JWT's `iat` would only stand in for a missing `expires_in`.
            issued_at_ms: None,
            refreshable: grant.refresh_token.is_some(),
            refresh_expires_at_ms: grant.refresh_expires_at.as_deref().and_then(epoch_ms),
        };
        Grant {
            token: Token(grant.token),
            refresh_token: grant.refresh_token.map(RefreshToken),
            lifetimes: Lifetimes::of(&times, wall_clock_ms()),
            received_at,
        }
    }
}

/// The access token in use, shared by the session that replaces it at each refresh and the
/// authorizers that read it for each request. Cloning shares it.
#[derive(Clone)]
pub struct CurrentToken(Arc<RwLock<Token>>);

impl CurrentToken {
    pub fn new(token: Token) -> CurrentToken {
        CurrentToken(Arc::new(RwLock::new(token)))
    }

    /// The token held now.
    pub fn get(&self) -> Token {
        // The lock guards a plain value that a panic cannot leave half-written.
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Every holder of this token uses `token` from now on.
    pub fn replace(&self, token: Token) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = token;
    }
}

impl From<Token> for CurrentToken {
    fn from(token: Token) -> CurrentToken {
        CurrentToken::new(token)
    }
}

impl fmt::Debug for CurrentToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CurrentToken(<hidden>)")
    }
}

/// Why signing in did not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInError {
    /// The backend answered with an error status, with Laravel's `message` when it sent one
    /// (422 "These credentials do not match our records." for a wrong password).
    Refused { status: u16, message: String },
    /// No answer: connection refused, timeout, or a broken response.
    Unreachable(String),
    /// A 2xx whose body is not a login answer.
    BadAnswer(String),
}

impl fmt::Display for SignInError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignInError::Refused { status, message } => {
                write!(f, "the backend refused the sign-in (HTTP {status}): {message}")
            }
            SignInError::Unreachable(reason) => {
                write!(f, "the backend could not be reached: {reason}")
            }
            SignInError::BadAnswer(reason) => {
                write!(f, "the backend's answer to the sign-in is not understood: {reason}")
            }
        }
    }
}

impl std::error::Error for SignInError {}

/// Why a refresh did not give new tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshError {
    /// 401: the refresh token is spent, expired or revoked (signed out elsewhere, or a copy
    /// was used). Only signing in again helps.
    Refused { message: String },
    /// No answer, another error status, or a 2xx that is not a refresh answer: worth trying
    /// again later.
    Failed(String),
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefreshError::Refused { message } => {
                write!(f, "the backend refused the refresh (HTTP 401): {message}")
            }
            RefreshError::Failed(reason) => write!(f, "the refresh failed: {reason}"),
        }
    }
}

impl std::error::Error for RefreshError {}

/// `POST {api_base}/api/login {email, password}`: the tokens and who they belong to (the
/// contract's `User`).
pub async fn sign_in(api_base: &str, email: &str, password: &str) -> Result<(Grant, User), SignInError> {
    let url = format!("{}/api/login", api_base.trim_end_matches('/'));
    let response = http_client()
        .post(url)
        .header(ACCEPT, "application/json")
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .map_err(|error| SignInError::Unreachable(describe(error)))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|error| SignInError::Unreachable(describe(error)))?;
    if !status.is_success() {
        return Err(SignInError::Refused { status: status.as_u16(), message: error_message(&body) });
    }
    let received_at = Instant::now();
    let answer: LoginAnswer =
        serde_json::from_slice(&body).map_err(|error| SignInError::BadAnswer(error.to_string()))?;
    Ok((Grant::from_answer(answer.grant, received_at), answer.user))
}

/// `POST {api_base}/api/refresh {refresh_token}`: the next tokens. The one presented is spent
/// whatever the outcome, once the backend has seen it.
pub async fn refresh(api_base: &str, refresh_token: &RefreshToken) -> Result<Grant, RefreshError> {
    let url = format!("{}/api/refresh", api_base.trim_end_matches('/'));
    let body = RefreshRequest { refresh_token: refresh_token.expose().to_owned() };
    let response = http_client()
        .post(url)
        .header(ACCEPT, "application/json")
        .json(&body)
        .send()
        .await
        .map_err(|error| RefreshError::Failed(describe(error)))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|error| RefreshError::Failed(describe(error)))?;
    let received_at = Instant::now();
    refresh_answer(status, &body, received_at)
}

/// What a refresh answer means.
fn refresh_answer(status: StatusCode, body: &[u8], received_at: Instant) -> Result<Grant, RefreshError> {
    match status {
        StatusCode::UNAUTHORIZED => Err(RefreshError::Refused { message: error_message(body) }),
        status if status.is_success() => match serde_json::from_slice::<TokenGrant>(body) {
            Ok(grant) => Ok(Grant::from_answer(grant, received_at)),
            Err(error) => {
                Err(RefreshError::Failed(format!("HTTP {status} with an answer not understood: {error}")))
            }
        },
        status => Err(RefreshError::Failed(format!("HTTP {status}: {}", error_message(body)))),
    }
}

/// Asks the backend to sign `socket_id:channel_name` for private channels, as pusher-js's
/// default authorizer does, with the access token current at each request.
#[derive(Clone)]
pub struct ChannelAuthorizer {
    http: reqwest::Client,
    endpoint: String,
    token: CurrentToken,
}

impl fmt::Debug for ChannelAuthorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelAuthorizer").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

impl ChannelAuthorizer {
    /// An authorizer posting to `{api_base}/broadcasting/auth`, Laravel's route. Given a
    /// [`CurrentToken`] (a session's, [`crate::Session::token`]), it uses whichever token that
    /// holds at each request; given a [`Token`], always that one.
    pub fn new(api_base: &str, token: impl Into<CurrentToken>) -> ChannelAuthorizer {
        let endpoint = format!("{}/broadcasting/auth", api_base.trim_end_matches('/'));
        ChannelAuthorizer::with_endpoint(endpoint, token)
    }

    /// An authorizer posting to the full URL `endpoint` (CONTRACT.md's `auth_endpoint`).
    pub fn with_endpoint(endpoint: impl Into<String>, token: impl Into<CurrentToken>) -> ChannelAuthorizer {
        ChannelAuthorizer { http: http_client(), endpoint: endpoint.into(), token: token.into() }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// One authorization request. 2xx with an `auth` string → `Authorized`; 401 →
    /// `Unauthorized`; 403 → `Forbidden`; any other status, a body without `auth`, or no
    /// answer at all → `Failed`, which the state machine retries with backoff.
    pub async fn authorize(&self, channel: &str, socket_id: &str) -> AuthResult {
        let request = self
            .http
            .post(&self.endpoint)
            .bearer_auth(self.token.get().expose())
            .header(ACCEPT, "application/json")
            .form(&[("socket_id", socket_id), ("channel_name", channel)]);
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                return AuthResult::Failed { reason: describe(error) };
            }
        };
        let status = response.status();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => {
                return AuthResult::Failed { reason: describe(error) };
            }
        };
        auth_result(status, &body)
    }
}

/// The state machine's view of an authorizer's answer.
fn auth_result(status: StatusCode, body: &[u8]) -> AuthResult {
    match status {
        StatusCode::UNAUTHORIZED => AuthResult::Unauthorized,
        StatusCode::FORBIDDEN => AuthResult::Forbidden,
        status if status.is_success() => {
            let Ok(answer) = serde_json::from_slice::<Value>(body) else {
                return AuthResult::Failed { reason: format!("HTTP {status} with a body that is not JSON") };
            };
            let Some(auth) = answer.get("auth").and_then(Value::as_str) else {
                return AuthResult::Failed { reason: format!("HTTP {status} without an \"auth\" string") };
            };
            // Presence channels carry `channel_data` as a JSON string; some backends send
            // the object itself.
            let channel_data = match answer.get("channel_data") {
                None | Some(Value::Null) => None,
                Some(Value::String(text)) => Some(text.clone()),
                Some(other) => Some(other.to_string()),
            };
            AuthResult::Authorized { auth: auth.to_owned(), channel_data }
        }
        status => AuthResult::Failed { reason: format!("HTTP {status}: {}", error_message(body)) },
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("a client without TLS or proxies has nothing to fail on")
}

/// An RFC 3339 time in UTC as milliseconds since the Unix epoch; `None` for any other form.
fn epoch_ms(rfc3339: &str) -> Option<f64> {
    let time = humantime::parse_rfc3339(rfc3339).ok()?;
    Some(time.duration_since(UNIX_EPOCH).ok()?.as_secs_f64() * 1000.0)
}

/// This machine's wall clock in milliseconds since the Unix epoch, which `Lifetimes::of` reads
/// only when the backend gave nothing better.
fn wall_clock_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |since| since.as_secs_f64() * 1000.0)
}

/// Laravel's `message` from an error body, or the start of the body when it has none.
fn error_message(body: &[u8]) -> String {
    let from_json = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|value| value.get("message").and_then(Value::as_str).map(str::to_owned));
    from_json.unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let excerpt: String = text.trim().chars().take(200).collect();
        if excerpt.is_empty() { "(empty body)".to_owned() } else { excerpt }
    })
}

/// The error and its causes on one line ("error sending request: ...: Connection refused"),
/// without the URL.
fn describe(error: reqwest::Error) -> String {
    format!("{:#}", anyhow::Error::new(error.without_url()))
}

#[cfg(test)]
mod tests {
    use herald_protocol::{AuthResult, Millis};
    use reqwest::StatusCode;

    use tokio::time::Instant;

    use crate::backend::{RefreshError, RefreshToken, Token, auth_result, refresh_answer};

    #[test]
    fn authorizer_answers_map_onto_auth_results() {
        let check = |status: u16, body: &str, expect: AuthResult| {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(auth_result(status, body.as_bytes()), expect, "{status} {body}");
        };
        check(
            200,
            r#"{"auth":"herald-key:abc"}"#,
            AuthResult::Authorized { auth: "herald-key:abc".into(), channel_data: None },
        );
        check(
            200,
            r#"{"auth":"k:s","channel_data":"{\"user_id\":2}"}"#,
            AuthResult::Authorized { auth: "k:s".into(), channel_data: Some(r#"{"user_id":2}"#.into()) },
        );
        check(
            200,
            r#"{"auth":"k:s","channel_data":{"user_id":2}}"#,
            AuthResult::Authorized { auth: "k:s".into(), channel_data: Some(r#"{"user_id":2}"#.into()) },
        );
        check(401, r#"{"message":"Unauthenticated."}"#, AuthResult::Unauthorized);
        check(403, r#"{"message":"This action is unauthorized."}"#, AuthResult::Forbidden);
        check(403, "", AuthResult::Forbidden);
        check(
            200,
            "<html>",
            AuthResult::Failed { reason: "HTTP 200 OK with a body that is not JSON".into() },
        );
        check(
            200,
            r#"{"token":"x"}"#,
            AuthResult::Failed { reason: "HTTP 200 OK without an \"auth\" string".into() },
        );
        check(
            500,
            r#"{"message":"Server Error"}"#,
            AuthResult::Failed { reason: "HTTP 500 Internal Server Error: Server Error".into() },
        );
        check(502, "", AuthResult::Failed { reason: "HTTP 502 Bad Gateway: (empty body)".into() });
        check(
            419,
            "page expired",
            AuthResult::Failed { reason: "HTTP 419 <unknown status code>: page expired".into() },
        );
    }

    #[test]
    fn refresh_answers_give_tokens_a_refusal_or_a_failure_to_retry() {
        let answer = |status: u16, body: &str| {
            refresh_answer(StatusCode::from_u16(status).unwrap(), body.as_bytes(), Instant::now())
        };
        let granted = answer(
            200,
            r#"{"token":"a.b.c","token_type":"Bearer","expires_at":"2026-12-03T20:15:00Z","expires_in":900,"refresh_token":"r2","refresh_expires_at":"2027-01-02T20:00:00.000000Z"}"#,
        )
        .unwrap();
        assert_eq!(granted.token.expose(), "a.b.c");
        assert_eq!(granted.refresh_token.as_ref().map(RefreshToken::expose), Some("r2"));
        // Both lives from the server's word: the refresh token's ends 30 days after the
        // server answered (20:00, as `expires_at - expires_in` says), whatever this clock reads.
        assert_eq!(granted.lifetimes.access, Some(Millis(900_000)));
        assert_eq!(granted.lifetimes.refresh, Some(Millis(30 * 24 * 3600 * 1000)));
        // A time with an offset is not read: the refresh token lives until refused.
        let offset = answer(
            200,
            r#"{"token":"a.b.c","expires_at":"2026-12-03T21:15:00+01:00","expires_in":900,"refresh_token":"r2","refresh_expires_at":"2027-01-02T21:00:00+01:00"}"#,
        )
        .unwrap();
        assert_eq!((offset.lifetimes.access, offset.lifetimes.refresh), (Some(Millis(900_000)), None));
        // A backend that stops handing out refresh tokens: the session then ends with this one.
        let last = answer(200, r#"{"token":"a.b.c","expires_in":60}"#).unwrap();
        assert_eq!(last.refresh_token, None);
        assert_eq!(
            answer(401, r#"{"message":"Unauthenticated."}"#).unwrap_err(),
            RefreshError::Refused { message: "Unauthenticated.".into() }
        );
        assert_eq!(
            answer(503, "").unwrap_err(),
            RefreshError::Failed("HTTP 503 Service Unavailable: (empty body)".into())
        );
        assert!(
            matches!(answer(200, "<html>"), Err(RefreshError::Failed(reason)) if reason.starts_with("HTTP 200 OK with an answer not understood")),
        );
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let token = Token::new("eyJ.secret.sig");
        assert_eq!(format!("{token:?}"), "Token(<hidden>)");
        assert_eq!(token.expose(), "eyJ.secret.sig");
        let refresh_token = RefreshToken::new("secret-refresh");
        assert_eq!(format!("{refresh_token:?}"), "RefreshToken(<hidden>)");
        let current = crate::backend::CurrentToken::new(token);
        assert_eq!(format!("{current:?}"), "CurrentToken(<hidden>)");
        let granted = refresh_answer(
            StatusCode::OK,
            br#"{"token":"secret-access","expires_in":60,"refresh_token":"secret-refresh"}"#,
            Instant::now(),
        )
        .unwrap();
        let shown = format!("{granted:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
