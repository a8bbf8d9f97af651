//! Tenants: self-registration, the approvals queue, and changes by admins.
//!
//! A registration creates a pending tenant and its owner's account, and tells the system
//! admins (`TenantRegistered`); the owner can sign in once a system admin approves it
//! (`TenantApproved`). Suspension tells the tenant's members and the system admins
//! (`TenantSuspended` on both channels), so every admin's approvals page follows live.

use axum::Json;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use herald_contract::{Channel, CursorPage, EventKind, Role, Tenant, TenantId, TenantStatus};
use serde_json::json;

use crate::AppState;
use crate::api::{Authenticated, SystemAdmin, authenticated_route};
use crate::error::{ApiError, FieldErrors};
use crate::input::{ChangeRequest, Input, MAX_TEXT, Origin, Presence};
use crate::model::{NewUser, hash_password};
use crate::paging::PageRequest;
use crate::resource::{Created, Data};
use crate::store::Tx;
use crate::users::{EmailCheck, ensure_email_free, unused_email};

const TENANT_STATUSES: [(&str, TenantStatus); 3] = [
    ("pending", TenantStatus::Pending),
    ("active", TenantStatus::Active),
    ("suspended", TenantStatus::Suspended),
];

/// `POST /api/register {name, email, owner_name, password, password_confirmation}`: a new
/// tenant waiting for approval, with its owner as tenant admin. No token needed.
pub async fn register(
    State(state): State<AppState>,
    ChangeRequest { origin, input, .. }: ChangeRequest<()>,
) -> Result<Created<Tenant>, ApiError> {
    let mut errors = FieldErrors::default();
    let name = input.text("name", Presence::Required, MAX_TEXT, &mut errors);
    let email = unused_email(&state, &input, EmailCheck::new_account(), &mut errors)?;
    let owner_name = input.text("owner_name", Presence::Required, MAX_TEXT, &mut errors);
    let password = input.new_password("password", &mut errors);
    errors.into_result()?;
    let (Some(name), Some(email), Some(owner_name), Some(password)) = (name, email, owner_name, password)
    else {
        return Err(ApiError::validation(FieldErrors::default()));
    };
    let password_hash = hash_in_background(password).await?;
    let tenant = state
        .change(&origin, |tx| {
            ensure_email_free(tx, Some(&email), None)?;
            let tenant = tx.insert_tenant(&name, &email, TenantStatus::Pending)?;
            let owner = NewUser {
                name: owner_name,
                email: email.clone(),
                password_hash,
                role: Role::TenantAdmin,
                tenant_id: Some(tenant.id),
            };
            tx.insert_user(&owner)?;
            let event = state.event(
                EventKind::TenantRegistered,
                vec![Channel::SystemAdmin],
                json!({ "tenant": tenant }),
            );
            Ok((tenant, vec![event]))
        })
        .await?;
    Ok(Created(tenant))
}

/// `GET /api/tenants?status=&search=&cursor=&per_page=`: a page of tenants, newest first, for
/// system admins: those with one status, and whose name or email contains `search` (in any
/// case), when given (`crate::paging` has the page's shape).
pub async fn index(
    State(state): State<AppState>,
    _: SystemAdmin,
    RawQuery(query): RawQuery,
) -> Result<Json<CursorPage<Tenant>>, ApiError> {
    let query = Input::from_query(query.as_deref());
    let mut errors = FieldErrors::default();
    let status = query.choice("status", Presence::Nullable, &TENANT_STATUSES, &mut errors);
    let search = query.text("search", Presence::Nullable, MAX_TEXT, &mut errors);
    let page = PageRequest::read(&query, &mut errors);
    errors.into_result()?;
    let rows = state.store().read(|tx| tx.tenants_page(status, search.as_deref(), page.keyset()))?;
    Ok(Json(page.page(rows)))
}

/// `POST /api/tenants {name, email}`: an active tenant created by a system admin.
pub async fn create(
    State(state): State<AppState>,
    ChangeRequest { origin, input, .. }: ChangeRequest<SystemAdmin>,
) -> Result<Created<Tenant>, ApiError> {
    let mut errors = FieldErrors::default();
    let name = input.text("name", Presence::Required, MAX_TEXT, &mut errors);
    let email = input.email("email", Presence::Required, &mut errors);
    errors.into_result()?;
    let (Some(name), Some(email)) = (name, email) else {
        return Err(ApiError::validation(FieldErrors::default()));
    };
    let tenant = state
        .change(&origin, |tx| {
            let tenant = tx.insert_tenant(&name, &email, TenantStatus::Active)?;
            let event = state.event(
                EventKind::TenantCreated,
                vec![Channel::Tenant(tenant.id)],
                json!({ "tenant": tenant }),
            );
            Ok((tenant, vec![event]))
        })
        .await?;
    Ok(Created(tenant))
}

/// `GET /api/tenants/{tenant}`: for its members and system admins.
pub async fn show(route: TenantRoute) -> Result<Data<Tenant>, ApiError> {
    route.actor.require_member_of(route.tenant.id)?;
    Ok(Data(route.tenant))
}

