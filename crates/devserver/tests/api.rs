//! The HTTP API as the app and pusher-js use it: sign-in, tokens, channel authorization, and
//! the error bodies of every refusal. The router runs in-process on a manual clock.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use herald_contract::signing::channel_auth;
use serde_json::{Value, json};

use common::{TestServer, request, test_config};

const UNAUTHENTICATED: &str = r#"{"message":"Unauthenticated."}"#;

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

async fn login(server: &TestServer, email: &str, password: &str) -> common::Answer {
    server.post_json("/api/login", None, &json!({"email": email, "password": password})).await
}

#[tokio::test]
async fn up_answers_ok() {
    let answer = TestServer::offline().get("/up", None).await;
    assert_eq!((answer.status, answer.body), (StatusCode::OK, json!("OK")));
}

#[tokio::test]
async fn login_returns_a_bearer_token_that_expires_after_the_ttl() {
    let server = TestServer::offline();
    let answer = login(&server, "owner@acme.test", "password").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    // The manual clock starts at 2025-01-01T00:00:00Z and the default TTL is 15 minutes.
    assert_eq!(answer.body["expires_at"], "2025-01-01T00:15:00Z");
    assert_eq!(answer.body["expires_in"], 900);
    assert_eq!(
        answer.body["user"],
        json!({"id": 2, "name": "Olive Owner", "email": "owner@acme.test",
               "role": "tenant_admin", "tenant_id": 1, "status": "active"})
    );
    let token = answer.body["token"].as_str().unwrap();
    let me = server.get("/api/me", Some(token)).await;
    assert_eq!((me.status, &me.body), (StatusCode::OK, &answer.body["user"]));
}

#[tokio::test]
async fn every_seeded_account_signs_in_with_its_role() {
    let server = TestServer::offline();
    for (email, id, role, tenant_id) in [
        ("admin@herald.test", 1, "system_admin", Value::Null),
        ("owner@globex.test", 3, "tenant_admin", json!(2)),
        ("USER@acme.test", 4, "user", json!(1)),
    ] {
        let answer = login(&server, email, "password").await;
        assert_eq!(answer.status, StatusCode::OK, "{email}");
        let user = &answer.body["user"];
        assert_eq!((&user["id"], &user["role"], &user["tenant_id"]), (&json!(id), &json!(role), &tenant_id));
    }
}

#[tokio::test]
async fn wrong_credentials_are_laravels_422() {
    let server = TestServer::offline();
    let expected = parse(
        r#"{"message":"These credentials do not match our records.",
            "errors":{"email":["These credentials do not match our records."]}}"#,
    );
    for (email, password) in [("owner@acme.test", "wrong"), ("nobody@acme.test", "password")] {
        let answer = login(&server, email, password).await;
        assert_eq!((answer.status, &answer.body), (StatusCode::UNPROCESSABLE_ENTITY, &expected), "{email}");
    }
}

#[tokio::test]
async fn missing_or_malformed_login_fields_are_named_one_by_one() {
    let server = TestServer::offline();
    let both_missing = parse(
        r#"{"message":"The email field is required. (and 1 more error)",
            "errors":{"email":["The email field is required."],
                      "password":["The password field is required."]}}"#,
    );
    let answer = server.post_json("/api/login", None, &json!({})).await;
    assert_eq!((answer.status, &answer.body), (StatusCode::UNPROCESSABLE_ENTITY, &both_missing));

    // Like Laravel, a body that is not JSON counts as no input at all, not as a parser error.
    let malformed = request("POST", "/api/login", None)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"email\": "))
        .unwrap();
    let answer = server.send(malformed).await;
    assert_eq!((answer.status, &answer.body), (StatusCode::UNPROCESSABLE_ENTITY, &both_missing));

    let answer = server.post_json("/api/login", None, &json!({"email": "not-an-email", "password": 5})).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.body["errors"],
        json!({"email": ["The email field must be a valid email address."],
               "password": ["The password field must be a string."]})
    );
}

#[tokio::test]
async fn login_also_takes_a_form() {
    let server = TestServer::offline();
    let answer = server.post_form("/api/login", None, "email=user%40acme.test&password=password").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["user"]["id"], 4);
}

