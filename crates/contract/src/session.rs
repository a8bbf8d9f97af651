//! What the backend says about a session's tokens (CONTRACT.md, "Authentication" and
//! "Refresh"): the login answer and the refresh answer.
//!
//! Lifetimes are read from `expires_in` where the backend sends it (OAuth 2.0 and jwt-auth
//! do), because it does not depend on the client's clock; `expires_at` is the server's clock.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::records::User;

/// The tokens a sign-in or a refresh hands out. A backend without refresh sends no
/// `refresh_token`; one that predates `expires_in` sends `expires_at` alone.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenGrant {
    /// The access token: a bearer token for every request and channel authorization.
    pub token: String,
    #[serde(default = "bearer")]
    pub token_type: String,
    /// When the access token expires, RFC 3339 on the server's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// How many seconds the access token lives, counted from when the answer arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// Good for one `POST /api/refresh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// When the refresh token expires, RFC 3339 on the server's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<String>,
}

fn bearer() -> String {
    "Bearer".to_owned()
}

/// Tokens are never shown: a `Debug` of a grant cannot leak one into a log.
impl fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenGrant")
            .field("token", &"<hidden>")
            .field("expires_at", &self.expires_at)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "<hidden>"))
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish()
    }
}

/// `POST /api/login`'s answer: the grant and who it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAnswer {
    #[serde(flatten)]
    pub grant: TokenGrant,
    pub user: User,
}

/// `POST /api/refresh`'s body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

impl fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshRequest { refresh_token: <hidden> }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_answer_reads_with_and_without_refresh() {
        let user = r#""user":{"id":2,"name":"Olive Owner","email":"owner@acme.test","role":"tenant_admin","tenant_id":1,"status":"active"}"#;
        let old: LoginAnswer = serde_json::from_str(&format!(
            r#"{{"token":"a.b.c","expires_at":"2026-12-03T20:00:00Z",{user}}}"#
        ))
        .unwrap();
        assert_eq!((old.grant.token_type.as_str(), old.grant.refresh_token), ("Bearer", None));
        let new: LoginAnswer = serde_json::from_str(&format!(
            r#"{{"token":"a.b.c","token_type":"Bearer","expires_at":"2026-12-03T20:00:00Z","expires_in":900,"refresh_token":"r1","refresh_expires_at":"2027-01-02T20:00:00Z",{user}}}"#
        ))
        .unwrap();
        assert_eq!((new.grant.expires_in, new.grant.refresh_token.as_deref()), (Some(900), Some("r1")));
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let grant = TokenGrant {
            token: "secret-access".into(),
            token_type: bearer(),
            expires_at: None,
            expires_in: Some(900),
            refresh_token: Some("secret-refresh".into()),
            refresh_expires_at: None,
        };
        let shown = format!("{grant:?} {:?}", RefreshRequest { refresh_token: "secret-refresh".into() });
        assert!(!shown.contains("secret"), "{shown}");
    }
}
