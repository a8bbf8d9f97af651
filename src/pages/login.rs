//! The sign-in page. It also says why the last session ended, when it did not end by the
//! person's own choice.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::api::ApiError;
use crate::auth::{Auth, Session};
use crate::components::forms::TextField;
use crate::routes::replacing;

/// The window event that says the sign-in form is usable (see `public/start.js`).
pub const SIGN_IN_READY: &str = "herald:signin-ready";

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = Auth::expect();
    let session = auth.session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let sign_in = Action::new_local(move |(email, password, remember): &(String, String, bool)| {
        let (email, password, remember) = (email.clone(), password.clone(), *remember);
        async move { auth.sign_in(email, password, remember).await }
    });
    let error = move || sign_in.value().get().and_then(Result::err);
    // Each field's own error, unless it only repeats the form's message (Laravel puts "These
    // credentials do not match our records." both on `email` and in `message`).
    let errors = Signal::derive(move || match error() {
        Some(ApiError::Validation { message, errors }) => errors
            .into_iter()
            .filter(|(_, messages)| messages.first().is_some_and(|first| *first != message))
            .collect(),
        _ => BTreeMap::new(),
    });
    let notice = move || match session.get() {
        Session::SignedOut { notice } => notice,
        _ => None,
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sign_in.dispatch((email.get_untracked(), password.get_untracked(), remember.get_untracked()));
    };
    let signed_in = move || matches!(session.get(), Session::SignedIn(_));
    // The form is usable once this page is on screen: `public/start.js` then fetches the
    // signed-in pages' chunks while the person types, so signing in waits for none of them.
    Effect::new(|| {
        if let Ok(event) = web_sys::Event::new(SIGN_IN_READY) {
            let _ = window().dispatch_event(&event);
        }
    });

    view! {
        <Show when=signed_in>
            <Redirect path="/" options=replacing() />
        </Show>
        <main class="login">
            <form class="card login__card" on:submit=on_submit novalidate>
                <h1 class="login__title">"Sign in to Herald"</h1>
                {move || notice().map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
                <TextField form="login" name="email" label="Email" value=email errors kind="email" autocomplete="username" required=true />
                <TextField form="login" name="password" label="Password" value=password errors kind="password" autocomplete="current-password" required=true />
                <label class="checkbox">
                    <input type="checkbox" name="remember" bind:checked=remember />
                    <span>"Keep me signed in"</span>
                </label>
                {move || error().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
                <button type="submit" class="button button--primary" disabled=move || sign_in.pending().get()>
                    {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