#[tokio::test]
async fn me_refuses_missing_malformed_and_foreign_tokens() {
    let server = TestServer::offline();
    let foreign = TestServer::new(herald_devserver::Config {
        jwt_secret: "another-secret".into(),
        ..test_config("http://127.0.0.1:9")
    })
    .token_for(1);
    for token in [None, Some("garbage"), Some("a.b.c"), Some(foreign.as_str())] {
        let answer = server.get("/api/me", token).await;
        assert_eq!(
            (answer.status, answer.body),
            (StatusCode::UNAUTHORIZED, parse(UNAUTHENTICATED)),
            "{token:?}"
        );
    }
    let basic = request("GET", "/api/me", None)
        .header(header::AUTHORIZATION, "Basic b3duZXJAYWNtZS50ZXN0OnBhc3N3b3Jk")
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.send(basic).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_revokes_only_that_token() {
    let server = TestServer::offline();
    let token = server.token_for(4);
    let other_tab = server.token_for(4);
    let answer = server.send(request("POST", "/api/logout", Some(&token)).body(Body::empty()).unwrap()).await;
    assert_eq!((answer.status, answer.body), (StatusCode::NO_CONTENT, Value::Null));
    assert_eq!(server.get("/api/me", Some(&token)).await.status, StatusCode::UNAUTHORIZED);
    let again = server.send(request("POST", "/api/logout", Some(&token)).body(Body::empty()).unwrap()).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.get("/api/me", Some(&other_tab)).await.status, StatusCode::OK);
    let auth = server
        .post_form("/broadcasting/auth", Some(&token), "socket_id=1.1&channel_name=private-user.4")
        .await;
    assert_eq!(auth.status, StatusCode::UNAUTHORIZED, "a revoked token cannot join channels either");
}

