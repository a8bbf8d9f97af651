//! Herald's demo backend: the part of a Laravel + Sockudo deployment the app talks to.
//!
//! Herald is meant to be pointed at a real Laravel backend by changing its runtime config
//! alone, so this server imitates one down to its error bodies (CONTRACT.md): bearer-token
//! login, `/broadcasting/auth` for private channels, and a dev-only route that publishes the
//! contract's events through Sockudo's HTTP API the way `broadcast()` does. It is a library
//! as well as a binary so tests can run the whole router in-process.
//!
//! Codemap:
//! - [`config`]: flags and environment variables.
//! - [`store`]: accounts, tenants, revoked tokens; in memory now, SQLite later.
//! - [`tokens`]: JWTs. [`channels`]: who may join which private channel.
//! - [`pusher`]: channel signatures and Sockudo's HTTP API. [`events`]: the event catalogue.
//! - `api`, `broadcasting`, `dev`, `static_app`: the routes; [`error`] and [`input`]: their
//!   Laravel-shaped errors and bodies.
//!
//! Routes (JSON unless noted; errors as `{"message", "errors"?}`):
//! - `GET /up`: `OK` as text, once the server is ready.
//! - `POST /api/login`, `GET /api/me`, `POST /api/logout`: bearer-token session.
//! - `POST /broadcasting/auth`: private-channel signatures, form or JSON body.
//! - `POST /api/dev/events`, `GET /api/dev/channels`: publish events, list Sockudo's channels.
//! - With `--serve-app DIR`: `GET /config.json` (pointed at `--pusher-url`) and the files of
//!   `DIR`, with `index.html` for other paths outside `/api` and `/broadcasting` that do not
//!   name an asset file (a missing `.wasm` or `.js` is a 404).
//!
//! Invariant: a client's mistake is answered with a 4xx and a JSON `message`, never a panic
//! or a 500. Invariant: the app secret and JWT secret leave this process only as signatures.
//! Invariant: the request log has method, path, status and time, never headers or queries.

pub mod channels;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub mod input;
pub mod pusher;
pub mod store;
pub mod tokens;

mod api;
mod broadcasting;
mod dev;
mod static_app;

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use crate::clock::Clock;
pub use crate::config::{Config, ConfigError, USAGE};
use crate::error::ApiError;
use crate::input::BODY_LIMIT_BYTES;
use crate::pusher::{Credentials, PusherClient};
use crate::store::Store;
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
}

impl AppState {
    /// State for `config` on the system clock. Seeds the store, which hashes the demo
    /// password once (tens of milliseconds).
    pub fn new(config: Config) -> AppState {
        AppState::with_clock(config, Clock::system())
    }

    /// State whose notion of "now" (token expiry, timestamps, request signing) is `clock`.
    pub fn with_clock(config: Config, clock: Clock) -> AppState {
        let tokens = Tokens::new(&config.jwt_secret, config.token_ttl, clock.clone());
        let credentials = Credentials {
            app_id: config.app_id.clone(),
            key: config.app_key.clone(),
            secret: config.app_secret.clone(),
        };
        let pusher = PusherClient::new(config.pusher_url.clone(), credentials, clock.clone());
        let shared = Shared { store: Store::seeded(), tokens, pusher, clock, config };
        AppState { shared: Arc::new(shared) }
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

    pub fn pusher(&self) -> &PusherClient {
        &self.shared.pusher
    }
}

/// Every route, with the shared body limit and (unless turned off) the request log.
pub fn router(state: AppState) -> Router {
    let log_requests = state.config().log_requests;
    let mut router = Router::new()
        .route("/up", get(|| async { "OK" }))
        .route("/api/login", post(api::login))
        .route("/api/me", get(api::me))
        .route("/api/logout", post(api::logout))
        .route("/broadcasting/auth", post(broadcasting::authorize))
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
    let state = AppState::new(config);
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
        Some(root) if !is_backend_path => static_app::serve(root, &method, path).await,
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
