//! Bad input to every route that takes some: a 422 naming each field at fault, in Laravel's
//! words, and nothing written. Never a 500 for a client's mistake.

mod common;

use serde_json::{Value, json};

use common::TestServer;

/// `check(method, path, caller, body, fields)`: the answer is 422 and its `errors` name
/// exactly `fields`, in order.
struct Case(&'static str, &'static str, Option<u64>, Value, &'static [&'static str]);

#[tokio::test]
async fn every_endpoint_names_each_bad_field() {
    let long = "x".repeat(256);
    let cases = [
        // Registration.
        Case("POST", "/api/register", None, json!({}), &["name", "email", "owner_name", "password"]),
        Case(
            "POST",
            "/api/register",
            None,
            json!({"name": long, "email": "not-an-email", "owner_name": 5, "password": "short", "password_confirmation": "short"}),
            &["name", "email", "owner_name", "password"],
        ),
        Case(
            "POST",
            "/api/register",
            None,
            json!({"name": "Acme II", "email": "OWNER@acme.test", "owner_name": "O", "password": "password", "password_confirmation": "passw0rd"}),
            &["email", "password"],
        ),
        // Tenants.
        Case("GET", "/api/tenants?status=deleted", Some(1), Value::Null, &["status"]),
        Case("POST", "/api/tenants", Some(1), json!({"name": " ", "email": "a@"}), &["name", "email"]),
        Case("PATCH", "/api/tenants/1", Some(2), json!({"name": null, "email": "x"}), &["name", "email"]),
        Case("POST", "/api/tenants/1/approve", Some(1), Value::Null, &["status"]),
        Case("POST", "/api/tenants/1/suspend", Some(1), json!({}), &["reason"]),
        Case(
            "POST",
            "/api/tenants/1/notices",
            Some(1),
            json!({"title": "", "message": [], "level": "fatal"}),
            &["title", "message", "level"],
        ),
        Case(
            "POST",
            "/api/system/alerts",
            Some(1),
            json!({"title": "t", "message": "x".repeat(2001), "level": "info"}),
            &["message"],
        ),
        // Users.
        Case(
            "POST",
            "/api/tenants/1/users",
            Some(2),
            json!({"role": "system_admin"}),
            &["name", "email", "password", "role"],
        ),
        Case(
            "POST",
            "/api/tenants/1/users",
            Some(2),
            json!({"name": "Uma Again", "email": "user@acme.test", "role": "user", "password": "password", "password_confirmation": "password"}),
            &["email"],
        ),
        Case(
            "PATCH",
            "/api/users/4",
            Some(2),
            json!({"email": "owner@acme.test", "role": "owner"}),
            &["email", "role"],
        ),
        Case("POST", "/api/users/4/suspend", Some(2), json!({"reason": long}), &["reason"]),
        Case("POST", "/api/users/4/activate", Some(2), Value::Null, &["status"]),
        // A person's own account.
        Case("PATCH", "/api/me", Some(4), json!({"email": "admin@herald.test"}), &["email"]),
        Case(
            "PUT",
            "/api/me/password",
            Some(4),
            json!({"password": "password2", "password_confirmation": "password2"}),
            &["current_password"],
        ),
        Case(
            "PUT",
            "/api/me/password",
            Some(4),
            json!({"current_password": "wrong", "password": "new-password", "password_confirmation": "new-password"}),
            &["current_password"],
        ),
        Case(
            "PUT",
            "/api/me/password",
            Some(4),
            json!({"current_password": "password", "password": "1234567"}),
            &["password"],
        ),
        // Payments and hotspot users.
        Case(
            "POST",
            "/api/tenants/1/payments",
            Some(2),
            json!({}),
            &["amount", "currency", "payer", "status"],
        ),
        Case(
            "POST",
            "/api/tenants/1/payments",
            Some(2),
            json!({"amount": "-5", "currency": "KESX", "payer": "P", "status": "refunded"}),
            &["amount", "currency", "status"],
        ),
        Case(
            "POST",
            "/api/tenants/1/payments",
            Some(2),
            json!({"amount": "1.001", "currency": "K3S", "payer": "P", "status": "failed"}),
            &["amount", "currency", "reason"],
        ),
        Case(
            "POST",
            "/api/tenants/1/hotspot-users",
            Some(2),
            json!({"username": "guest one", "package": "", "seconds": 0}),
            &["username", "package", "seconds"],
        ),
        // Catch-up and activity.
        Case("GET", "/api/notifications?limit=0", Some(4), Value::Null, &["limit"]),
        Case("GET", "/api/notifications?limit=1001&after=evt_unknown", Some(4), Value::Null, &["limit"]),
        Case("GET", "/api/notifications?after=evt_unknown", Some(4), Value::Null, &["after"]),
        Case("GET", "/api/tenants/1/activity?limit=abc", Some(2), Value::Null, &["limit"]),
    ];
    for Case(method, path, caller, body, fields) in cases {
        let server = TestServer::offline();
        let token = caller.map(|id| server.token_for(id));
        let body = (!body.is_null()).then_some(body);
        let answer = server.call(method, path, token.as_deref(), body.as_ref()).await;
        assert_eq!(answer.status.as_u16(), 422, "{method} {path} {body:?}: {}", answer.body);
        let named: Vec<&str> =
            answer.body["errors"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = fields.to_vec();
        let mut named_sorted = named.clone();
        expected.sort_unstable();
        named_sorted.sort_unstable();
        assert_eq!(named_sorted, expected, "{method} {path} {body:?}: {}", answer.body);
        let message = answer.body["message"].as_str().unwrap();
        let from_a_field =
            named.iter().any(|field| message.starts_with(answer.body["errors"][field][0].as_str().unwrap()));
        assert!(from_a_field, "the message repeats a field's first error: {}", answer.body);
    }
}

#[tokio::test]
async fn the_messages_are_laravels() {
    let server = TestServer::offline();
    let owner = server.token_for(2);
    let body = json!({"name": "N", "email": "user@acme.test", "role": "admin", "password": "pass", "password_confirmation": "pass"});
    let answer = server.call("POST", "/api/tenants/1/users", Some(&owner), Some(&body)).await;
    assert_eq!(
        answer.body,
        json!({
            "message": "The email has already been taken. (and 2 more errors)",
            "errors": {
                "password": ["The password field must be at least 8 characters."],
                "role": ["The selected role is invalid."],
                "email": ["The email has already been taken."],
            }
        })
    );
}

#[tokio::test]
async fn a_refused_change_writes_nothing_and_broadcasts_nothing() {
    let server = TestServer::offline();
    let owner = server.token_for(2);
    let before_users = server.call("GET", "/api/tenants/1/users", Some(&owner), None).await.body;
    let before_events = server.call("GET", "/api/notifications", Some(&owner), None).await.body;
    let refused = [
        (
            "POST",
            "/api/tenants/1/users",
            json!({"name": "Uma Again", "email": "USER@acme.test", "role": "user", "password": "password", "password_confirmation": "password"}),
        ),
        ("POST", "/api/users/4/activate", Value::Null),
        (
            "POST",
            "/api/tenants/1/payments",
            json!({"amount": "1", "currency": "KES", "payer": "P", "status": "failed"}),
        ),
        ("PATCH", "/api/users/4", json!({"name": "Renamed", "email": "owner@acme.test"})),
    ];
    for (method, path, body) in refused {
        let body = (!body.is_null()).then_some(body);
        let answer = server.call(method, path, Some(&owner), body.as_ref()).await;
        assert_eq!(answer.status.as_u16(), 422, "{method} {path}: {}", answer.body);
    }
    assert_eq!(server.call("GET", "/api/tenants/1/users", Some(&owner), None).await.body, before_users);
    assert_eq!(server.call("GET", "/api/notifications", Some(&owner), None).await.body, before_events);
}

#[tokio::test]
async fn an_unchanged_update_is_no_event() {
    let server = TestServer::offline();
    let owner = server.token_for(2);
    let answer = server.call("PATCH", "/api/users/4", Some(&owner), Some(&json!({"name": "Uma User"}))).await;
    assert_eq!(answer.status.as_u16(), 200);
    let events = server.call("GET", "/api/notifications", Some(&owner), None).await.body;
    assert_eq!(events["data"], json!([]), "Laravel fires `updated` only for a dirty model");
}

#[tokio::test]
async fn oversized_action_bodies_are_413() {
    let server = TestServer::offline();
    let owner = server.token_for(2);
    let body = json!({"name": "x".repeat(70 * 1024)});
    let answer = server.call("PATCH", "/api/tenants/1", Some(&owner), Some(&body)).await;
    assert_eq!(answer.status.as_u16(), 413, "{}", answer.body);
    assert_eq!(answer.body["message"], "The request body is too large.");
}

#[tokio::test]
async fn markup_in_names_is_stored_and_returned_as_text() {
    let server = TestServer::offline();
    let owner = server.token_for(2);
    let name = "<script>alert(1)</script> & \"Bobby\" Tables'); DROP TABLE users;--";
    let answer = server.call("PATCH", "/api/users/4", Some(&owner), Some(&json!({"name": name}))).await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(answer.body["data"]["name"], name);
    let users = server.call("GET", "/api/tenants/1/users", Some(&owner), None).await.body;
    assert_eq!(users["data"].as_array().unwrap().len(), 2, "the users table is still there");
}
