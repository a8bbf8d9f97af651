//! Reading back what was broadcast: catch-up after a disconnect, and a tenant's activity.
//!
//! Pusher does not replay what a client missed; this does. Every event a change caused is
//! kept with its channels, and a person may read back exactly the events of the channels
//! they may join (CONTRACT.md's `GET /api/notifications`).

use axum::Json;
use axum::extract::{RawQuery, State};
use herald_contract::{Channel, EventKind, EventRecord, Role, User};
use serde_json::{Value, json};

use crate::AppState;
use crate::api::Authenticated;
use crate::error::{ApiError, FieldErrors};
use crate::input::{Input, Presence};
use crate::resource::Data;
use crate::tenants::TenantRoute;

/// Catch-up answers at most this many events per request; `next_after` pages on.
pub const MAX_LIMIT: u64 = 1000;
const DEFAULT_LIMIT: u64 = 100;

/// `GET /api/notifications?after=<event id>&limit=<n>`: `{"data": [records, oldest first],
/// "next_after": <id of the last record, or the given after>}`. Without `after`, from the first.
pub async fn catch_up(
    State(state): State<AppState>,
    actor: Authenticated,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Input::from_query(query.as_deref());
    let mut errors = FieldErrors::default();
    let after = query.text("after", Presence::IfSent, 64, &mut errors);
    let limit = limit(&query, DEFAULT_LIMIT, MAX_LIMIT, &mut errors);
    errors.into_result()?;
    let channels = channels_of(&actor.user);
    let records = state.store().read(|tx| {
        if let Some(after) = &after
            && !tx.event_exists(after)?
        {
            return Ok(None);
        }
        tx.events_after(&channels, after.as_deref(), limit).map(Some)
    })?;
    let Some(records) = records else {
        return Err(ApiError::invalid("after", "The selected after is invalid."));
    };
    let next_after = records.last().map(|record| record.id.clone()).or(after);
    Ok(Json(json!({ "data": records, "next_after": next_after })))
}

/// `GET /api/tenants/{tenant}/activity?limit=<n>`: the tenant's payments, hotspot sessions and
/// notices, newest first, for its members and system admins.
pub async fn tenant_activity(
    State(state): State<AppState>,
    route: TenantRoute,
    RawQuery(query): RawQuery,
) -> Result<Data<Vec<EventRecord>>, ApiError> {
    let tenant_id = route.tenant.id;
    route.actor.require_member_of(tenant_id)?;
    let query = Input::from_query(query.as_deref());
    let mut errors = FieldErrors::default();
    let limit = limit(&query, 50, 200, &mut errors);
    errors.into_result()?;
    let names: Vec<String> = [
        EventKind::PaymentCompleted,
        EventKind::PaymentFailed,
        EventKind::HotspotUserCreated,
        EventKind::HotspotUserExpired,
        EventKind::SystemNotification,
    ]
    .into_iter()
    .map(EventKind::broadcast_name)
    .collect();
    let records = state.store().read(|tx| tx.latest_events(Channel::Tenant(tenant_id), &names, limit))?;
    Ok(Data(records))
}

/// The channels `user` may join, which are the ones whose events they may read back.
pub fn channels_of(user: &User) -> Vec<Channel> {
    let mut channels = vec![Channel::User(user.id)];
    if let Some(tenant_id) = user.tenant_id {
        channels.push(Channel::Tenant(tenant_id));
    }
    if user.role == Role::SystemAdmin {
        channels.push(Channel::SystemAdmin);
    }
    channels
}

fn limit(query: &Input, default: u64, max: u64, errors: &mut FieldErrors) -> u64 {
    match query.optional_integer("limit", errors) {
        Some(limit) if (1..=max).contains(&limit) => limit,
        Some(_) => {
            errors.add("limit", format!("The limit field must be between 1 and {max}."));
            default
        }
        None => default,
    }
}
