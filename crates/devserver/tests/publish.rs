//! Publishing through Sockudo's HTTP API, against a fake Sockudo on a random local port that
//! checks each request's signature and body hash the way Sockudo does, and records it.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode, header};
use axum::routing::{get, post};
use herald_contract::signing::request_signature;
use md5::{Digest, Md5};
use serde_json::{Value, json};

use common::{START, TestServer, request, test_config};

/// One request the fake Sockudo accepted.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    query: BTreeMap<String, String>,
    body: Value,
}

#[derive(Clone)]
struct FakeSockudo {
    received: Arc<Mutex<Vec<Received>>>,
    /// What to answer every request with; 200 `{}` unless a test wants a failure.
    answer: Arc<Mutex<(StatusCode, String)>>,
}

impl FakeSockudo {
    /// Starts the fake on 127.0.0.1 with a random port; returns it and its base URL.
    async fn start() -> (FakeSockudo, String) {
        let fake = FakeSockudo {
            received: Arc::default(),
            answer: Arc::new(Mutex::new((StatusCode::OK, "{}".to_owned()))),
        };
        let app = Router::new()
            .route("/apps/{app_id}/events", post(record))
            .route("/apps/{app_id}/batch_events", post(record))
            .route("/apps/{app_id}/channels", get(record))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (fake, url)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn answer_with(&self, status: StatusCode, body: &str) {
        *self.answer.lock().unwrap() = (status, body.to_owned());
    }
}

/// Checks the request as Sockudo would (app id, key, timestamp, body_md5, signature), then
/// records it and answers as told.
async fn record(
    State(fake): State<FakeSockudo>,
    Path(app_id): Path<String>,
    method: Method,
    uri: axum::http::Uri,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> (StatusCode, String) {
    let mut query: BTreeMap<String, String> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    let signature = query.remove("auth_signature").unwrap_or_default();
    assert_eq!(app_id, "herald");
    assert_eq!(query["auth_key"], "herald-key");
    assert_eq!(query["auth_version"], "1.0");
    assert_eq!(query["auth_timestamp"], START.to_string(), "signed with the server's clock");
    if method == Method::POST {
        assert_eq!(query["body_md5"], hex::encode(Md5::digest(&body)));
    } else {
        assert!(!query.contains_key("body_md5"));
    }
    assert_eq!(signature, request_signature("herald-secret", method.as_str(), uri.path(), &query));
    let body = if body.is_empty() { Value::Null } else { serde_json::from_slice(&body).unwrap() };
    fake.received.lock().unwrap().push(Received { path: uri.path().to_owned(), query, body });
    fake.answer.lock().unwrap().clone()
}

async fn publish(server: &TestServer, body: Value, socket_id: Option<&str>) -> common::Answer {
    let mut builder =
        request("POST", "/api/dev/events", None).header(header::CONTENT_TYPE, "application/json");
    if let Some(socket_id) = socket_id {
        builder = builder.header("X-Socket-ID", socket_id);
    }
    server.send(builder.body(Body::from(body.to_string())).unwrap()).await
}

#[tokio::test]
async fn one_event_is_triggered_on_its_channel_with_the_payload_as_a_json_string() {
    let (fake, url) = FakeSockudo::start().await;
    let server = TestServer::new(test_config(&url));
    let answer = publish(&server, json!({"event": "PaymentCompleted", "tenant_id": 1}), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["published"], 1);
    assert_eq!(answer.body["channel"], "private-tenant.1");
    assert_eq!(answer.body["event"], "App\\Events\\PaymentCompleted");

    let received = fake.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/apps/herald/events");
    let body = &received[0].body;
    assert_eq!(body["name"], "App\\Events\\PaymentCompleted");
    assert_eq!(body["channels"], json!(["private-tenant.1"]));
    assert!(body.get("socket_id").is_none(), "no X-Socket-ID, no exclusion");
    let data: Value = serde_json::from_str(body["data"].as_str().expect("data is a string")).unwrap();
    assert_eq!(json!([data["id"].clone()]), answer.body["ids"]);
    assert_eq!(data["occurred_at"], "2025-01-01T00:00:00.000Z");
    assert!(data["payment"]["amount"].is_string());
}

#[tokio::test]
async fn x_socket_id_excludes_the_acting_socket_as_to_others_does() {
    let (fake, url) = FakeSockudo::start().await;
    let server = TestServer::new(test_config(&url));
    let answer = publish(&server, json!({"event": "PasswordChanged", "user_id": 4}), Some("123.456")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["channel"], "private-user.4");
    let received = fake.received();
    assert_eq!(received[0].body["socket_id"], "123.456");
    let data: Value = serde_json::from_str(received[0].body["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["user_id"], 4);
}

#[tokio::test]
async fn many_events_go_in_batches_of_ten() {
    let (fake, url) = FakeSockudo::start().await;
    let server = TestServer::new(test_config(&url));
    let answer = publish(
        &server,
        json!({"event": "SystemAlert", "count": 25, "fields": {"level": "critical"}}),
        Some("9.9"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["published"], 25);
    assert_eq!(answer.body["channel"], "private-system.admin");

    let received = fake.received();
    let sizes: Vec<usize> = received.iter().map(|r| r.body["batch"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [10, 10, 5]);
    assert!(received.iter().all(|r| r.path == "/apps/herald/batch_events"));
    let mut ids = Vec::new();
    for item in received.iter().flat_map(|r| r.body["batch"].as_array().unwrap().clone()) {
        assert_eq!(item["name"], "App\\Events\\SystemAlert");
        assert_eq!(item["channel"], "private-system.admin");
        assert_eq!(item["socket_id"], "9.9");
        let data: Value = serde_json::from_str(item["data"].as_str().unwrap()).unwrap();
        assert_eq!(data["level"], "critical", "fields override the generated payload");
        ids.push(data["id"].clone());
    }
    assert_eq!(Value::Array(ids.clone()), answer.body["ids"], "ids in publish order");
    ids.sort_by_key(|id| id.to_string());
    ids.dedup();
    assert_eq!(ids.len(), 25, "every event has its own id");
}

#[tokio::test]
async fn every_contract_event_can_be_published() {
    let (fake, url) = FakeSockudo::start().await;
    let server = TestServer::new(test_config(&url));
    for kind in herald_contract::EventKind::ALL {
        let body = json!({"event": kind.name(), "tenant_id": 2, "user_id": 3});
        let answer = publish(&server, body, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{kind:?}: {}", answer.body);
    }
    let channels: Vec<String> =
        fake.received().iter().map(|r| r.body["channels"][0].as_str().unwrap().to_owned()).collect();
    assert_eq!(channels.iter().filter(|c| *c == "private-tenant.2").count(), 11);
    assert_eq!(channels.iter().filter(|c| *c == "private-user.3").count(), 4);
    assert_eq!(channels.iter().filter(|c| *c == "private-system.admin").count(), 3);
}

#[tokio::test]
async fn a_refusing_sockudo_is_a_502_that_names_its_status() {
    let (fake, url) = FakeSockudo::start().await;
    fake.answer_with(StatusCode::UNAUTHORIZED, "Invalid signature");
    let server = TestServer::new(test_config(&url));
    let answer = publish(&server, json!({"event": "SystemAlert"}), None).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        answer.body,
        json!({"message": format!(
            "Sockudo at {url} answered HTTP 401: Invalid signature. \
             The events are recorded, so catch-up will return them."
        )})
    );
}

#[tokio::test]
async fn an_unreachable_sockudo_is_a_502() {
    // A port that was free a moment ago and has no listener now.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let url = format!("http://{closed}");
    let server = TestServer::new(test_config(&url));
    let answer = publish(&server, json!({"event": "SystemAlert"}), None).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{}", answer.body);
    let message = answer.body["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("Sockudo at {url} could not be reached")), "{message}");
    let answer = server.get("/api/dev/channels", None).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn dev_channels_returns_sockudos_answer_to_a_signed_get() {
    let (fake, url) = FakeSockudo::start().await;
    fake.answer_with(StatusCode::OK, r#"{"channels":{"private-tenant.1":{}}}"#);
    let server = TestServer::new(test_config(&url));
    let answer = server.get("/api/dev/channels?filter_by_prefix=private-&auth_key=ignored", None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body, json!({"channels": {"private-tenant.1": {}}}));
    let received = fake.received();
    assert_eq!(received[0].path, "/apps/herald/channels");
    assert_eq!(received[0].query["filter_by_prefix"], "private-");
    assert_eq!(received[0].query["auth_key"], "herald-key", "the caller cannot replace auth params");
}

/// A `POST /broadcast` the fake Channels server received: the secret it carried, and its body.
type Broadcast = (Option<String>, Value);

/// A fake Django Channels server: records each `POST /broadcast` with the secret it carried.
#[derive(Clone, Default)]
struct FakeChannels {
    received: Arc<Mutex<Vec<Broadcast>>>,
    /// What to answer with; 200 `{"published": n}` unless a test wants a failure.
    refusal: Arc<Mutex<Option<(StatusCode, String)>>>,
}

impl FakeChannels {
    async fn start() -> (FakeChannels, String) {
        let fake = FakeChannels::default();
        let app = Router::new().route("/broadcast", post(broadcast)).with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (fake, url)
    }

    /// Every event received, in order, with the secret of its request.
    fn events(&self) -> Vec<Broadcast> {
        let received = self.received.lock().unwrap();
        received
            .iter()
            .flat_map(|(secret, body)| {
                body["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|event| (secret.clone(), event.clone()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

async fn broadcast(
    State(fake): State<FakeChannels>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let secret = headers.get("x-broadcast-secret").map(|value| value.to_str().unwrap().to_owned());
    let body: Value = serde_json::from_slice(&body).unwrap();
    let count = body["events"].as_array().map_or(0, Vec::len);
    fake.received.lock().unwrap().push((secret, body));
    match fake.refusal.lock().unwrap().clone() {
        Some(refusal) => refusal,
        None => (StatusCode::OK, json!({"published": count}).to_string()),
    }
}

fn with_channels(sockudo: &str, channels: &str) -> herald_devserver::Config {
    herald_devserver::Config {
        channels_url: Some(channels.parse().unwrap()),
        channels_secret: "test-channels-secret".to_owned(),
        ..test_config(sockudo)
    }
}

#[tokio::test]
async fn with_a_channels_server_every_event_also_goes_to_its_broadcast_endpoint() {
    let (sockudo, sockudo_url) = FakeSockudo::start().await;
    let (channels, channels_url) = FakeChannels::start().await;
    let server = TestServer::new(with_channels(&sockudo_url, &channels_url));
    let answer =
        publish(&server, json!({"event": "UserCreated", "tenant_id": 1, "count": 150}), Some("1.2")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["published"], 150);

    let batches: Vec<usize> = channels
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| body["events"].as_array().unwrap().len())
        .collect();
    assert_eq!(batches, [100, 50], "batches of at most 100");
    let events = channels.events();
    let ids: Vec<Value> = events.iter().map(|(_, event)| event["data"]["id"].clone()).collect();
    assert_eq!(Value::Array(ids), answer.body["ids"], "every event, in publish order");
    for (secret, event) in &events {
        assert_eq!(secret.as_deref(), Some("test-channels-secret"));
        assert_eq!(event["channel"], "private-tenant.1");
        assert_eq!(event["event"], "App\\Events\\UserCreated");
        assert!(event["data"]["user"]["name"].is_string(), "data is the payload object: {event}");
        assert!(event.get("socket_id").is_none(), "a Channels connection has no socket id to exclude");
    }
    assert_eq!(sockudo.received().len(), 15, "Sockudo still gets them all, in its batches of ten");
}

#[tokio::test]
async fn a_change_reaches_the_channels_server_on_every_channel_it_concerns() {
    let (_sockudo, sockudo_url) = FakeSockudo::start().await;
    let (channels, channels_url) = FakeChannels::start().await;
    let server = TestServer::new(with_channels(&sockudo_url, &channels_url));
    let admin = server.token_for(1);
    let answer = server.post_json("/api/tenants/2/suspend", Some(&admin), &json!({"reason": "Unpaid"})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let sent: Vec<(String, String)> = channels
        .events()
        .iter()
        .map(|(_, event)| {
            (event["event"].as_str().unwrap().to_owned(), event["channel"].as_str().unwrap().to_owned())
        })
        .collect();
    let suspended = "App\\Events\\TenantSuspended".to_owned();
    assert!(sent.contains(&(suspended.clone(), "private-tenant.2".to_owned())), "{sent:?}");
    assert!(sent.contains(&(suspended, "private-system.admin".to_owned())), "{sent:?}");
}

#[tokio::test]
async fn a_refusing_channels_server_is_a_502_that_names_it_but_sockudo_still_publishes() {
    let (sockudo, sockudo_url) = FakeSockudo::start().await;
    let (channels, channels_url) = FakeChannels::start().await;
    *channels.refusal.lock().unwrap() =
        Some((StatusCode::UNAUTHORIZED, r#"{"message":"Unauthenticated."}"#.into()));
    let server = TestServer::new(with_channels(&sockudo_url, &channels_url));
    let answer = publish(&server, json!({"event": "SystemAlert"}), None).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        answer.body,
        json!({"message": format!(
            "The Channels server at {channels_url} answered HTTP 401: {{\"message\":\"Unauthenticated.\"}}. \
             The events are recorded, so catch-up will return them."
        )})
    );
    assert_eq!(sockudo.received().len(), 1);
}

#[tokio::test]
async fn an_unreachable_channels_server_fails_no_change() {
    let (_sockudo, sockudo_url) = FakeSockudo::start().await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let server = TestServer::new(with_channels(&sockudo_url, &format!("http://{closed}")));
    let token = server.token_for(4);
    let answer = server.call("PATCH", "/api/me", Some(&token), Some(&json!({"name": "Uma Renamed"}))).await;
    assert_eq!(answer.status, StatusCode::OK, "the change is made and its events kept: {}", answer.body);
    let answer = publish(&server, json!({"event": "PasswordChanged", "user_id": 4}), None).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    let message = answer.body["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("The Channels server at http://{closed} could not be reached")),
        "{message}"
    );
}
