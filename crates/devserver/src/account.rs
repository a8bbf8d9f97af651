//! A person's own account: their profile and their password.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use herald_contract::{Channel, EventKind, User};
use serde_json::json;

use crate::AppState;
use crate::api::Authenticated;
use crate::error::{ApiError, FieldErrors};
use crate::input::{ChangeRequest, MAX_TEXT, Presence};
use crate::model::password_matches;
use crate::tenants::hash_in_background;
use crate::users::{ensure_email_free, user_updated};

/// `PATCH /api/me {name?, email?}`: answers with the user, as `GET /api/me` does.
/// `ProfileUpdated` tells the person's other tabs; `UserUpdated` their tenant's admins.
pub async fn update_profile(
    State(state): State<AppState>,
    ChangeRequest { who: Authenticated { user: me, .. }, origin, input }: ChangeRequest<Authenticated>,
) -> Result<Json<User>, ApiError> {
    let mut errors = FieldErrors::default();
    let name = input.text("name", Presence::IfSent, MAX_TEXT, &mut errors);
    let email = input.email("email", Presence::IfSent, &mut errors);
    errors.into_result()?;
    let user = state
        .change(&origin, |tx| {
            ensure_email_free(tx, email.as_ref(), Some(me.id))?;
            let user = tx
                .update_user(me.id, name.as_deref(), email.as_deref(), None)?
                .ok_or_else(ApiError::not_found)?;
            if user == me {
                return Ok((user, Vec::new()));
            }
            let mut events = vec![state.event(
                EventKind::ProfileUpdated,
                vec![Channel::User(me.id)],
                json!({ "user": user }),
            )];
            if let Some(tenant_id) = user.tenant_id {
                events.push(user_updated(&state, tenant_id, &user));
            }
            Ok((user, events))
        })
        .await?;
    Ok(Json(user))
}

/// `PUT /api/me/password {current_password, password, password_confirmation}`: 204.
/// This session stays signed in; `PasswordChanged` warns the person's other tabs.
pub async fn change_password(
    State(state): State<AppState>,
    ChangeRequest { who: Authenticated { user: me, .. }, origin, input }: ChangeRequest<Authenticated>,
) -> Result<StatusCode, ApiError> {
    let mut errors = FieldErrors::default();
    let current = input.required_secret("current_password", &mut errors);
    let password = input.new_password("password", &mut errors);
    if let Some(current) = current.clone() {
        let hash = state.store().read(|tx| tx.password_hash(me.id))?.unwrap_or_default();
        let matches = tokio::task::spawn_blocking(move || password_matches(&current, &hash))
            .await
            .map_err(|_| ApiError::server_error("the password check stopped"))?;
        if !matches {
            errors.add("current_password", "The password is incorrect.");
        }
    }
    errors.into_result()?;
    let Some(password) = password else {
        return Err(ApiError::validation(FieldErrors::default()));
    };
    let hash = hash_in_background(password).await?;
    state
        .change(&origin, |tx| {
            tx.set_password_hash(me.id, &hash)?;
            let event = state.event(
                EventKind::PasswordChanged,
                vec![Channel::User(me.id)],
                json!({ "user_id": me.id }),
            );
            Ok(((), vec![event]))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
