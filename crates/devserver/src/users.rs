//! A tenant's users, managed by its admins (or a system admin).
//!
//! Every change to a user is `UserCreated`, `UserUpdated` or `UserDeleted` on the tenant's
//! channel, so the tenant page of every admin follows it. Suspension and activation also
//! tell the person on their own channel (`AccountSuspended`, `AccountActivated`), and
//! suspension revokes every token they hold.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::Authenticated;
use crate::channels::Channel;
use crate::error::{ApiError, FieldErrors};
use crate::events::EventKind;
use crate::input::{Input, MAX_TEXT, Origin, Presence, route_id};
use crate::store::{NewUser, Role, TenantId, User, UserStatus};
use crate::tenants::{existing_tenant, hash_in_background};

/// The roles a tenant admin may give; system admins are not made through these routes.
const MEMBER_ROLES: [(&str, Role); 2] = [("user", Role::User), ("tenant_admin", Role::TenantAdmin)];

/// `GET /api/tenants/{tenant}/users`: the members, in id order.
pub async fn index(
    State(state): State<AppState>,
    actor: Authenticated,
    Path(tenant): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let tenant = existing_tenant(&state, &tenant)?;
    actor.require_tenant_admin_of(tenant.id)?;
    let users = state.store().read(|tx| tx.users_of_tenant(tenant.id))?;
    Ok(Json(json!({ "data": users })))
}

/// `POST /api/tenants/{tenant}/users {name, email, password, password_confirmation, role}`.
pub async fn create(
    State(state): State<AppState>,
    actor: Authenticated,
    origin: Origin,
    Path(tenant): Path<String>,
    input: Input,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let tenant_id = existing_tenant(&state, &tenant)?.id;
    actor.require_tenant_admin_of(tenant_id)?;
    let mut errors = FieldErrors::default();
    let name = input.text("name", Presence::Required, MAX_TEXT, &mut errors);
    let email = input.email("email", Presence::Required, &mut errors);
    if let Some(email) = &email
        && state.store().read(|tx| tx.email_taken(email, None))?
    {
        errors.add("email", "The email has already been taken.");
    }
    let password = input.new_password("password", &mut errors);
    let role = input.choice("role", Presence::Required, &MEMBER_ROLES, &mut errors);
    errors.into_result()?;
    let (Some(name), Some(email), Some(password), Some(role)) = (name, email, password, role) else {
        return Err(ApiError::validation(FieldErrors::default()));
    };
    let password_hash = hash_in_background(password).await?;
    let user = state
        .change(&origin, |tx| {
            if tx.email_taken(&email, None)? {
                return Err(ApiError::invalid("email", "The email has already been taken."));
            }
            let user =
                tx.insert_user(&NewUser { name, email, password_hash, role, tenant_id: Some(tenant_id) })?;
            let event = state.event(
                EventKind::UserCreated,
                vec![Channel::Tenant(tenant_id)],
                json!({ "user": user }),
            );
            Ok((user, vec![event]))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "data": user }))))
}

/// `PATCH /api/users/{user} {name?, email?, role?}`. `UserUpdated` only when something changed.
pub async fn update(
    State(state): State<AppState>,
    actor: Authenticated,
    origin: Origin,
    Path(user): Path<String>,
    input: Input,
) -> Result<Json<Value>, ApiError> {
    let (target, tenant_id) = managed_user(&state, &actor, &user)?;
    let mut errors = FieldErrors::default();
    let name = input.text("name", Presence::IfSent, MAX_TEXT, &mut errors);
    let email = input.email("email", Presence::IfSent, &mut errors);
    if let Some(email) = &email
        && state.store().read(|tx| tx.email_taken(email, Some(target.id)))?
    {
        errors.add("email", "The email has already been taken.");
    }
    let role = input.choice("role", Presence::IfSent, &MEMBER_ROLES, &mut errors);
    errors.into_result()?;
    let user = state
        .change(&origin, |tx| {
            if let Some(email) = &email
                && tx.email_taken(email, Some(target.id))?
            {
                return Err(ApiError::invalid("email", "The email has already been taken."));
            }
            let user = tx
                .update_user(target.id, name.as_deref(), email.as_deref(), role)?
                .ok_or_else(ApiError::not_found)?;
            let events =
                if user == target { Vec::new() } else { vec![user_updated(&state, tenant_id, &user)] };
            Ok((user, events))
        })
        .await?;
    Ok(Json(json!({ "data": user })))
}

