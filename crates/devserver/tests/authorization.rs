//! Who may do what: every route that needs a token, for every kind of caller, and every
//! channel kind for every caller including those whose token no longer counts.
//!
//! Callers are the seeded people: 1 Ada (system admin), 2 Olive (Acme's admin), 3 Gus
//! (Globex's admin), 4 Uma (an Acme user), and someone without a token. Acme is tenant 1,
//! Globex 2, and Initech (3) is waiting for approval. Every case runs on a fresh server, so
//! one case's change cannot decide another's answer.

mod common;

use std::time::Duration;

use serde_json::{Value, json};

use common::{TestServer, test_config};

/// The callers, in the order of each row's expected statuses. `None` is without a token.
const CALLERS: [Option<u64>; 5] = [Some(1), Some(2), Some(3), Some(4), None];

fn new_member() -> Value {
    json!({"name": "Nia Njoroge", "email": "nia@acme.test", "role": "user",
           "password": "password", "password_confirmation": "password"})
}

#[tokio::test]
async fn every_route_answers_each_caller_as_its_policy_says() {
    let notice = json!({"title": "Maintenance", "message": "Tonight.", "level": "info"});
    let payment = json!({"amount": "10.00", "currency": "KES", "payer": "Wanjiru", "status": "completed"});
    let hotspot = json!({"username": "guest-1", "package": "1 Hour Pass", "seconds": 3600});
    let password = json!({"current_password": "password", "password": "password2", "password_confirmation": "password2"});
    let registration = json!({"name": "Hooli", "email": "gavin@hooli.test", "owner_name": "Gavin",
                              "password": "password", "password_confirmation": "password"});
    //                     method    path                            body                   Ada  Olive Gus  Uma  nobody
    let cases: Vec<(&str, &str, Option<Value>, [u16; 5])> = vec![
        ("GET", "/api/tenants", None, [200, 403, 403, 403, 401]),
        ("GET", "/api/tenants?status=pending", None, [200, 403, 403, 403, 401]),
        (
            "POST",
            "/api/tenants",
            Some(json!({"name": "Umbrella", "email": "it@umbrella.test"})),
            [201, 403, 403, 403, 401],
        ),
        ("GET", "/api/tenants/1", None, [200, 200, 403, 200, 401]),
        ("PATCH", "/api/tenants/1", Some(json!({"name": "Acme Broadband"})), [200, 200, 403, 403, 401]),
        ("POST", "/api/tenants/3/approve", None, [200, 403, 403, 403, 401]),
        ("POST", "/api/tenants/1/suspend", Some(json!({"reason": "Overdue"})), [200, 403, 403, 403, 401]),
        ("POST", "/api/tenants/1/notices", Some(notice.clone()), [201, 403, 403, 403, 401]),
        ("GET", "/api/tenants/1/activity", None, [200, 200, 403, 200, 401]),
        ("GET", "/api/tenants/1/users", None, [200, 200, 403, 403, 401]),
        ("POST", "/api/tenants/1/users", Some(new_member()), [201, 201, 403, 403, 401]),
        ("PATCH", "/api/users/4", Some(json!({"name": "Uma U."})), [200, 200, 403, 403, 401]),
        ("POST", "/api/users/4/suspend", Some(json!({"reason": "Unpaid"})), [200, 200, 403, 403, 401]),
        // Allowed callers get past the policy to the rule that Uma is already active.
        ("POST", "/api/users/4/activate", None, [422, 422, 403, 403, 401]),
        ("DELETE", "/api/users/4", None, [204, 204, 403, 403, 401]),
        // A system admin belongs to no tenant and is not managed through tenant routes;
        // nobody deletes or suspends themselves.
        ("PATCH", "/api/users/1", Some(json!({"name": "Ada"})), [403, 403, 403, 403, 401]),
        ("DELETE", "/api/users/2", None, [204, 403, 403, 403, 401]),
        ("POST", "/api/users/2/suspend", Some(json!({"reason": "x"})), [200, 403, 403, 403, 401]),
        ("POST", "/api/tenants/1/payments", Some(payment), [201, 201, 403, 403, 401]),
        ("POST", "/api/tenants/1/hotspot-users", Some(hotspot), [201, 201, 403, 403, 401]),
        ("POST", "/api/system/alerts", Some(notice), [201, 403, 403, 403, 401]),
        ("GET", "/api/notifications", None, [200, 200, 200, 200, 401]),
        ("PATCH", "/api/me", Some(json!({"name": "New Name"})), [200, 200, 200, 200, 401]),
        ("PUT", "/api/me/password", Some(password), [204, 204, 204, 204, 401]),
        ("GET", "/api/me", None, [200, 200, 200, 200, 401]),
        ("POST", "/api/logout", None, [204, 204, 204, 204, 401]),
        // Registration is for people without an account; a token changes nothing.
        ("POST", "/api/register", Some(registration), [201, 201, 201, 201, 201]),
        // Unknown ids are 404 before any policy, as Laravel's route-model binding answers.
        ("GET", "/api/tenants/99", None, [404, 404, 404, 404, 401]),
        ("PATCH", "/api/users/99", Some(json!({"name": "x"})), [404, 404, 404, 404, 401]),
        ("POST", "/api/tenants/99/payments", Some(json!({})), [404, 404, 404, 404, 401]),
        ("GET", "/api/tenants/01", None, [404, 404, 404, 404, 401]),
        ("DELETE", "/api/users/abc", None, [404, 404, 404, 404, 401]),
    ];
    for (method, path, body, expected) in &cases {
        for (caller, expected) in CALLERS.iter().zip(expected) {
            let server = TestServer::offline();
            let token = caller.map(|id| server.token_for(id));
            let answer = server.call(method, path, token.as_deref(), body.as_ref()).await;
            assert_eq!(answer.status.as_u16(), *expected, "{method} {path} by {caller:?}: {}", answer.body);
            match answer.status.as_u16() {
                401 => assert_eq!(answer.body, json!({"message": "Unauthenticated."})),
                403 | 404 | 422 => assert!(answer.body["message"].is_string(), "{}", answer.body),
                _ => {}
            }
        }
    }
}

