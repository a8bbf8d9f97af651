//! Herald: a real-time admin console for multi-tenant SaaS.
//!
//! [`App`] loads the runtime configuration, then `Herald` creates the auth store and routes;
//! the realtime service and the notification store, which only a session needs, are wired
//! together in [`services`] and loaded once there is one, with the header and the toaster
//! ([`signed_in`]).

pub mod api;
pub mod auth;
pub mod components;
pub mod config;
pub mod format;
pub mod listener;
pub mod live;
pub mod locks;
pub mod notifications;
pub mod pages;
pub mod realtime;
pub mod request;
pub mod routes;
pub mod services;
pub mod signed_in;
pub mod tabs;

use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_router::components::Router;

use crate::api::{Api, ApiError};
use crate::auth::{Auth, Session};
use crate::components::chunk_retry::ChunkRetry;
use crate::config::Config;
use crate::request::Load;
use crate::routes::AppRoutes;
use crate::services::ServicesReady;
use crate::signed_in::SignedInViews;

/// What `public/start.js` says once the chunks it fetched at idle are all in the HTTP cache.
pub const CHUNKS_CACHED: &str = "herald:chunks-cached";

#[component]
pub fn App() -> impl IntoView {
    let config = Load::new(config::load);
    move || match config.get() {
        None => EitherOf3::A(view! { <p class="splash">"Loading Herald…"</p> }),
        Some(Ok(config)) => EitherOf3::B(view! { <Herald config /> }),
        Some(Err(error)) => EitherOf3::C(view! { <StartupError error /> }),
    }
}

/// The app once its configuration is known: the auth store and the routes at once, the
/// services that only a session needs ([`services`]) and the views that read them
/// ([`signed_in`]) as soon as there is one.
#[component]
fn Herald(config: Config) -> impl IntoView {
    let api = Api::new(config.clone());
    provide_context(api.clone());
    let auth = Auth::provide(api.clone());
    let (ready, set_ready) = signal(false);
    provide_context(ServicesReady(ready));
    let owner = Owner::current().expect("a component runs under an owner");
    let session = auth.session();
    // Returns whether the services have been asked for: once they have, nothing more to do.
    Effect::new(move |asked: Option<bool>| {
        if asked == Some(true) || matches!(session.get(), Session::SignedOut { .. }) {
            return asked.unwrap_or(false);
        }
        let (owner, config, api) = (owner.clone(), config.clone(), api.clone());
        leptos::task::spawn_local(async move {
            services::load(owner.clone(), config, api, auth).await;
            let views = signed_in::views().await;
            owner.with(|| provide_context(views));
            set_ready.set(true);
        });
        true
    });
    // On the sign-in page, once `start.js` has put the chunks in the HTTP cache, the services'
    // chunk is instantiated too: signing in then opens the socket without waiting for it.
    let cached =
        window_event_listener_untyped(CHUNKS_CACHED, |_| leptos::task::spawn_local(services::preload()));
    on_cleanup(move || cached.remove());
    view! {
        <Router>
            <AppRoutes />
            <Show when=move || ready.get()>
                {SignedInViews::expect().toaster()}
            </Show>
        </Router>
        <ChunkRetry />
    }
}

#[component]
fn StartupError(error: ApiError) -> impl IntoView {
    view! {
        <main class="page">
            <section class="card empty" role="alert">
                <h1>"Herald cannot start"</h1>
                <p>{error.to_string()}</p>
                <button type="button" class="button" on:click=move |_| { let _ = window().location().reload(); }>
                    "Try again"
                </button>
            </section>
        </main>
    }
}
