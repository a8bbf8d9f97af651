//! The auth store's transitions, in headless Chromium. Answers the backend gives are fed to
//! the pure transition functions; a backend that cannot be reached is real (a closed port).

#![cfg(target_arch = "wasm32")]

use herald::api::{Api, ApiError, Role, User};
use herald::auth::{Auth, EXPIRED_NOTICE, Session, TokenFate, after_restore, jwt_claims, read_saved_tokens};
use herald::config::Config;
use leptos::prelude::*;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A JWT whose payload is `{"sub":"4","exp":2000000000}` (the signature is not checked here).
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0IiwiZXhwIjoyMDAwMDAwMDAwfQ.c2lnbmF0dXJl";

fn user() -> User {
    User {
        id: 4,
        name: "Uma User".into(),
        email: "user@acme.test".into(),
        role: Role::User,
        tenant_id: Some(1),
        status: herald_contract::UserStatus::Active,
    }
}

/// A configuration whose API is a port nothing listens on: every request fails to connect.
fn unreachable_api() -> Api {
    let config: Config = serde_json::from_value(serde_json::json!({
        "api_base": "http://127.0.0.1:9",
        "pusher": { "key": "k" },
    }))
    .unwrap();
    Api::new(config)
}

#[wasm_bindgen_test]
fn restore_ok_signs_in_with_the_token() {
    let (session, fate) = after_restore(JWT.into(), Ok(user()));
    let Session::SignedIn(signed_in) = session else { panic!("{session:?}") };
    assert_eq!((signed_in.user, signed_in.token.as_str()), (user(), JWT));
    assert_eq!(fate, TokenFate::Keep);
}

#[wasm_bindgen_test]
fn restore_401_signs_out_and_discards_the_token() {
    let (session, fate) = after_restore(JWT.into(), Err(ApiError::Unauthenticated));
    assert_eq!(session, Session::SignedOut { notice: Some(EXPIRED_NOTICE.into()) });
    assert_eq!(fate, TokenFate::Discard);
}

#[wasm_bindgen_test]
fn restore_network_error_signs_out_but_keeps_the_token() {
    let (session, fate) = after_restore(JWT.into(), Err(ApiError::Network("refused".into())));
    let Session::SignedOut { notice: Some(notice) } = session else { panic!("{session:?}") };
    assert!(notice.contains("cannot be reached"), "{notice}");
    assert_eq!(fate, TokenFate::Keep);
}

#[wasm_bindgen_test]
fn a_jwts_claims_are_read_and_a_bare_saved_token_ends_at_its_exp() {
    assert_eq!(jwt_claims(JWT).map(|claims| claims.exp), Some(2_000_000_000.0));
    assert_eq!(jwt_claims("opaque-sanctum-token"), None);
    assert_eq!(jwt_claims("a.!!!.c"), None);
    let saved = read_saved_tokens(JWT).unwrap();
    assert_eq!((saved.token.as_str(), saved.access_until_ms), (JWT, Some(2_000_000_000_000.0)));
    assert_eq!(saved.refresh_token, None);
    let json = r#"{"token":"a","refresh_token":"r","access_until_ms":5.0,"refresh_until_ms":9.0}"#;
    let saved = read_saved_tokens(json).unwrap();
    assert_eq!((saved.refresh_token.as_deref(), saved.refresh_until_ms), (Some("r"), Some(9.0)));
    assert_eq!(read_saved_tokens("{not json"), None);
}

#[wasm_bindgen_test]
async fn restore_against_an_unreachable_backend_ends_signed_out_keeping_the_token() {
    let storage = window().local_storage().unwrap().unwrap();
    storage.set_item("herald.token", JWT).unwrap();
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    owner.set();
    let auth = Auth::provide(unreachable_api());
    assert_eq!(auth.session().get_untracked(), Session::Restoring);
    wait_until(|| !matches!(auth.session().get_untracked(), Session::Restoring)).await;
    assert!(matches!(auth.session().get_untracked(), Session::SignedOut { notice: Some(_) }));
    assert_eq!(storage.get_item("herald.token").unwrap().as_deref(), Some(JWT));
    storage.remove_item("herald.token").unwrap();
}

#[wasm_bindgen_test]
async fn sign_in_against_an_unreachable_backend_reports_it() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    owner.set();
    let auth = Auth::provide(unreachable_api());
    let result = auth.sign_in("user@acme.test".into(), "password".into(), false).await;
    assert!(matches!(result, Err(ApiError::Network(_))), "{result:?}");
    assert!(matches!(auth.session().get_untracked(), Session::SignedOut { .. }));
    // Signing out with nobody signed in (and the backend down) is harmless.
    auth.sign_out();
    assert!(matches!(auth.session().get_untracked(), Session::SignedOut { .. }));
}

/// Waits, yielding to the browser, until `done` holds; fails after two seconds.
async fn wait_until(done: impl Fn() -> bool) {
    let start = js_sys::Date::now();
    while !done() {
        assert!(js_sys::Date::now() - start < 2_000.0, "condition not met within 2 s");
        let tick = js_sys::Promise::new(&mut |resolve, _| {
            window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10).unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(tick).await.unwrap();
    }
}
