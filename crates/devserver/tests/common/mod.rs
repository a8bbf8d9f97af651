//! Running the devserver's router in-process, with a clock the test controls.
//!
//! Each test file uses part of this; the rest would be dead code there.
#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use herald_devserver::store::Location;
use herald_devserver::{AppState, Clock, Config, router};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// 2025-01-01T00:00:00Z, the manual clock's starting point.
pub const START: u64 = 1_735_689_600;

/// A request's answer: status, content type, headers and the body as JSON (or as a string
/// when it is not JSON, or `Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub headers: HeaderMap,
    pub body: Value,
}

/// The router with its state and clock.
pub struct TestServer {
    pub state: AppState,
    pub router: Router,
    pub clock: Clock,
}

/// A config for tests: quiet, and with Sockudo at `pusher_url`.
pub fn test_config(pusher_url: &str) -> Config {
    Config {
        pusher_url: pusher_url.parse().expect("a valid test URL"),
        data: Location::Memory,
        log_requests: false,
        ..Config::default()
    }
}

impl TestServer {
    pub fn new(config: Config) -> TestServer {
        TestServer::starting_at(config, UNIX_EPOCH + Duration::from_secs(START))
    }

    /// A server whose manual clock starts at `start`: the real time, for a test that
    /// publishes to a real Sockudo (which refuses requests signed too far from its own clock).
    pub fn starting_at(config: Config, start: SystemTime) -> TestServer {
        let clock = Clock::manual(start);
        let state = AppState::with_clock(config, clock.clone()).expect("an in-memory database opens");
        TestServer { router: router(state.clone()), state, clock }
    }

    /// A server whose Sockudo is never reached (the tests using it never publish).
    pub fn offline() -> TestServer {
        TestServer::new(test_config("http://127.0.0.1:9"))
    }

    /// A valid token for a user, minted directly rather than through a slow Argon2 login.
    pub fn token_for(&self, user_id: u64) -> String {
        let generation =
            self.state.store().account(user_id).unwrap().map_or(0, |account| account.token_generation);
        self.state.tokens().issue(user_id, generation, None).token
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.expect("the router is infallible");
        let status = response.status();
        let content_type =
            response.headers().get(header::CONTENT_TYPE).map(|value| value.to_str().unwrap().to_owned());
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer { status, content_type, headers, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.send(request("GET", path, token).body(Body::empty()).unwrap()).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.call("POST", path, token, Some(body)).await
    }

    /// Any method with an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Answer {
        let builder = request(method, path, token);
        let request = match body {
            Some(body) => {
                builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string()))
            }
            None => builder.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }

    pub async fn post_form(&self, path: &str, token: Option<&str>, body: &str) -> Answer {
        let request = request("POST", path, token)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.send(request).await
    }
}

/// A request builder with the bearer token, if any.
pub fn request(method: &str, path: &str, token: Option<&str>) -> axum::http::request::Builder {
    let builder = Request::builder().method(method).uri(path);
    match token {
        Some(token) => builder.header(header::AUTHORIZATION, format!("Bearer {token}")),
        None => builder,
    }
}
