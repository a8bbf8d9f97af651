//! The two backend calls a listener makes: signing in, and signing private channels.
//!
//! Both follow CONTRACT.md, which follows Laravel: `POST /api/login` answers
//! `{token, token_type, expires_at, user}`, and `POST /broadcasting/auth` takes the form body
//! pusher-js sends (`socket_id`, `channel_name`) with a bearer token and answers
//! `{"auth": …}`. The authorizer's answer becomes a [`herald_protocol::AuthResult`], so the
//! state machine, not this module, decides what a 403 or a timeout means.
//!
//! Invariant: only this module does HTTP.

use std::fmt;
use std::time::Duration;

use herald_contract::User;
use herald_protocol::AuthResult;
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde::Deserialize;
use serde_json::{Value, json};

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

/// `POST {api_base}/api/login {email, password}`: the bearer token and who it belongs to (the
/// contract's `User`).
pub async fn sign_in(api_base: &str, email: &str, password: &str) -> Result<(Token, User), SignInError> {
    #[derive(Deserialize)]
    struct LoginAnswer {
        token: String,
        user: User,
    }

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
    let answer: LoginAnswer =
        serde_json::from_slice(&body).map_err(|error| SignInError::BadAnswer(error.to_string()))?;
    Ok((Token(answer.token), answer.user))
}

/// Asks the backend to sign `socket_id:channel_name` for private channels, as pusher-js's
/// default authorizer does.
#[derive(Clone)]
pub struct ChannelAuthorizer {
    http: reqwest::Client,
    endpoint: String,
    token: Token,
}

impl fmt::Debug for ChannelAuthorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelAuthorizer").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

impl ChannelAuthorizer {
    /// An authorizer posting to `{api_base}/broadcasting/auth`, Laravel's route.
    pub fn new(api_base: &str, token: Token) -> ChannelAuthorizer {
        let endpoint = format!("{}/broadcasting/auth", api_base.trim_end_matches('/'));
        ChannelAuthorizer::with_endpoint(endpoint, token)
    }

    /// An authorizer posting to the full URL `endpoint` (CONTRACT.md's `auth_endpoint`).
    pub fn with_endpoint(endpoint: impl Into<String>, token: Token) -> ChannelAuthorizer {
        ChannelAuthorizer { http: http_client(), endpoint: endpoint.into(), token }
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
            .bearer_auth(self.token.expose())
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
    use herald_protocol::AuthResult;
    use reqwest::StatusCode;

    use crate::backend::{Token, auth_result};

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
    fn a_token_never_shows_in_debug_output() {
        let token = Token::new("eyJ.secret.sig");
        assert_eq!(format!("{token:?}"), "Token(<hidden>)");
        assert_eq!(token.expose(), "eyJ.secret.sig");
    }
}