/// Which channel each caller may join. 200 signs, 403 refuses a known caller, 401 refuses a
/// token that does not count: none, expired, signed out, or of a suspended or deleted person.
#[tokio::test]
async fn every_channel_kind_for_every_caller_and_every_dead_token() {
    //                         own user  Acme user  Globex user  Acme tenant  Globex tenant  admin
    let channels = [
        "private-user.{me}",
        "private-user.4",
        "private-user.3",
        "private-tenant.1",
        "private-tenant.2",
        "private-system.admin",
    ];
    let rows: [(u64, [u16; 6]); 4] = [
        (1, [200, 403, 403, 403, 403, 200]),
        (2, [200, 403, 403, 200, 403, 403]),
        (3, [200, 403, 200, 403, 200, 403]),
        (4, [200, 200, 403, 200, 403, 403]),
    ];
    for (me, expected) in rows {
        for (template, expected) in channels.iter().zip(expected) {
            let channel = template.replace("{me}", &me.to_string());
            let server = TestServer::offline();
            let answer = authorize(&server, Some(&server.token_for(me)), &channel).await;
            assert_eq!(answer, expected, "user {me} on {channel}");
        }
    }

    for channel in ["private-user.4", "private-tenant.1"] {
        let server = TestServer::offline();
        assert_eq!(authorize(&server, None, channel).await, 401, "no token");
        assert_eq!(authorize(&server, Some("not.a.jwt"), channel).await, 401, "garbage");

        let signed_out = server.token_for(4);
        server.call("POST", "/api/logout", Some(&signed_out), None).await;
        assert_eq!(authorize(&server, Some(&signed_out), channel).await, 401, "signed out");

        let suspended = server.token_for(4);
        let owner = server.token_for(2);
        let answer =
            server.call("POST", "/api/users/4/suspend", Some(&owner), Some(&json!({"reason": "x"}))).await;
        assert_eq!(answer.status.as_u16(), 200);
        assert_eq!(authorize(&server, Some(&suspended), channel).await, 401, "suspended");
        server.call("POST", "/api/users/4/activate", Some(&owner), None).await;
        assert_eq!(
            authorize(&server, Some(&suspended), channel).await,
            401,
            "a token from before the suspension stays dead"
        );
        assert_eq!(authorize(&server, Some(&server.token_for(4)), channel).await, 200, "a new one works");

        let deleted = server.token_for(4);
        server.call("DELETE", "/api/users/4", Some(&owner), None).await;
        assert_eq!(authorize(&server, Some(&deleted), channel).await, 401, "deleted");
    }

    let server = TestServer::new(herald_devserver::Config {
        token_ttl: Duration::from_secs(60),
        ..test_config("http://127.0.0.1:9")
    });
    let token = server.token_for(4);
    server.clock.advance(Duration::from_secs(60));
    assert_eq!(authorize(&server, Some(&token), "private-user.4").await, 401, "expired");
}

async fn authorize(server: &TestServer, token: Option<&str>, channel: &str) -> u16 {
    server
        .post_form("/broadcasting/auth", token, &format!("socket_id=1.2&channel_name={channel}"))
        .await
        .status
        .as_u16()
}