/// `DELETE /api/users/{user}`: 204; the person's tokens stop working with their account.
pub async fn destroy(
    State(state): State<AppState>,
    actor: Authenticated,
    origin: Origin,
    Path(user): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (target, tenant_id) = managed_user(&state, &actor, &user)?;
    not_yourself(&actor, &target, "You cannot delete your own account.")?;
    state
        .change(&origin, |tx| {
            if !tx.delete_user(target.id)? {
                return Err(ApiError::not_found());
            }
            let event = state.event(
                EventKind::UserDeleted,
                vec![Channel::Tenant(tenant_id)],
                json!({ "user": target }),
            );
            Ok(((), vec![event]))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/users/{user}/suspend {reason}`: the person is told why and signed out everywhere.
pub async fn suspend(
    State(state): State<AppState>,
    actor: Authenticated,
    origin: Origin,
    Path(user): Path<String>,
    input: Input,
) -> Result<Json<Value>, ApiError> {
    let (target, tenant_id) = managed_user(&state, &actor, &user)?;
    not_yourself(&actor, &target, "You cannot suspend your own account.")?;
    let mut errors = FieldErrors::default();
    let reason = input.text("reason", Presence::Required, MAX_TEXT, &mut errors);
    errors.into_result()?;
    let reason = reason.unwrap_or_default();
    let user = state
        .change(&origin, |tx| {
            let user = set_status(tx, target.id, UserStatus::Suspended, "The user is already suspended.")?;
            let told = json!({ "user_id": user.id, "reason": reason });
            let events = vec![
                state.event(EventKind::AccountSuspended, vec![Channel::User(user.id)], told),
                user_updated(&state, tenant_id, &user),
            ];
            Ok((user, events))
        })
        .await?;
    Ok(Json(json!({ "data": user })))
}

/// `POST /api/users/{user}/activate`: a suspended person may sign in again.
pub async fn activate(
    State(state): State<AppState>,
    actor: Authenticated,
    origin: Origin,
    Path(user): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (target, tenant_id) = managed_user(&state, &actor, &user)?;
    let user = state
        .change(&origin, |tx| {
            let user = set_status(tx, target.id, UserStatus::Active, "The user is already active.")?;
            let events = vec![
                state.event(
                    EventKind::AccountActivated,
                    vec![Channel::User(user.id)],
                    json!({ "user_id": user.id }),
                ),
                user_updated(&state, tenant_id, &user),
            ];
            Ok((user, events))
        })
        .await?;
    Ok(Json(json!({ "data": user })))
}

/// The user a route names (404 if unknown) with their tenant, if `actor` may manage them:
/// admins of that tenant and system admins. Users without a tenant (system admins) are not
/// managed here (403).
fn managed_user(state: &AppState, actor: &Authenticated, id: &str) -> Result<(User, TenantId), ApiError> {
    let id = route_id(id)?;
    let user = state.store().user(id)?.ok_or_else(ApiError::not_found)?;
    let tenant_id = user.tenant_id.ok_or_else(ApiError::forbidden)?;
    actor.require_tenant_admin_of(tenant_id)?;
    Ok((user, tenant_id))
}

fn not_yourself(actor: &Authenticated, target: &User, message: &str) -> Result<(), ApiError> {
    if actor.user.id == target.id { Err(ApiError::new(StatusCode::FORBIDDEN, message)) } else { Ok(()) }
}

/// Moves the user to `status`; 422 with `already` when they are in it.
fn set_status(
    tx: &crate::store::Tx<'_>,
    id: u64,
    status: UserStatus,
    already: &str,
) -> Result<User, ApiError> {
    let current = tx.user(id)?.ok_or_else(ApiError::not_found)?;
    if current.status == status {
        return Err(ApiError::invalid("status", already));
    }
    tx.set_user_status(id, status)?.ok_or_else(ApiError::not_found)
}

/// `UserUpdated` about `user` on their tenant's channel.
pub fn user_updated(state: &AppState, tenant_id: TenantId, user: &User) -> crate::events::Event {
    state.event(EventKind::UserUpdated, vec![Channel::Tenant(tenant_id)], json!({ "user": user }))
}
