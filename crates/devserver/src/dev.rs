//! Development-only routes: publish contract events, and ask the WebSocket server who is
//! subscribed (the Channels server with `--channels-url`, since the served app then uses it;
//! Sockudo otherwise).
//!
//! Published events are recorded like those of real changes, so catch-up returns them too,
//! and go to the Django Channels server as well when there is one (`--channels-url`).
//!
//! `POST /api/dev/events` is what `broadcast(new X(...))` in Laravel's tinker is to a real
//! backend: the demo, the end-to-end tests and a developer with curl use it to make events
//! happen without business logic behind them. `GET /api/dev/channels` lets tests check
//! subscriptions from the server's side. Neither asks for a token: the server binds to
//! loopback only, and these routes exist for the people and tests on that machine.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use herald_contract::{ChannelKind, EventKind, Role};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, FieldErrors};
use crate::events::{Event, Subject};
use crate::input::{ChangeRequest, Input};
use crate::pusher::{PusherError, PusherErrorKind};

/// At most this many events per request: enough to test coalescing and history bounds.
pub const MAX_COUNT: u64 = 1000;

/// `POST /api/dev/events {"event", "tenant_id" | "user_id", "count"?, "fields"?}`, honouring
/// `X-Socket-ID` as Laravel's `toOthers()` does.
pub async fn publish_events(
    State(state): State<AppState>,
    ChangeRequest { origin, input, .. }: ChangeRequest<()>,
) -> Result<Json<Value>, ApiError> {
    let mut errors = FieldErrors::default();
    let kind = input.required_string("event", &mut errors).and_then(|name| {
        let kind = EventKind::from_name(&name);
        if kind.is_none() {
            errors.add("event", "The selected event is invalid.");
        }
        kind
    });
    let subject = match kind {
        Some(kind) => subject_for(&state, kind, &input, &mut errors)?,
        None => None,
    };
    let count = input.optional_integer("count", &mut errors).unwrap_or(1);
    if !(1..=MAX_COUNT).contains(&count) {
        errors.add("count", format!("The count field must be between 1 and {MAX_COUNT}."));
    }
    let fields = input.optional_object("fields", &mut errors);
    errors.into_result()?;
    let (Some(kind), Some(subject)) = (kind, subject) else {
        return Err(ApiError::invalid("event", "The event field is required."));
    };

    let events: Vec<Event> = {
        let now = state.clock().now();
        let mut rng = StdRng::from_entropy();
        (0..count)
            .map(|_| {
                let mut event = Event::generate(kind, &subject, now, &mut rng);
                if let Some(fields) = &fields {
                    event.merge_fields(fields);
                }
                event
            })
            .collect()
    };
    state.store().write(|tx| events.iter().try_for_each(|event| tx.record(event)))?;
    let outgoing: Vec<_> = events.iter().flat_map(|event| event.outgoing(origin.socket_id())).collect();
    let outcome = state.publish(&outgoing).await;
    // Either server failing is a 502 naming it (both, when both failed): a test or a person
    // firing events learns that some subscribers did not hear them live.
    let mut failures = Vec::new();
    let published = match outcome.sockudo {
        Ok(published) => published,
        Err(error) => {
            failures.push(format!(
                "{}{}",
                describe_failure(&state, &error.kind),
                progress(&error, outgoing.len())
            ));
            error.published
        }
    };
    if let (Some(Err(error)), Some(channels)) = (&outcome.channels, state.channels()) {
        let base = channels.base_url().as_str().trim_end_matches('/').to_owned();
        failures.push(format!(
            "The Channels server at {base} {}{}",
            error.kind,
            progress(error, outgoing.len())
        ));
    }
    if !failures.is_empty() {
        let message =
            format!("{} The events are recorded, so catch-up will return them.", failures.join(" "));
        return Err(ApiError::new(StatusCode::BAD_GATEWAY, message));
    }
    Ok(Json(json!({
        "published": published,
        "channel": subject.channel().name(),
        "event": kind.broadcast_name(),
        "ids": events.iter().map(|event| event.id.as_str()).collect::<Vec<_>>(),
    })))
}

/// The subject the event is about, from `tenant_id` or `user_id` as its audience requires;
/// `None` with a message in `errors` when that id is missing or unknown.
fn subject_for(
    state: &AppState,
    kind: EventKind,
    input: &Input,
    errors: &mut FieldErrors,
) -> Result<Option<Subject>, ApiError> {
    Ok(match kind.audience() {
        ChannelKind::Tenant => {
            let Some(id) = input.required_integer("tenant_id", errors) else { return Ok(None) };
            let tenant = state.store().tenant(id)?;
            if tenant.is_none() {
                errors.add("tenant_id", "The selected tenant id is invalid.");
            }
            tenant.map(Subject::Tenant)
        }
        ChannelKind::User => {
            let Some(id) = input.required_integer("user_id", errors) else { return Ok(None) };
            let user = state.store().user(id)?;
            if user.is_none() {
                errors.add("user_id", "The selected user id is invalid.");
            }
            user.map(Subject::User)
        }
        ChannelKind::Admin => {
            let admins = state.store().users_with_role(Role::SystemAdmin)?;
            let approver = admins.first().map_or_else(|| "System".to_owned(), |admin| admin.name.clone());
            Some(Subject::Admin { approver })
        }
    })
}

/// `GET /api/dev/channels?filter_by_prefix=...&info=...`: Sockudo's own answer to
/// `GET /apps/{id}/channels`, signed by this server, or with `--channels-url` the Channels
/// server's answer to `GET /channels` (same shape). Parameters other than `auth_*` and
/// `body_md5` are passed on.
pub async fn channels(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params: BTreeMap<String, String> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(key, _)| !key.starts_with("auth_") && key != "body_md5")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    if let Some(server) = state.channels() {
        let channels = server.channels(&params).await.map_err(|error| {
            let base = server.base_url().as_str().trim_end_matches('/').to_owned();
            ApiError::new(StatusCode::BAD_GATEWAY, format!("The Channels server at {base} {error}."))
        })?;
        return Ok(Json(channels));
    }
    let channels = state.pusher().channels(&params).await.map_err(|error| bad_gateway(&state, &error, ""))?;
    Ok(Json(channels))
}

fn bad_gateway(state: &AppState, error: &PusherErrorKind, progress: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, format!("{}{progress}.", describe_failure(state, error)))
}

fn describe_failure(state: &AppState, error: &PusherErrorKind) -> String {
    let base = state.pusher().base_url().as_str().trim_end_matches('/').to_owned();
    format!("Sockudo at {base} {error}")
}

/// `" after 3 of 10 events were published."`, or `"."` when none were.
fn progress(error: &PusherError, total: usize) -> String {
    if error.published > 0 {
        format!(" after {} of {total} events were published.", error.published)
    } else {
        ".".to_owned()
    }
}
