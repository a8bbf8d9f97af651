//! A tenant's users, managed by its admins (or a system admin).
//!
//! Every change to a user is `UserCreated`, `UserUpdated` or `UserDeleted` on the tenant's
//! channel, so the tenant page of every admin follows it. Suspension and activation also
//! tell the person on their own channel (`AccountSuspended`, `AccountActivated`), and
//! suspension revokes every token they hold.

use axum::Json;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use herald_contract::{Channel, CursorPage, EventKind, Role, TenantId, User, UserId, UserStatus};
use serde_json::json;

use crate::AppState;
use crate::api::{Authenticated, authenticated_route};
use crate::error::{ApiError, FieldErrors};
use crate::input::{ChangeRequest, Input, MAX_TEXT, Origin, Presence};
use crate::model::NewUser;
use crate::paging::PageRequest;
use crate::resource::{Created, Data};
use crate::store::Tx;
use crate::tenants::{AdministeredTenant, hash_in_background};

/// The roles a tenant admin may give; system admins are not made through these routes.
const MEMBER_ROLES: [(&str, Role); 2] = [("user", Role::User), ("tenant_admin", Role::TenantAdmin)];

const USER_STATUSES: [(&str, UserStatus); 2] =
    [("active", UserStatus::Active), ("suspended", UserStatus::Suspended)];

/// `GET /api/tenants/{tenant}/users?status=&search=&cursor=&per_page=`: a page of the members,
/// newest first: those with one status, and whose name or email contains `search` (in any
/// case), when given (`crate::paging` has the page's shape).
pub async fn index(
    State(state): State<AppState>,
    AdministeredTenant(tenant_id): AdministeredTenant,
    RawQuery(query): RawQuery,
) -> Result<Json<CursorPage<User>>, ApiError> {
    let query = Input::from_query(query.as_deref());
    let mut errors = FieldErrors::default();
    let status = query.choice("status", Presence::Nullable, &USER_STATUSES, &mut errors);
    let search = query.text("search", Presence::Nullable, MAX_TEXT, &mut errors);
    let page = PageRequest::read(&query, &mut errors);
    errors.into_result()?;
    let rows = state.store().read(|tx| tx.users_page(tenant_id, status, search.as_deref(), page.keyset()))?;
    Ok(Json(page.page(rows)))
}

/// `POST /api/tenants/{tenant}/users {name, email, password, password_confirmation, role}`.
pub async fn create(
    State(state): State<AppState>,
    ChangeRequest { who: AdministeredTenant(tenant_id), origin, input }: ChangeRequest<AdministeredTenant>,
) -> Result<Created<User>, ApiError> {
    let mut errors = FieldErrors::default();
    let name = input.text("name", Presence::Required, MAX_TEXT, &mut errors);
    let email = unused_email(&state, &input, EmailCheck::new_account(), &mut errors)?;
    let password = input.new_password("password", &mut errors);
    let role = input.choice("role", Presence::Required, &MEMBER_ROLES, &mut errors);
    errors.into_result()?;
    let (Some(name), Some(email), Some(password), Some(role)) = (name, email, password, role) else {
        return Err(ApiError::validation(FieldErrors::default()));
    };
    let password_hash = hash_in_background(password).await?;
    let user = state
        .change(&origin, |tx| {
            ensure_email_free(tx, Some(&email), None)?;
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
    Ok(Created(user))
}

/// `PATCH /api/users/{user} {name?, email?, role?}`. `UserUpdated` only when something changed.
pub async fn update(
    State(state): State<AppState>,
    ChangeRequest { who: ManagedUser { target, tenant_id, .. }, origin, input }: ChangeRequest<ManagedUser>,
) -> Result<Data<User>, ApiError> {
    let mut errors = FieldErrors::default();
    let name = input.text("name", Presence::IfSent, MAX_TEXT, &mut errors);
    let email = unused_email(&state, &input, EmailCheck::change_of(target.id), &mut errors)?;
    let role = input.choice("role", Presence::IfSent, &MEMBER_ROLES, &mut errors);
    errors.into_result()?;
    let user = state
        .change(&origin, |tx| {
            ensure_email_free(tx, email.as_ref(), Some(target.id))?;
            let user = tx
                .update_user(target.id, name.as_deref(), email.as_deref(), role)?
                .ok_or_else(ApiError::not_found)?;
            let events =
                if user == target { Vec::new() } else { vec![user_updated(&state, tenant_id, &user)] };
            Ok((user, events))
        })
        .await?;
    Ok(Data(user))
}

/// `DELETE /api/users/{user}`: 204; the person's tokens stop working with their account.
pub async fn destroy(
    State(state): State<AppState>,
    ManagedUser { actor, target, tenant_id }: ManagedUser,
    origin: Origin,
) -> Result<StatusCode, ApiError> {
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
    request: ChangeRequest<ManagedUser>,
) -> Result<Data<User>, ApiError> {
    let ChangeRequest { who: ManagedUser { actor, target, tenant_id }, origin, input } = request;
    not_yourself(&actor, &target, "You cannot suspend your own account.")?;
    let reason = input.required_reason()?;
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
    Ok(Data(user))
}

/// `POST /api/users/{user}/activate`: a suspended person may sign in again.
pub async fn activate(
    State(state): State<AppState>,
    ManagedUser { target, tenant_id, .. }: ManagedUser,
    origin: Origin,
) -> Result<Data<User>, ApiError> {
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
    Ok(Data(user))
}

/// The user a route's `{user}` names, for someone who may manage them: 401 without a valid
/// token, 404 when there is no such user, 403 unless the signed-in person is an admin of the
/// user's tenant or a system admin. Users without a tenant (system admins) are not managed
/// here (403).
pub struct ManagedUser {
    pub actor: Authenticated,
    pub target: User,
    pub tenant_id: TenantId,
}

impl FromRequestParts<AppState> for ManagedUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (actor, id) = authenticated_route(parts, state).await?;
        let target = state.store().user(id)?.ok_or_else(ApiError::not_found)?;
        let tenant_id = target.tenant_id.ok_or_else(ApiError::forbidden)?;
        actor.require_tenant_admin_of(tenant_id)?;
        Ok(ManagedUser { actor, target, tenant_id })
    }
}

