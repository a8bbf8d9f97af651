//! Reading back what was broadcast: catch-up after a disconnect, each person's feed with
//! their read and archived marks, and a tenant's activity.
//!
//! Pusher does not replay what a client missed; this does. Every event a change caused is
//! kept with its channels, and a person may read back exactly the events of the channels
//! they may join ([`channels_of`]): that is both what catch-up returns and what their feed
//! holds (CONTRACT.md's `GET /api/notifications` and "Paging, and the feed the server keeps").
//! Marks are per person (`notification_states`, keyed by user and event); a change of marks
//! is told to the person's other devices on their user channel (`NotificationsRead`,
//! `NotificationsArchived`, [`FeedMark`]s), and is not itself an entry of the feed.

use axum::Json;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use herald_contract::{
    Channel, ChannelKind, CursorPage, EventKind, EventRecord, FeedEntry, FeedMarkKind, MarkedEntries,
    NotificationsArchived, NotificationsRead, Role, UnreadCount, User,
};
use herald_notifications::Severity;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::Authenticated;
use crate::clock::rfc3339_millis;
use crate::error::{ApiError, FieldErrors};
use crate::events::FeedMark;
use crate::input::{ChangeRequest, Input, MAX_TEXT, Origin, Presence};
use crate::paging::PageRequest;
use crate::resource::Data;
use crate::store::FeedQuery;
use crate::tenants::TenantRoute;

/// Catch-up answers at most this many events per request; `next_after` pages on.
pub const MAX_LIMIT: u64 = 1000;
const DEFAULT_LIMIT: u64 = 100;

const CHANNEL_KINDS: [(&str, ChannelKind); 3] =
    [("tenant", ChannelKind::Tenant), ("user", ChannelKind::User), ("admin", ChannelKind::Admin)];

/// `GET /api/notifications`: catch-up when the query has `after` or `limit` (the form every
/// catch-up request has always had), the person's feed otherwise.
pub async fn index(
    State(state): State<AppState>,
    actor: Authenticated,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = Input::from_query(query.as_deref());
    if query.has("after") || query.has("limit") {
        catch_up(&state, &actor, &query).map(IntoResponse::into_response)
    } else {
        feed(&state, &actor, &query).map(IntoResponse::into_response)
    }
}

