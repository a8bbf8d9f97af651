//! Sign-in, refresh, the current user, sign-out, and the bearer-token check every protected
//! route uses.
//!
//! Laravel answers these with Sanctum or jwt-auth; the bodies and messages here are theirs,
//! so the app's handling of a 401 or a 422 is exercised against what it will meet in
//! production. The tokens login and refresh hand out are `crate::sessions`'.

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use herald_contract::{LoginAnswer, Role, TenantId, TenantStatus, TokenGrant, User, UserStatus};

use crate::AppState;
use crate::error::{ApiError, FieldErrors};
use crate::input::{Input, check, looks_like_email, route_id};
use crate::tokens::Claims;

const BAD_CREDENTIALS: &str = "These credentials do not match our records.";

/// The signed-in user of a request with a valid, unexpired, unrevoked bearer token of an
/// active account; any other request is answered 401 `{"message":"Unauthenticated."}`
/// before the handler runs. Its methods are the policies routes check (Laravel's gates).
pub struct Authenticated {
    pub user: User,
    pub claims: Claims,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        let claims = state.tokens().verify(token).map_err(|_| ApiError::unauthenticated())?;
        if state.store().is_token_revoked(&claims.jti, claims.family.as_deref())? {
            return Err(ApiError::unauthenticated());
        }
        let Some(account) = claims.user_id().map(|id| state.store().account(id)).transpose()?.flatten()
        else {
            return Err(ApiError::unauthenticated());
        };
        if account.token_generation != claims.generation || account.user.status != UserStatus::Active {
            return Err(ApiError::unauthenticated());
        }
        Ok(Authenticated { user: account.user, claims })
    }
}

/// The signed-in person (401 without a valid token) and the id the route names (404 unless
/// it is one): what a route about one record checks first, before that record is looked up.
pub async fn authenticated_route(
    parts: &mut Parts,
    state: &AppState,
) -> Result<(Authenticated, u64), ApiError> {
    let actor = Authenticated::from_request_parts(parts, state).await?;
    let Path(id) =
        Path::<String>::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found())?;
    Ok((actor, route_id(&id)?))
}

/// That the request is a system admin's: [`Authenticated`]'s 401, then 403 for everyone else.
pub struct SystemAdmin;

impl FromRequestParts<AppState> for SystemAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let actor = Authenticated::from_request_parts(parts, state).await?;
        actor.require_system_admin()?;
        Ok(SystemAdmin)
    }
}

impl Authenticated {
    pub fn is_system_admin(&self) -> bool {
        self.user.role == Role::SystemAdmin
    }

    /// System admins only; 403 for everyone else.
    pub fn require_system_admin(&self) -> Result<(), ApiError> {
        if self.is_system_admin() { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    /// A system admin, or an admin of `tenant_id`: who may manage a tenant's users, payments
    /// and hotspot users.
    pub fn require_tenant_admin_of(&self, tenant_id: TenantId) -> Result<(), ApiError> {
        let own_admin = self.user.role == Role::TenantAdmin && self.user.tenant_id == Some(tenant_id);
        if self.is_system_admin() || own_admin { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    /// A system admin, or any member of `tenant_id`: who may see a tenant and its activity.
    pub fn require_member_of(&self, tenant_id: TenantId) -> Result<(), ApiError> {
        if self.is_system_admin() || self.user.tenant_id == Some(tenant_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `POST /api/login {email, password, remember?}`: the user and the first tokens of a new
/// sign-in family. `remember` ("keep me signed in") gives the refresh token `--refresh-ttl`;
/// without it the client keeps its tokens for the browser session only, which the server
/// cannot see end, so it bounds the refresh token's life instead
/// ([`crate::sessions::BROWSER_SESSION_LIMIT`]).
pub async fn login(State(state): State<AppState>, input: Input) -> Result<Json<LoginAnswer>, ApiError> {
    let mut errors = FieldErrors::default();
    let email = check(
        input.required_string("email", &mut errors),
        |email| looks_like_email(email),
        "email",
        "The email field must be a valid email address.",
        &mut errors,
    );
    let password = input.required_secret("password", &mut errors);
    let remember = input.optional_boolean("remember", &mut errors);
    errors.into_result()?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ApiError::invalid("email", BAD_CREDENTIALS));
    };

    let lookup = state.clone();
    let user = tokio::task::spawn_blocking(move || lookup.store().user_with_credentials(&email, &password))
        .await
        .map_err(|_| ApiError::server_error("the password check stopped"))??
        .ok_or_else(|| ApiError::invalid("email", BAD_CREDENTIALS))?;
    // Only now, with the password proven, may the answer say why the account cannot sign in.
    let account =
        state.store().account(user.id)?.ok_or_else(|| ApiError::invalid("email", BAD_CREDENTIALS))?;
    if user.status == UserStatus::Suspended {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "Your account is suspended."));
    }
    match account.tenant_status {
        Some(TenantStatus::Pending) => {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "Your organisation is waiting for approval."));
        }
        Some(TenantStatus::Suspended) => {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "Your organisation is suspended."));
        }
        Some(TenantStatus::Active) | None => {}
    }

    let grant = state
        .store()
        .write(|tx| state.sessions().sign_in(tx, user.id, account.token_generation, remember))?;
    Ok(Json(LoginAnswer { grant, user }))
}

/// `POST /api/refresh {refresh_token}`: the sign-in's next access and refresh tokens; the
/// one presented is spent. 401 for a refresh token that is unknown, expired, spent (which
/// revokes its whole family), of a revoked family, or of an account that may no longer sign
/// in; 422 when the body has no refresh token.
pub async fn refresh(State(state): State<AppState>, input: Input) -> Result<Json<TokenGrant>, ApiError> {
    let mut errors = FieldErrors::default();
    let presented = input.required_secret("refresh_token", &mut errors);
    errors.into_result()?;
    let Some(presented) = presented else {
        return Err(ApiError::unauthenticated());
    };
    let sessions = state.sessions();
    let refreshed = state.store().write(|tx| sessions.refresh(tx, &presented))?;
    refreshed.map(Json).map_err(|_| ApiError::unauthenticated())
}

/// `GET /api/me`.
pub async fn me(authenticated: Authenticated) -> Json<User> {
    Json(authenticated.user)
}

/// `POST /api/logout`: the token is refused from now on, until it would have expired anyway,
/// and so is every token of its sign-in family, refresh tokens included.
pub async fn logout(
    State(state): State<AppState>,
    authenticated: Authenticated,
) -> Result<StatusCode, ApiError> {
    let claims = &authenticated.claims;
    let now = state.clock().unix_seconds();
    state.store().revoke_token(&claims.jti, claims.family.as_deref(), claims.exp, now)?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use crate::api::bearer_token;
    use crate::input::looks_like_email;

    #[test]
    fn bearer_tokens_are_read_as_laravel_reads_them() {
        let check = |value: &str, expect: Option<&str>| {
            let mut headers = HeaderMap::new();
            headers.insert("authorization", HeaderValue::from_str(value).unwrap());
            assert_eq!(bearer_token(&headers), expect, "{value:?}");
        };
        check("Bearer abc.def.ghi", Some("abc.def.ghi"));
        check("bearer abc", Some("abc"));
        check("Bearer ", None);
        check("Basic dXNlcjpwdw==", None);
        check("abc", None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }

    #[test]
    fn emails_are_checked_leniently() {
        for good in ["user@acme.test", "a@b"] {
            assert!(looks_like_email(good), "{good}");
        }
        for bad in ["user", "@acme.test", "user@", "a@b@c", "a b@c"] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