fn not_yourself(actor: &Authenticated, target: &User, message: &str) -> Result<(), ApiError> {
    if actor.user.id == target.id { Err(ApiError::new(StatusCode::FORBIDDEN, message)) } else { Ok(()) }
}

/// Moves the user to `status`; 422 with `already` when they are in it.
fn set_status(tx: &Tx<'_>, id: u64, status: UserStatus, already: &str) -> Result<User, ApiError> {
    let current = tx.user(id)?.ok_or_else(ApiError::not_found)?;
    if current.status == status {
        return Err(ApiError::invalid("status", already));
    }
    tx.set_user_status(id, status)?.ok_or_else(ApiError::not_found)
}

/// What [`unused_email`] reads: whether the field must be sent, and whose account it may
/// already belong to.
pub struct EmailCheck {
    pub presence: Presence,
    /// The account being changed, which may keep its own address.
    pub except: Option<UserId>,
}

impl EmailCheck {
    /// A new account's address: required, and nobody's yet.
    pub fn new_account() -> EmailCheck {
        EmailCheck { presence: Presence::Required, except: None }
    }

    /// A change of `id`'s address: checked when sent, and nobody else's.
    pub fn change_of(id: UserId) -> EmailCheck {
        EmailCheck { presence: Presence::IfSent, except: Some(id) }
    }
}

const EMAIL_TAKEN: &str = "The email has already been taken.";

/// The `email` field as [`Input::email`] reads it, refused when another account has it, so
/// the 422 lists it with the other fields. The change's transaction checks again
/// ([`ensure_email_free`]): another request may take the address in between.
pub fn unused_email(
    state: &AppState,
    input: &Input,
    check: EmailCheck,
    errors: &mut FieldErrors,
) -> Result<Option<String>, ApiError> {
    let Some(email) = input.email("email", check.presence, errors) else { return Ok(None) };
    if state.store().read(|tx| tx.email_taken(&email, check.except))? {
        errors.add("email", EMAIL_TAKEN);
        return Ok(None);
    }
    Ok(Some(email))
}

/// 422 when `email` (if any) belongs to an account other than `except`, inside a change.
pub fn ensure_email_free(
    tx: &Tx<'_>,
    email: Option<&String>,
    except: Option<UserId>,
) -> Result<(), ApiError> {
    match email {
        Some(email) if tx.email_taken(email, except)? => Err(ApiError::invalid("email", EMAIL_TAKEN)),
        _ => Ok(()),
    }
}

/// `UserUpdated` about `user` on their tenant's channel.
pub fn user_updated(state: &AppState, tenant_id: TenantId, user: &User) -> crate::events::Event {
    state.event(EventKind::UserUpdated, vec![Channel::Tenant(tenant_id)], json!({ "user": user }))
}