/// `GET /api/notifications?after=<event id>&limit=<n>`: `{"data": [records, oldest first],
/// "next_after": <id of the last record, or the given after>}`. Without `after`, from the first.
fn catch_up(state: &AppState, actor: &Authenticated, query: &Input) -> Result<Json<Value>, ApiError> {
    let mut errors = FieldErrors::default();
    let after = query.text("after", Presence::IfSent, 64, &mut errors);
    let limit = limit(query, DEFAULT_LIMIT, MAX_LIMIT, &mut errors);
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

/// `GET /api/notifications?cursor=&per_page=&unread=1&channel=&severity=&archived=1`: a page
/// of the person's feed, newest first, each entry with `read_at` and `archived_at`.
///
/// The three tabs of a notification centre are three queries, as Novu's and Knock's feeds
/// have them: Unread is `unread=1`, All is no flag, Archived is `archived=1`. An entry is
/// either in the archive or not, so without `archived=1` archived entries are left out
/// (archiving takes an entry off the other tabs), and with it only they are listed;
/// `unread=1` combines with either. `channel` (`tenant`, `user`, `admin`) keeps the events of
/// the person's channel of that kind, `severity` those the app shows with that severity.
fn feed(
    state: &AppState,
    actor: &Authenticated,
    query: &Input,
) -> Result<Json<CursorPage<FeedEntry>>, ApiError> {
    let severities = Severity::ALL.map(|severity| (severity.as_str(), severity));
    let mut errors = FieldErrors::default();
    let page = PageRequest::read(query, &mut errors);
    let unread_only = query.filled_boolean("unread", &mut errors).unwrap_or(false);
    let archived = query.filled_boolean("archived", &mut errors).unwrap_or(false);
    let channel = query.choice("channel", Presence::Nullable, &CHANNEL_KINDS, &mut errors);
    let severity = query.choice("severity", Presence::Nullable, &severities, &mut errors);
    errors.into_result()?;
    let channels = channels_of(&actor.user)
        .into_iter()
        .filter(|c| channel.is_none_or(|kind| c.kind() == kind))
        .collect();
    let query = FeedQuery { user_id: actor.user.id, channels, unread_only, archived, severity };
    let rows = state.store().read(|tx| tx.feed_page(&query, page.keyset()))?;
    Ok(Json(page.page(rows)))
}

/// `GET /api/notifications/unread-count`: `{"unread": n}`, the entries of the person's feed
/// they have neither read nor archived (what `?unread=1` lists).
pub async fn unread_count(
    State(state): State<AppState>,
    actor: Authenticated,
) -> Result<Json<UnreadCount>, ApiError> {
    let channels = channels_of(&actor.user);
    let unread = state.store().read(|tx| tx.unread_count(actor.user.id, &channels))?;
    Ok(Json(UnreadCount { unread }))
}

/// `PATCH /api/notifications/{id} {read?: bool, archived?: bool}` (at least one): the entry,
/// as `{"data": entry}`. A mark that changes something is told to the person's other devices
/// (`NotificationsRead`, `NotificationsArchived`); one that changes nothing (reading what was
/// read, which keeps its first `read_at`) is not.
pub async fn mark(
    State(state): State<AppState>,
    ChangeRequest { who: entry, origin, input }: ChangeRequest<FeedEntryRoute>,
) -> Result<Data<FeedEntry>, ApiError> {
    let mut errors = FieldErrors::default();
    let read = input.filled_boolean("read", &mut errors);
    let archived = input.filled_boolean("archived", &mut errors);
    if read.is_none() && archived.is_none() {
        errors.add("read", "The read field is required when archived is not present.");
        errors.add("archived", "The archived field is required when read is not present.");
    }
    errors.into_result()?;
    let FeedEntryRoute { user_id, channels, seq, id } = entry;
    let now = rfc3339_millis(state.clock().now());
    let entry = state
        .change_marking(&origin, |tx| {
            let mut marks = Vec::new();
            if let Some(read) = read {
                let read_at = read.then(|| now.clone());
                if tx.set_read(user_id, seq, read_at.as_deref())? {
                    let told =
                        NotificationsRead { entries: MarkedEntries::Ids { ids: vec![id.clone()] }, read_at };
                    marks.push(FeedMark::new(FeedMarkKind::NotificationsRead, user_id, &told));
                }
            }
            if let Some(archived) = archived {
                let archived_at = archived.then_some(now.as_str());
                if tx.set_archived(user_id, seq, archived_at)? {
                    let told = NotificationsArchived { ids: vec![id.clone()], archived };
                    marks.push(FeedMark::new(FeedMarkKind::NotificationsArchived, user_id, &told));
                }
            }
            let (_, entry) = tx.feed_entry(user_id, &channels, &id)?.ok_or_else(ApiError::not_found)?;
            Ok((entry, Vec::new(), marks))
        })
        .await?;
    Ok(Data(entry))
}

/// `POST /api/notifications/read-all`: 204; every entry of the person's feed they had not
/// read is read now, and their other devices are told (`NotificationsRead {all: true,
/// read_at}`) when there was one.
pub async fn read_all(
    State(state): State<AppState>,
    actor: Authenticated,
    origin: Origin,
) -> Result<StatusCode, ApiError> {
    let user_id = actor.user.id;
    let channels = channels_of(&actor.user);
    let now = rfc3339_millis(state.clock().now());
    state
        .change_marking(&origin, |tx| {
            let read = tx.read_all(user_id, &channels, &now)?;
            let told =
                NotificationsRead { entries: MarkedEntries::All { all: true }, read_at: Some(now.clone()) };
            let marks = if read == 0 {
                Vec::new()
            } else {
                vec![FeedMark::new(FeedMarkKind::NotificationsRead, user_id, &told)]
            };
            Ok(((), Vec::new(), marks))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The entry a route's `{notification}` (an event id) names in the signed-in person's feed:
/// 401 without a valid token, 404 when there is no such event or the person could not have
/// received it (a feed is scoped to its person, as Laravel's `$user->notifications()` is).
pub struct FeedEntryRoute {
    pub user_id: u64,
    pub channels: Vec<Channel>,
    /// The entry's key in the store.
    pub seq: i64,
    pub id: String,
}

impl FromRequestParts<AppState> for FeedEntryRoute {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let actor = Authenticated::from_request_parts(parts, state).await?;
        let Path(id) =
            Path::<String>::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found())?;
        if id.is_empty() || id.chars().count() > MAX_TEXT {
            return Err(ApiError::not_found());
        }
        let channels = channels_of(&actor.user);
        let found = state.store().read(|tx| tx.feed_entry(actor.user.id, &channels, &id))?;
        let (seq, _) = found.ok_or_else(ApiError::not_found)?;
        Ok(FeedEntryRoute { user_id: actor.user.id, channels, seq, id })
    }
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
