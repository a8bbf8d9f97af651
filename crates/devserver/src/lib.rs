//! Herald's demo backend: the part of a Laravel + Sockudo deployment the app talks to.
//!
//! Herald is meant to be pointed at a real Laravel backend by changing its runtime config
//! alone, so this server behaves like one down to its error bodies (CONTRACT.md): a SQLite
//! database, Argon2 passwords, JWT bearer tokens that sign-out and suspension revoke,
//! `/broadcasting/auth` for private channels, and real actions (register a tenant, approve
//! it, add a user, record a payment...) each of which records its events and broadcasts them
//! through Sockudo's HTTP API. It is a library as well as a binary so tests can run the whole
//! router in-process.
//!
//! Codemap:
//! - [`config`]: flags and environment variables. [`fire`]: the `fire` subcommand.
//! - The contract's records, events, channels (who may join which) and Pusher's signatures
//!   are `herald_contract`'s; [`model`] adds the devserver's own records and passwords.
//! - [`store`]: the SQLite database; every change runs in one transaction with its events.
//!   [`seed`]: what a new database starts with, and the demo volume of `--seed-users N
//!   --seed-events N` (tenant 1 at real data sizes). [`paging`]: Laravel's cursor paging.
//! - [`tokens`]: JWTs and refresh tokens. [`sessions`]: sign-in families, refresh-token
//!   rotation and reuse detection. [`pusher`]: Sockudo's HTTP API. [`events`]: the events
//!   broadcast, and realistic payloads for each.
//! - [`django`]: with `--channels-url`, the same events to a Django Channels server's
//!   `POST /broadcast` (`channels_server/`), for the app's second transport.
//! - The routes: `api` (sign-in and the policies), `broadcasting`, `tenants`, `users`,
//!   `account`, `payments`, `hotspot` (and its expiry timer), `notices`, `notifications`
//!   (catch-up, and each person's feed with its marks), [`dev`], `static_app`; [`error`] and [`input`]: Laravel-shaped errors and
//!   validation, and `ChangeRequest` (who asks, from which socket, with what body);
//!   `resource`: the `{"data": …}` answers.
//!
//! Routes (JSON; errors as `{"message", "errors"?}`; the caller needed in brackets):
//! - `GET /up`: `OK` as text, once the server is ready.
//! - `POST /api/login {email, password, remember?}`, `POST /api/refresh {refresh_token}`,
//!   `GET /api/me`, `POST /api/logout`: the bearer-token session; logout also revokes the
//!   sign-in's refresh tokens.
//! - `PATCH /api/me`, `PUT /api/me/password` [anyone signed in]: ProfileUpdated, PasswordChanged.
//! - `POST /broadcasting/auth`: private-channel signatures, form or JSON body.
//! - `GET /api/notifications?after=&limit=` [anyone]: catch-up on the caller's channels (a
//!   query with `after` or `limit`).
//! - `GET /api/notifications?cursor=&per_page=&unread=&channel=&severity=&archived=` [anyone]:
//!   the caller's feed, a cursor page newest first, entries with `read_at` and `archived_at`.
//!   `GET /api/notifications/unread-count`. `PATCH /api/notifications/{id} {read?, archived?}`
//!   and `POST /api/notifications/read-all`: NotificationsRead, NotificationsArchived on the
//!   caller's user channel (broadcast, not recorded).
//! - `POST /api/register` [nobody]: a pending tenant and its owner; TenantRegistered.
//! - `GET /api/tenants?status=&search=&cursor=&per_page=` (a cursor page), `POST /api/tenants`
//!   [system admin]: TenantCreated.
//! - `GET /api/tenants/{id}` [member], `PATCH` [its admin]: TenantUpdated.
//! - `POST /api/tenants/{id}/approve`, `/suspend {reason}` [system admin]: TenantApproved,
//!   TenantSuspended (on the tenant's and the admins' channels).
//! - `GET /api/tenants/{id}/users?status=&search=&cursor=&per_page=` (a cursor page), `POST`
//!   [its admin]: UserCreated. `PATCH|DELETE
//!   /api/users/{id}`, `POST /api/users/{id}/suspend {reason}`, `/activate` [its admin]:
//!   UserUpdated, UserDeleted, AccountSuspended or AccountActivated (+ UserUpdated).
//! - `POST /api/tenants/{id}/payments` [its admin]: PaymentCompleted or PaymentFailed.
//! - `POST /api/tenants/{id}/hotspot-users` [its admin]: HotspotUserCreated; a timer
//!   broadcasts HotspotUserExpired when the session ends.
//! - `GET /api/tenants/{id}/activity?limit=` [member]: payments, hotspot and notices, newest first.
//! - `POST /api/tenants/{id}/notices`, `POST /api/system/alerts` [system admin]:
//!   SystemNotification, SystemAlert.
//! - `POST /api/dev/events`, `GET /api/dev/channels`: publish generated events (recorded like
//!   the rest), list Sockudo's channels (the Channels server's with `--channels-url`). No
//!   token: loopback-only development routes.
//! - With `--serve-app DIR`: `GET /config.json` (pointed at `--pusher-url`, or with
//!   `--channels-url` at that server: `"transport": "channels"` and its `ws_url`) and the files of
//!   `DIR`, with `index.html` for other paths outside `/api` and `/broadcasting` that do not
//!   name an asset file (a missing `.wasm` or `.js` is a 404). Pages carry a
//!   Content-Security-Policy allowing connections to this origin and that WebSocket server only.
//!
//! Checks run in Laravel's order: 401 (no valid token), 404 (unknown id, route-model
//! binding), 403 (policy), 422 (validation). Requests that cause events honour `X-Socket-ID`.
//!
//! Invariant: a client's mistake is answered with a 4xx and a JSON `message`, never a panic
//! or a 500. Invariant: a change and its events are committed together or not at all; a
//! Sockudo that is down fails no change (the events wait for catch-up). Invariant: the app
//! secret and JWT secret leave this process only as signatures. Invariant: the request log
//! has method, path, status and time, never headers or queries.

