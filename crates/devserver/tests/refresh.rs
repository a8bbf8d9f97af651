//! Short-lived access tokens and rotating refresh tokens (CONTRACT.md, "Refresh"), as the app
//! uses them: sign in, refresh, reuse, expiry, logout, suspension. The router runs in-process
//! on a manual clock, so expiry is checked by moving time, not by waiting.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use herald_devserver::Config;
use herald_devserver::store::Location;
use serde_json::{Value, json};

use common::{Answer, TestServer, request, test_config};

const UNAUTHENTICATED: &str = "Unauthenticated.";

/// The tokens of one answer.
struct Grant {
    token: String,
    refresh_token: String,
}

impl Grant {
    fn from(answer: &Answer) -> Grant {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let text = |field: &str| answer.body[field].as_str().unwrap_or_else(|| panic!("{field}")).to_owned();
        Grant { token: text("token"), refresh_token: text("refresh_token") }
    }
}

fn server_with(config: impl FnOnce(&mut Config)) -> TestServer {
    let mut test = test_config("http://127.0.0.1:9");
    config(&mut test);
    TestServer::new(test)
}

async fn login(server: &TestServer, email: &str, remember: Option<Value>) -> Answer {
    let mut body = json!({"email": email, "password": "password"});
    if let Some(remember) = remember {
        body["remember"] = remember;
    }
    server.post_json("/api/login", None, &body).await
}

async fn refresh(server: &TestServer, refresh_token: &str) -> Answer {
    server.post_json("/api/refresh", None, &json!({ "refresh_token": refresh_token })).await
}

async fn me(server: &TestServer, token: &str) -> StatusCode {
    server.get("/api/me", Some(token)).await.status
}

async fn logout(server: &TestServer, token: &str) -> StatusCode {
    server.send(request("POST", "/api/logout", Some(token)).body(Body::empty()).unwrap()).await.status
}

fn assert_unauthenticated(answer: &Answer, why: &str) {
    assert_eq!(
        (answer.status, &answer.body),
        (StatusCode::UNAUTHORIZED, &json!({ "message": UNAUTHENTICATED })),
        "{why}"
    );
}

