//! Messages from the operators: a notice to one tenant (`SystemNotification`) and an alert
//! to all system admins (`SystemAlert`). Both are for system admins to send.

use axum::extract::State;
use herald_contract::{Channel, EventKind};
use serde_json::{Value, json};

use crate::AppState;
use crate::api::SystemAdmin;
use crate::error::{ApiError, FieldErrors};
use crate::input::{ChangeRequest, Input, MAX_TEXT, Origin, Presence};
use crate::resource::Created;
use crate::tenants::TenantRoute;

const LEVELS: [(&str, &str); 5] = [
    ("info", "info"),
    ("success", "success"),
    ("warning", "warning"),
    ("error", "error"),
    ("critical", "critical"),
];

/// The longest message body.
const MAX_MESSAGE: usize = 2000;

/// `POST /api/tenants/{tenant}/notices {title, message, level}`: 201 with the event's payload.
pub async fn notify_tenant(
    State(state): State<AppState>,
    ChangeRequest { who: route, origin, input }: ChangeRequest<TenantRoute>,
) -> Result<Created<Value>, ApiError> {
    let tenant_id = route.for_system_admin()?;
    let notice = notice(&input)?;
    send(&state, &origin, EventKind::SystemNotification, Channel::Tenant(tenant_id), notice).await
}

/// `POST /api/system/alerts {title, message, level}`: 201 with the event's payload.
pub async fn alert_admins(
    State(state): State<AppState>,
    ChangeRequest { origin, input, .. }: ChangeRequest<SystemAdmin>,
) -> Result<Created<Value>, ApiError> {
    let notice = notice(&input)?;
    send(&state, &origin, EventKind::SystemAlert, Channel::SystemAdmin, notice).await
}

fn notice(input: &Input) -> Result<Value, ApiError> {
    let mut errors = FieldErrors::default();
    let title = input.text("title", Presence::Required, MAX_TEXT, &mut errors);
    let message = input.text("message", Presence::Required, MAX_MESSAGE, &mut errors);
    let level = input.choice("level", Presence::Required, &LEVELS, &mut errors);
    errors.into_result()?;
    Ok(json!({ "title": title, "message": message, "level": level }))
}

async fn send(
    state: &AppState,
    origin: &Origin,
    kind: EventKind,
    channel: Channel,
    fields: Value,
) -> Result<Created<Value>, ApiError> {
    let payload = state
        .change(origin, |_| {
            let event = state.event(kind, vec![channel], fields);
            Ok((Value::Object(event.payload.clone()), vec![event]))
        })
        .await?;
    Ok(Created(payload))
}