pub mod clock;
pub mod config;
pub mod django;
pub mod error;
pub mod events;
pub mod fire;
pub mod input;
pub mod model;
pub mod paging;
pub mod pusher;
pub mod seed;
pub mod sessions;
pub mod store;
pub mod tokens;

mod account;
mod api;
mod broadcasting;
pub mod dev;
mod hotspot;
mod notices;
mod notifications;
mod payments;
mod resource;
mod static_app;
mod tenants;
mod users;

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use herald_contract::{Channel, EventKind, signing::Credentials};

pub use crate::clock::Clock;
pub use crate::config::{Cli, Command, Config};
use crate::django::ChannelsClient;
use crate::error::ApiError;
use crate::events::{Event, FeedMark};
use crate::input::BODY_LIMIT_BYTES;
use crate::input::Origin;
use crate::pusher::{OutgoingEvent, PusherClient, PusherError};
use crate::seed::DemoVolume;
use crate::sessions::Sessions;
use crate::store::{Store, Tx};
use crate::tokens::Tokens;

/// Everything the handlers share. Cloning is cheap: it is one `Arc`.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    config: Config,
    clock: Clock,
    store: Store,
    tokens: Tokens,
    pusher: PusherClient,
    channels: Option<ChannelsClient>,
}

/// What became of one publish: Sockudo's outcome, and the Channels server's when there is one.
pub struct Published {
    pub sockudo: Result<usize, PusherError>,
    pub channels: Option<Result<usize, PusherError>>,
}

impl AppState {
    /// State for `config` on the system clock. Opens the database, creating and seeding it
    /// on first start (which hashes the demo password once, tens of milliseconds).
    pub fn new(config: Config) -> Result<AppState, rusqlite::Error> {
        AppState::with_clock(config, Clock::system())
    }