#[tokio::test]
async fn a_token_stops_working_when_its_ttl_has_passed() {
    let server = TestServer::new(herald_devserver::Config {
        token_ttl: Duration::from_secs(60),
        ..test_config("http://127.0.0.1:9")
    });
    let answer = login(&server, "user@acme.test", "password").await;
    assert_eq!(answer.body["expires_at"], "2025-01-01T00:01:00Z");
    let token = answer.body["token"].as_str().unwrap().to_owned();

    server.clock.advance(Duration::from_secs(59));
    assert_eq!(server.get("/api/me", Some(&token)).await.status, StatusCode::OK);
    server.clock.advance(Duration::from_secs(1));
    let answer = server.get("/api/me", Some(&token)).await;
    assert_eq!((answer.status, answer.body), (StatusCode::UNAUTHORIZED, parse(UNAUTHENTICATED)));
    let auth = server
        .post_form("/broadcasting/auth", Some(&token), "socket_id=1.1&channel_name=private-user.4")
        .await;
    assert_eq!(auth.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_zero_ttl_token_is_expired_at_once() {
    let server = TestServer::new(herald_devserver::Config {
        token_ttl: Duration::ZERO,
        ..test_config("http://127.0.0.1:9")
    });
    let answer = login(&server, "user@acme.test", "password").await;
    assert_eq!(answer.status, StatusCode::OK);
    let token = answer.body["token"].as_str().unwrap();
    assert_eq!(server.get("/api/me", Some(token)).await.status, StatusCode::UNAUTHORIZED);
}

/// Which seeded users may join which channel: 1 Ada (system admin), 2 Olive (Acme admin),
/// 3 Gus (Globex admin), 4 Uma (Acme user). Checked with both body encodings.
#[tokio::test]
async fn channel_authorization_for_every_role_and_channel_kind() {
    let server = TestServer::offline();
    let cases: &[(&str, [u16; 4])] = &[
        ("private-user.1", [200, 403, 403, 403]),
        ("private-user.2", [403, 200, 403, 403]),
        ("private-user.3", [403, 403, 200, 403]),
        ("private-user.4", [403, 403, 403, 200]),
        ("private-tenant.1", [403, 200, 403, 200]),
        ("private-tenant.2", [403, 403, 200, 403]),
        ("private-tenant.99", [403, 403, 403, 403]),
        ("private-system.admin", [200, 403, 403, 403]),
        ("tenant.1", [403, 403, 403, 403]),
        ("presence-tenant.1", [403, 403, 403, 403]),
        ("private-encrypted-user.1", [403, 403, 403, 403]),
        ("private-anything", [403, 403, 403, 403]),
    ];
    let config = server.state.config();
    for (channel, expected) in cases {
        for (user_id, expected) in (1..=4).zip(expected) {
            let token = server.token_for(user_id);
            let socket_id = format!("{user_id}.{}", 1000 + user_id);
            let by_form = server
                .post_form(
                    "/broadcasting/auth",
                    Some(&token),
                    &format!("socket_id={socket_id}&channel_name={channel}"),
                )
                .await;
            let by_json = server
                .post_json(
                    "/broadcasting/auth",
                    Some(&token),
                    &json!({"socket_id": socket_id, "channel_name": channel}),
                )
                .await;
            for answer in [by_form, by_json] {
                assert_eq!(answer.status.as_u16(), *expected, "user {user_id} on {channel}: {}", answer.body);
                if answer.status == StatusCode::OK {
                    let auth = channel_auth(&config.app_key, &config.app_secret, &socket_id, channel);
                    assert_eq!(answer.body, json!({ "auth": auth }));
                    assert!(auth.starts_with("herald-key:"));
                } else {
                    assert_eq!(answer.body, json!({"message": "This action is unauthorized."}));
                }
            }
        }
    }
}

#[tokio::test]
async fn channel_authorization_needs_a_token_before_anything_else() {
    let server = TestServer::offline();
    for body in ["socket_id=1.2&channel_name=private-user.4", "", "socket_id=bad"] {
        let answer = server.post_form("/broadcasting/auth", None, body).await;
        assert_eq!(
            (answer.status, answer.body),
            (StatusCode::UNAUTHORIZED, parse(UNAUTHENTICATED)),
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn malformed_socket_ids_and_channel_names_are_422() {
    let server = TestServer::offline();
    let token = server.token_for(4);
    let check = async |body: &str, expected: Value| {
        let answer = server.post_form("/broadcasting/auth", Some(&token), body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body:?}: {}", answer.body);
        assert_eq!(answer.body["errors"], expected, "{body:?}");
    };
    check(
        "",
        json!({"socket_id": ["The socket id field is required."],
                     "channel_name": ["The channel name field is required."]}),
    )
    .await;
    check("socket_id=1.2", json!({"channel_name": ["The channel name field is required."]})).await;
    for socket_id in ["123", "1.2.3", "abc.def", "1.2%3Cscript%3E"] {
        check(
            &format!("socket_id={socket_id}&channel_name=private-user.4"),
            json!({"socket_id": ["The socket id field format is invalid."]}),
        )
        .await;
    }
    check(
        "socket_id=1.2&channel_name=private%20user",
        json!({"channel_name": ["The channel name field format is invalid."]}),
    )
    .await;
}

#[tokio::test]
async fn oversized_bodies_are_413_not_500() {
    let server = TestServer::offline();
    let token = server.token_for(1);
    let big = format!("{{\"email\":\"{}\"}}", "a".repeat(65 * 1024));
    for (path, token) in
        [("/api/login", None), ("/broadcasting/auth", Some(token.as_str())), ("/api/dev/events", None)]
    {
        let request = request("POST", path, token)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(big.clone()))
            .unwrap();
        let answer = server.send(request).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(answer.body, json!({"message": "The request body is too large."}), "{path}");
    }
}

#[tokio::test]
async fn dev_events_refuse_what_they_cannot_publish() {
    let server = TestServer::offline();
    let check = async |body: Value, expected: Value| {
        let answer = server.post_json("/api/dev/events", None, &body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", answer.body);
        assert_eq!(answer.body["errors"], expected, "{body}");
    };
    check(json!({}), json!({"event": ["The event field is required."]})).await;
    check(
        json!({"event": "NoSuchEvent", "tenant_id": 1}),
        json!({"event": ["The selected event is invalid."]}),
    )
    .await;
    check(json!({"event": "UserCreated"}), json!({"tenant_id": ["The tenant id field is required."]})).await;
    check(
        json!({"event": "PasswordChanged", "tenant_id": 1}),
        json!({"user_id": ["The user id field is required."]}),
    )
    .await;
    check(
        json!({"event": "UserCreated", "tenant_id": 99}),
        json!({"tenant_id": ["The selected tenant id is invalid."]}),
    )
    .await;
    check(
        json!({"event": "ProfileUpdated", "user_id": 99}),
        json!({"user_id": ["The selected user id is invalid."]}),
    )
    .await;
    check(
        json!({"event": "UserCreated", "tenant_id": "one"}),
        json!({"tenant_id": ["The tenant id field must be an integer."]}),
    )
    .await;
    for count in [json!(0), json!(1001)] {
        check(
            json!({"event": "SystemAlert", "count": count}),
            json!({"count": ["The count field must be between 1 and 1000."]}),
        )
        .await;
    }
    check(
        json!({"event": "SystemAlert", "count": "many"}),
        json!({"count": ["The count field must be an integer."]}),
    )
    .await;
    check(
        json!({"event": "SystemAlert", "fields": [1]}),
        json!({"fields": ["The fields field must be an object."]}),
    )
    .await;

    let with_bad_socket = request("POST", "/api/dev/events", None)
        .header(header::CONTENT_TYPE, "application/json")
        .header("X-Socket-ID", "not-a-socket")
        .body(Body::from(json!({"event": "SystemAlert"}).to_string()))
        .unwrap();
    let answer = server.send(with_bad_socket).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.body["errors"],
        json!({"socket_id": ["The X-Socket-ID header is not a valid socket id."]})
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let server = TestServer::offline();
    let answer = server.get("/api/nothing-here", None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.body, json!({"message": "The route api/nothing-here could not be found."}));
    let answer = server.get("/api/login", None).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.body, json!({"message": "The GET method is not supported for route api/login."}));
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(server.get("/config.json", None).await.status, StatusCode::NOT_FOUND, "only with --serve-app");
}