/// `PATCH /api/tenants/{tenant} {name?, email?}`: by its admins or a system admin.
/// `TenantUpdated` only when something changed.
pub async fn update(
    State(state): State<AppState>,
    ChangeRequest { who: AdministeredTenant(id), origin, input }: ChangeRequest<AdministeredTenant>,
) -> Result<Data<Tenant>, ApiError> {
    let mut errors = FieldErrors::default();
    let name = input.text("name", Presence::IfSent, MAX_TEXT, &mut errors);
    let email = input.email("email", Presence::IfSent, &mut errors);
    errors.into_result()?;
    let tenant = state
        .change(&origin, |tx| {
            let before = find_tenant(tx, id)?;
            let after =
                tx.update_tenant(id, name.as_deref(), email.as_deref())?.ok_or_else(ApiError::not_found)?;
            let events = if after == before {
                Vec::new()
            } else {
                vec![state.event(
                    EventKind::TenantUpdated,
                    vec![Channel::Tenant(id)],
                    json!({ "tenant": after }),
                )]
            };
            Ok((after, events))
        })
        .await?;
    Ok(Data(tenant))
}

/// `POST /api/tenants/{tenant}/approve`: a pending (or suspended) tenant becomes active.
pub async fn approve(
    State(state): State<AppState>,
    route: TenantRoute,
    origin: Origin,
) -> Result<Data<Tenant>, ApiError> {
    let id = route.for_system_admin()?;
    let tenant = state
        .change(&origin, |tx| {
            let tenant = move_tenant(tx, id, TenantStatus::Active, "The tenant is already active.")?;
            let fields = json!({ "tenant": tenant, "approved_by": route.actor.user.name });
            Ok((tenant, vec![state.event(EventKind::TenantApproved, vec![Channel::SystemAdmin], fields)]))
        })
        .await?;
    Ok(Data(tenant))
}

/// `POST /api/tenants/{tenant}/suspend {reason}`: told to the tenant and to the system admins.
pub async fn suspend(
    State(state): State<AppState>,
    ChangeRequest { who: route, origin, input }: ChangeRequest<TenantRoute>,
) -> Result<Data<Tenant>, ApiError> {
    let id = route.for_system_admin()?;
    let reason = input.required_reason()?;
    let tenant = state
        .change(&origin, |tx| {
            let tenant = move_tenant(tx, id, TenantStatus::Suspended, "The tenant is already suspended.")?;
            let channels = vec![Channel::Tenant(id), Channel::SystemAdmin];
            let event = state.event(
                EventKind::TenantSuspended,
                channels,
                json!({ "tenant": tenant, "reason": reason }),
            );
            Ok((tenant, vec![event]))
        })
        .await?;
    Ok(Data(tenant))
}

/// The tenant a route's `{tenant}` names, for a signed-in person: 401 without a valid token
/// ([`Authenticated`]), then 404 when there is no such tenant, before any policy answers 403
/// (Laravel's route-model binding runs before authorization). Its methods are the policies.
pub struct TenantRoute {
    pub actor: Authenticated,
    pub tenant: Tenant,
}

impl FromRequestParts<AppState> for TenantRoute {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (actor, id) = authenticated_route(parts, state).await?;
        let tenant = state.store().read(|tx| tx.tenant(id))?.ok_or_else(ApiError::not_found)?;
        Ok(TenantRoute { actor, tenant })
    }
}

/// The id of the tenant a route's `{tenant}` names, for its admins and system admins (who may
/// manage its users, payments and hotspot users): [`TenantRoute`]'s 401 and 404, then 403 for
/// everyone else.
pub struct AdministeredTenant(pub TenantId);

impl FromRequestParts<AppState> for AdministeredTenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let route = TenantRoute::from_request_parts(parts, state).await?;
        route.actor.require_tenant_admin_of(route.tenant.id)?;
        Ok(AdministeredTenant(route.tenant.id))
    }
}

impl TenantRoute {
    /// The tenant's id, for system admins only; 403 for everyone else.
    pub fn for_system_admin(&self) -> Result<TenantId, ApiError> {
        self.actor.require_system_admin()?;
        Ok(self.tenant.id)
    }
}

/// Moves the tenant to `status`; 422 with `already` when it is in it.
fn move_tenant(tx: &Tx<'_>, id: u64, status: TenantStatus, already: &str) -> Result<Tenant, ApiError> {
    if find_tenant(tx, id)?.status == status {
        return Err(ApiError::invalid("status", already));
    }
    tx.set_tenant_status(id, status)?.ok_or_else(ApiError::not_found)
}

fn find_tenant(tx: &Tx<'_>, id: u64) -> Result<Tenant, ApiError> {
    tx.tenant(id)?.ok_or_else(ApiError::not_found)
}

/// Argon2 on a blocking thread, so hashing does not hold up other requests.
pub async fn hash_in_background(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| ApiError::server_error("the password hash stopped"))
}
