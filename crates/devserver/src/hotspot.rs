//! Hotspot users: guests on a tenant's Wi-Fi with a package that runs out.
//!
//! Creating one is `HotspotUserCreated`; a background task expires the ones whose time is up
//! and broadcasts `HotspotUserExpired`, as a scheduled Laravel job would.

use std::time::Duration;

use axum::extract::State;
use herald_contract::{Channel, EventKind, HotspotUser};
use serde_json::json;

use crate::AppState;
use crate::error::{ApiError, FieldErrors};
use crate::input::{ChangeRequest, MAX_TEXT, Origin, Presence, check};
use crate::resource::Created;
use crate::tenants::AdministeredTenant;

/// The longest package: a year, in seconds.
const MAX_SECONDS: u64 = 31_536_000;

/// `POST /api/tenants/{tenant}/hotspot-users {username, package, seconds}`: a session of
/// `seconds` from now.
pub async fn create(
    State(state): State<AppState>,
    ChangeRequest { who: AdministeredTenant(tenant_id), origin, input }: ChangeRequest<AdministeredTenant>,
) -> Result<Created<HotspotUser>, ApiError> {
    let mut errors = FieldErrors::default();
    let username = check(
        input.text("username", Presence::Required, 64, &mut errors),
        |username| username.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
        "username",
        "The username field may only contain letters, numbers, dots, dashes and underscores.",
        &mut errors,
    );
    let package = input.text("package", Presence::Required, MAX_TEXT, &mut errors);
    let seconds = check(
        input.required_integer("seconds", &mut errors),
        |seconds| (1..=MAX_SECONDS).contains(seconds),
        "seconds",
        format!("The seconds field must be between 1 and {MAX_SECONDS}."),
        &mut errors,
    );
    errors.into_result()?;
    let (Some(username), Some(package), Some(seconds)) = (username, package, seconds) else {
        return Err(ApiError::validation(FieldErrors::default()));
    };
    let expires_at = state.clock().unix_seconds() + seconds;
    let hotspot_user = state
        .change(&origin, |tx| {
            if tx.hotspot_username_taken(tenant_id, &username)? {
                return Err(ApiError::invalid("username", "The username has already been taken."));
            }
            let hotspot_user = tx.insert_hotspot_user(tenant_id, &username, &package, expires_at)?;
            let fields = json!({ "hotspot_user": hotspot_user });
            Ok((
                hotspot_user,
                vec![state.event(EventKind::HotspotUserCreated, vec![Channel::Tenant(tenant_id)], fields)],
            ))
        })
        .await?;
    Ok(Created(hotspot_user))
}

/// Expires what is due, then again every second, for as long as the server runs.
pub async fn expire_periodically(state: AppState) {
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // A failure is logged by `ApiError::server_error`; the next tick tries again.
        let _ = expire_due(&state).await;
    }
}

/// One pass: every hotspot user whose time is up is marked expired, with its event.
pub async fn expire_due(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock().unix_seconds();
    state
        .change(&Origin::default(), |tx| {
            let expired = tx.expire_hotspot_users(now)?;
            let events: Vec<_> = expired
                .iter()
                .map(|(tenant_id, hotspot_user)| {
                    let fields = json!({ "hotspot_user": hotspot_user });
                    state.event(EventKind::HotspotUserExpired, vec![Channel::Tenant(*tenant_id)], fields)
                })
                .collect();
            Ok((events.len(), events))
        })
        .await
}