fn keys(body: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn login_and_refresh_answer_the_contracts_shapes() {
    let server = TestServer::offline();
    let answer = login(&server, "user@acme.test", Some(json!(true))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        keys(&answer.body),
        ["expires_at", "expires_in", "refresh_expires_at", "refresh_token", "token", "token_type", "user"]
    );
    // The manual clock starts at 2025-01-01T00:00:00Z: 15-minute tokens, 30-day refresh tokens.
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(
        (&answer.body["expires_at"], &answer.body["expires_in"]),
        (&json!("2025-01-01T00:15:00Z"), &json!(900))
    );
    assert_eq!(answer.body["refresh_expires_at"], "2025-01-31T00:00:00Z");
    assert_eq!(answer.body["user"]["id"], 4);

    server.clock.advance(Duration::from_secs(600));
    let refreshed = refresh(&server, answer.body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    assert_eq!(
        keys(&refreshed.body),
        ["expires_at", "expires_in", "refresh_expires_at", "refresh_token", "token", "token_type"]
    );
    assert_eq!(refreshed.body["token_type"], "Bearer");
    assert_eq!(refreshed.body["expires_in"], 900);
    assert_eq!(refreshed.body["expires_at"], "2025-01-01T00:25:00Z");
    assert_eq!(
        refreshed.body["refresh_expires_at"], "2025-01-31T00:10:00Z",
        "each refresh token gets its own 30 days"
    );
    assert_ne!(refreshed.body["token"], answer.body["token"]);
    assert_ne!(refreshed.body["refresh_token"], answer.body["refresh_token"]);
    assert_eq!(me(&server, refreshed.body["token"].as_str().unwrap()).await, StatusCode::OK);
}

#[tokio::test]
async fn each_refresh_token_is_good_for_one_refresh_and_the_chain_goes_on() {
    let server = server_with(|config| config.token_ttl = Duration::from_secs(60));
    let mut grant = Grant::from(&login(&server, "owner@acme.test", None).await);
    for round in 0..5 {
        // The access token has expired; the refresh token brings a new one.
        server.clock.advance(Duration::from_secs(60));
        assert_eq!(me(&server, &grant.token).await, StatusCode::UNAUTHORIZED, "round {round}");
        let next = Grant::from(&refresh(&server, &grant.refresh_token).await);
        assert_eq!(me(&server, &next.token).await, StatusCode::OK, "round {round}");
        grant = next;
    }
}

/// A spent refresh token presented again means two parties hold it: every token of the
/// sign-in stops working, the newest refresh token and the access tokens included.
#[tokio::test]
async fn reusing_a_spent_refresh_token_revokes_the_whole_sign_in() {
    let server = TestServer::offline();
    let first = Grant::from(&login(&server, "user@acme.test", Some(json!(true))).await);
    let second = Grant::from(&refresh(&server, &first.refresh_token).await);
    let elsewhere = Grant::from(&login(&server, "user@acme.test", None).await);

    assert_unauthenticated(&refresh(&server, &first.refresh_token).await, "the spent token");
    assert_unauthenticated(&refresh(&server, &second.refresh_token).await, "the newest token of the family");
    for token in [&first.token, &second.token] {
        assert_eq!(me(&server, token).await, StatusCode::UNAUTHORIZED);
        let auth = server
            .post_form("/broadcasting/auth", Some(token), "socket_id=1.2&channel_name=private-user.4")
            .await;
        assert_eq!(auth.status, StatusCode::UNAUTHORIZED, "no channel for a revoked family either");
    }
    // Another sign-in of the same person is another family.
    assert_eq!(me(&server, &elsewhere.token).await, StatusCode::OK);
    assert_eq!(refresh(&server, &elsewhere.refresh_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn two_refreshes_racing_with_one_token_do_not_both_succeed() {
    let server = TestServer::offline();
    let grant = Grant::from(&login(&server, "user@acme.test", None).await);
    let (one, other) =
        tokio::join!(refresh(&server, &grant.refresh_token), refresh(&server, &grant.refresh_token));
    let mut statuses = [one.status.as_u16(), other.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401]);
}

#[tokio::test]
async fn a_refresh_token_expires_and_keep_me_signed_in_sets_how_soon() {
    let server = server_with(|config| config.refresh_ttl = Duration::from_secs(24 * 3600));
    // Without "keep me signed in": 12 hours, the server's bound on a browser session.
    let session = login(&server, "user@acme.test", None).await;
    assert_eq!(session.body["refresh_expires_at"], "2025-01-01T12:00:00Z");
    let form =
        server.post_form("/api/login", None, "email=user%40acme.test&password=password&remember=1").await;
    assert_eq!(form.body["refresh_expires_at"], "2025-01-02T00:00:00Z", "--refresh-ttl with remember=1");
    let session = Grant::from(&session);
    let remembered = Grant::from(&form);

    server.clock.advance(Duration::from_secs(12 * 3600 - 1));
    let last_second = Grant::from(&refresh(&server, &session.refresh_token).await);
    server.clock.advance(Duration::from_secs(1));
    assert_unauthenticated(&refresh(&server, &session.refresh_token).await, "spent, and expired now");
    server.clock.advance(Duration::from_secs(12 * 3600 - 1));
    let remembered = Grant::from(&refresh(&server, &remembered.refresh_token).await);
    server.clock.advance(Duration::from_secs(1));
    assert_unauthenticated(
        &refresh(&server, &last_second.refresh_token).await,
        "12 hours after it was handed out",
    );
    assert_eq!(refresh(&server, &remembered.refresh_token).await.status, StatusCode::OK);
}

/// `--refresh-ttl 0` is a backend without refresh, as CONTRACT.md allows: the login answer
/// has no refresh token, so a client signs out at `exp`.
#[tokio::test]
async fn a_zero_refresh_ttl_hands_out_no_refresh_token() {
    let server = server_with(|config| config.refresh_ttl = Duration::ZERO);
    for remember in [None, Some(json!(true))] {
        let answer = login(&server, "user@acme.test", remember).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(keys(&answer.body), ["expires_at", "expires_in", "token", "token_type", "user"]);
        let token = answer.body["token"].as_str().unwrap();
        assert_eq!(me(&server, token).await, StatusCode::OK);
        assert_eq!(logout(&server, token).await, StatusCode::NO_CONTENT);
        assert_eq!(me(&server, token).await, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn logout_revokes_the_access_token_and_its_refresh_family() {
    let server = TestServer::offline();
    let first = Grant::from(&login(&server, "owner@acme.test", Some(json!(true))).await);
    let second = Grant::from(&refresh(&server, &first.refresh_token).await);
    let other_device = Grant::from(&login(&server, "owner@acme.test", Some(json!(true))).await);

    assert_eq!(logout(&server, &second.token).await, StatusCode::NO_CONTENT);
    assert_eq!(me(&server, &second.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&server, &first.token).await,
        StatusCode::UNAUTHORIZED,
        "an earlier access token of the family"
    );
    assert_unauthenticated(&refresh(&server, &second.refresh_token).await, "the family's refresh token");
    assert_eq!(logout(&server, &first.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&server, &other_device.token).await, StatusCode::OK);
    assert_eq!(refresh(&server, &other_device.refresh_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_suspended_or_deleted_person_or_a_suspended_tenant_cannot_refresh() {
    let server = TestServer::offline();
    let owner = server.token_for(2);
    let admin = server.token_for(1);
    let suspended = Grant::from(&login(&server, "user@acme.test", Some(json!(true))).await);
    let answer =
        server.call("POST", "/api/users/4/suspend", Some(&owner), Some(&json!({"reason": "x"}))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_unauthenticated(&refresh(&server, &suspended.refresh_token).await, "suspended");
    assert_eq!(server.call("POST", "/api/users/4/activate", Some(&owner), None).await.status, StatusCode::OK);
    assert_unauthenticated(
        &refresh(&server, &suspended.refresh_token).await,
        "a sign-in from before the suspension stays dead",
    );
    let after = Grant::from(&login(&server, "user@acme.test", None).await);
    assert_eq!(refresh(&server, &after.refresh_token).await.status, StatusCode::OK, "a new sign-in works");

    let of_tenant = Grant::from(&login(&server, "owner@acme.test", None).await);
    let answer =
        server.call("POST", "/api/tenants/1/suspend", Some(&admin), Some(&json!({"reason": "x"}))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_unauthenticated(&refresh(&server, &of_tenant.refresh_token).await, "the tenant is suspended");

    let globex = Grant::from(&login(&server, "owner@globex.test", None).await);
    let gus = server.token_for(3);
    let created = server
        .call(
            "POST",
            "/api/tenants/2/users",
            Some(&gus),
            Some(&json!({"name": "Temp", "email": "temp@globex.test", "password": "password",
                         "password_confirmation": "password", "role": "user"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["data"]["id"].as_u64().unwrap();
    let temp = Grant::from(&login(&server, "temp@globex.test", None).await);
    let deleted = server.call("DELETE", &format!("/api/users/{id}"), Some(&gus), None).await;
    assert!(deleted.status.is_success(), "{}", deleted.body);
    assert_unauthenticated(&refresh(&server, &temp.refresh_token).await, "deleted");
    assert_eq!(refresh(&server, &globex.refresh_token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn bad_bodies_are_422_with_the_field_named() {
    let server = TestServer::offline();
    let check = async |answer: Answer, message: &str, field: &str| {
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
        assert_eq!(answer.body, json!({"message": message, "errors": { field: [message] }}));
    };
    let required = "The refresh token field is required.";
    check(server.post_json("/api/refresh", None, &json!({})).await, required, "refresh_token").await;
    check(
        server.post_json("/api/refresh", None, &json!({"refresh_token": ""})).await,
        required,
        "refresh_token",
    )
    .await;
    let malformed = request("POST", "/api/refresh", None)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"refresh_token\": "))
        .unwrap();
    check(server.send(malformed).await, required, "refresh_token").await;
    check(
        server.post_json("/api/refresh", None, &json!({"refresh_token": ["a"]})).await,
        "The refresh token field must be a string.",
        "refresh_token",
    )
    .await;
    check(
        login(&server, "user@acme.test", Some(json!("maybe"))).await,
        "The remember field must be true or false.",
        "remember",
    )
    .await;
    // Well formed but never handed out: not a validation error, a refused credential.
    assert_unauthenticated(&refresh(&server, "0123456789abcdef").await, "unknown");
    assert_unauthenticated(
        &server.post_form("/api/refresh", None, "refresh_token=guess").await,
        "unknown, as a form",
    );
}

#[tokio::test]
async fn the_database_keeps_refresh_tokens_only_as_their_hash() {
    let dir = std::env::temp_dir().join(format!("herald-refresh-test-{}", std::process::id()));
    let server = server_with(|config| config.data = Location::Folder(dir.clone()));
    let first = Grant::from(&login(&server, "user@acme.test", None).await);
    let second = Grant::from(&refresh(&server, &first.refresh_token).await);
    let database = rusqlite::Connection::open(dir.join("herald.sqlite3")).unwrap();
    let hashes: Vec<String> = database
        .prepare("SELECT hash FROM refresh_tokens")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(hashes.len(), 2);
    for token in [&first.refresh_token, &second.refresh_token] {
        assert!(!hashes.contains(token));
        assert!(hashes.contains(&herald_devserver::tokens::refresh_token_hash(token)));
    }
    drop((database, server));
    std::fs::remove_dir_all(dir).unwrap();
}