    /// State whose notion of "now" (token expiry, timestamps, request signing) is `clock`.
    pub fn with_clock(config: Config, clock: Clock) -> Result<AppState, rusqlite::Error> {
        let store = Store::open(&config.data, config.reset)?;
        let wanted = DemoVolume { users: config.seed_users, events: config.seed_events };
        if wanted != DemoVolume::default() {
            let started = Instant::now();
            let added = store.fill_demo_tenant(wanted, clock.now())?;
            if added != DemoVolume::default() {
                eprintln!(
                    "herald-devserver: added {} users to tenant 1 and {} events in {:.1} s",
                    added.users,
                    added.events,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        let tokens = Tokens::new(&config.jwt_secret, config.token_ttl, clock.clone());
        let credentials = Credentials {
            app_id: config.app_id.clone(),
            key: config.app_key.clone(),
            secret: config.app_secret.clone(),
        };
        let pusher = PusherClient::new(config.pusher_url.clone(), credentials, clock.clone());
        let channels =
            config.channels_url.clone().map(|url| ChannelsClient::new(url, config.channels_secret.clone()));
        let shared = Shared { store, tokens, pusher, channels, clock, config };
        Ok(AppState { shared: Arc::new(shared) })
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    pub fn tokens(&self) -> &Tokens {
        &self.shared.tokens
    }

    /// Sign-in families: the tokens login and refresh hand out.
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions::new(self.tokens(), self.clock(), self.config())
    }

    pub fn pusher(&self) -> &PusherClient {
        &self.shared.pusher
    }

    /// The Django Channels server events also go to, with `--channels-url`.
    pub fn channels(&self) -> Option<&ChannelsClient> {
        self.shared.channels.as_ref()
    }

    /// Publishes `outgoing` to Sockudo and, with `--channels-url`, to the Channels server, both
    /// at once: one that is slow or down does not hold the other up.
    pub async fn publish(&self, outgoing: &[OutgoingEvent]) -> Published {
        let channels = async {
            match self.channels() {
                Some(channels) => Some(channels.publish(outgoing).await),
                None => None,
            }
        };
        let (sockudo, channels) = tokio::join!(self.pusher().publish(outgoing), channels);
        Published { sockudo, channels }
    }

    /// A new `kind` event on `channels` carrying `fields`, occurring now.
    pub fn event(&self, kind: EventKind, channels: Vec<Channel>, fields: serde_json::Value) -> Event {
        Event::new(kind, channels, fields, self.clock().now(), &mut rand::thread_rng())
    }

    /// Runs `change` in one transaction, records the events it returns in the same
    /// transaction, then broadcasts them (except to `origin`). This is how every route that
    /// changes data causes its events: the change and its events are kept together or not at
    /// all, and nothing is broadcast about a change that did not happen.
    pub async fn change<T>(
        &self,
        origin: &Origin,
        change: impl FnOnce(&Tx<'_>) -> Result<(T, Vec<Event>), ApiError>,
    ) -> Result<T, ApiError> {
        self.change_marking(origin, |tx| change(tx).map(|(value, events)| (value, events, Vec::new()))).await
    }

    /// [`AppState::change`] for a change that also tells a person's devices about their
    /// feed's marks: the [`FeedMark`]s it returns go out after its events, the same way (not
    /// to `origin`, to Sockudo and the Channels server), and are not recorded.
    pub async fn change_marking<T>(
        &self,
        origin: &Origin,
        change: impl FnOnce(&Tx<'_>) -> Result<(T, Vec<Event>, Vec<FeedMark>), ApiError>,
    ) -> Result<T, ApiError> {
        let (value, events, marks) = self.store().write(|tx| {
            let (value, events, marks) = change(tx)?;
            events.iter().try_for_each(|event| tx.record(event))?;
            Ok::<_, ApiError>((value, events, marks))
        })?;
        let socket_id = origin.socket_id();
        let mut outgoing: Vec<_> = events.iter().flat_map(|event| event.outgoing(socket_id)).collect();
        outgoing.extend(marks.iter().map(|mark| mark.outgoing(socket_id)));
        let mut names: Vec<&str> = events.iter().map(|event| event.kind.name()).collect();
        names.extend(marks.iter().map(|mark| mark.kind.name()));
        self.send(&outgoing, &names).await;
        Ok(value)
    }

    /// Expires the hotspot users whose time is up, broadcasting `HotspotUserExpired` for each;
    /// the server does this every second. Returns how many expired.
    pub async fn expire_hotspot_users(&self) -> Result<usize, ApiError> {
        hotspot::expire_due(self).await
    }

    /// Broadcasts events already recorded by the change that caused them, except to the
    /// socket `origin` (Laravel's `toOthers()`), and to the Channels server when there is one.
    /// A server that cannot be reached does not undo the change or fail the request: the
    /// events are kept, and a client gets them through catch-up. The failure is logged, as
    /// Laravel logs a failed broadcast job.
    pub async fn broadcast(&self, events: &[Event], origin: &Origin) {
        let outgoing: Vec<_> = events.iter().flat_map(|event| event.outgoing(origin.socket_id())).collect();
        let names: Vec<&str> = events.iter().map(|event| event.kind.name()).collect();
        self.send(&outgoing, &names).await;
    }

    /// Publishes `outgoing` (the messages of what `names` lists), logging a server that could
    /// not take them.
    async fn send(&self, outgoing: &[OutgoingEvent], names: &[&str]) {
        if outgoing.is_empty() {
            return;
        }
        let published = self.publish(outgoing).await;
        let failures = [("Sockudo", Some(published.sockudo)), ("the Channels server", published.channels)];
        for (server, outcome) in failures {
            if let Some(Err(error)) = outcome {
                eprintln!(
                    "herald-devserver: broadcasting {} to {server} failed after {} of {} messages ({}); kept for catch-up",
                    names.join(", "),
                    error.published,
                    outgoing.len(),
                    error.kind
                );
            }
        }
    }
}

/// Every route, with the shared body limit and (unless turned off) the request log.
pub fn router(state: AppState) -> Router {
    let log_requests = state.config().log_requests;
    let mut router = Router::new()
        .route("/up", get(|| async { "OK" }))
        .route("/api/login", post(api::login))
        .route("/api/me", get(api::me))
        .route("/api/refresh", post(api::refresh))
        .route("/api/logout", post(api::logout))
        .route("/broadcasting/auth", post(broadcasting::authorize))
        .route("/api/register", post(tenants::register))
        .route("/api/me", patch(account::update_profile))
        .route("/api/me/password", put(account::change_password))
        .route("/api/notifications", get(notifications::index))
        .route("/api/notifications/unread-count", get(notifications::unread_count))
        .route("/api/notifications/read-all", post(notifications::read_all))
        .route("/api/notifications/{notification}", patch(notifications::mark))
        .route("/api/tenants", get(tenants::index).post(tenants::create))
        .route("/api/tenants/{tenant}", get(tenants::show).patch(tenants::update))
        .route("/api/tenants/{tenant}/approve", post(tenants::approve))
        .route("/api/tenants/{tenant}/suspend", post(tenants::suspend))
        .route("/api/tenants/{tenant}/notices", post(notices::notify_tenant))
        .route("/api/tenants/{tenant}/activity", get(notifications::tenant_activity))
        .route("/api/tenants/{tenant}/users", get(users::index).post(users::create))
        .route("/api/users/{user}", patch(users::update).delete(users::destroy))
        .route("/api/users/{user}/suspend", post(users::suspend))
        .route("/api/users/{user}/activate", post(users::activate))
        .route("/api/tenants/{tenant}/payments", post(payments::record))
        .route("/api/tenants/{tenant}/hotspot-users", post(hotspot::create))
        .route("/api/system/alerts", post(notices::alert_admins))
        .route("/api/dev/events", post(dev::publish_events))
        .route("/api/dev/channels", get(dev::channels));
    if state.config().serve_app.is_some() {
        router = router.route("/config.json", get(static_app::config_json));
    }
    let mut router = router
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .with_state(state);
    if log_requests {
        router = router.layer(middleware::from_fn(log_request));
    }
    router
}

/// Binds `config.addr`, prints `herald-devserver listening on http://ADDR` (with the real port
/// when port 0 was asked for) and serves until SIGINT or SIGTERM, then finishes open requests.
pub async fn run(config: Config) -> std::io::Result<()> {
    if let Some(dir) = &config.serve_app
        && !dir.join("index.html").is_file()
    {
        return Err(std::io::Error::other(format!(
            "--serve-app {}: there is no index.html in it (build the app with Trunk first)",
            dir.display()
        )));
    }
    let state = AppState::new(config)
        .map_err(|error| std::io::Error::other(format!("the database could not be opened: {error}")))?;
    tokio::spawn(hotspot::expire_periodically(state.clone()));
    let listener = tokio::net::TcpListener::bind(state.config().addr).await?;
    let addr = listener.local_addr()?;
    println!("herald-devserver listening on http://{addr}");
    std::io::stdout().flush()?;
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    eprintln!("herald-devserver: shutting down");
}

/// Unknown paths: the built app when one is served (an SPA route), else Laravel's JSON 404.
async fn fallback(State(state): State<AppState>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let is_backend_path = path == "/api"
        || path.starts_with("/api/")
        || path == "/broadcasting"
        || path.starts_with("/broadcasting/");
    match &state.config().serve_app {
        Some(root) if !is_backend_path => static_app::serve(&state, root, &method, path).await,
        _ => route_not_found(path).into_response(),
    }
}

fn route_not_found(path: &str) -> ApiError {
    let route = path.trim_start_matches('/');
    ApiError::new(StatusCode::NOT_FOUND, format!("The route {route} could not be found."))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    let route = uri.path().trim_start_matches('/').to_owned();
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("The {method} method is not supported for route {route}."),
    )
}

/// One line per request on stderr. Only the path: a query string could carry a token.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    eprintln!("{method} {path} {} {:.1}ms", response.status().as_u16(), elapsed.as_secs_f64() * 1000.0);
    response
}
