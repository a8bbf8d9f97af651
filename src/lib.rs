//! Herald: a real-time admin console for multi-tenant SaaS.
//!
//! [`App`] loads the runtime configuration, then builds the three stores — auth,
//! realtime, notifications — wires them together in one place, and routes.

pub mod api;
pub mod auth;
pub mod catch_up;
pub mod components;
pub mod config;
pub mod format;
pub mod live;
pub mod notifications;
pub mod pages;
pub mod realtime;
pub mod request;
pub mod router;

use herald_notifications::{AppEvent, Severity};
use herald_protocol::SubscriptionError;
use leptos::either::EitherOf3;
use leptos::prelude::*;

use crate::api::{Api, ApiError, Role};
use crate::auth::{Auth, Session};
use crate::catch_up::CatchUp;
use crate::components::header::Header;
use crate::components::toaster::Toaster;
use crate::config::Config;
use crate::live::{Live, LiveEvent};
use crate::notifications::Notifications;
use crate::pages::account::AccountPage;
use crate::pages::approvals::ApprovalsPage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::notifications::NotificationsPage;
use crate::pages::tenant::TenantPage;
use crate::pages::{ForRole, RoleHome};
use crate::realtime::{Incoming, Realtime, Subscriber};
use crate::request::Load;
use crate::router::{Redirect, Router};

#[component]
pub fn App() -> impl IntoView {
    let config = Load::new(Config::load);
    move || match config.get() {
        None => EitherOf3::A(view! { <p class="splash">"Loading Herald…"</p> }),
        Some(Ok(config)) => EitherOf3::B(view! { <Herald config /> }),
        Some(Err(error)) => EitherOf3::C(view! { <StartupError error /> }),
    }
}

/// The app once its configuration is known.
#[component]
fn Herald(config: Config) -> impl IntoView {
    let api = Api::new(config.clone());
    let auth = Auth::provide(api.clone());
    let notifications = Notifications::provide();
    let live = Live::provide();
    provide_context(api.clone());
    let catch_up = CatchUp::new(api.clone(), config.catch_up_endpoint.is_some(), config.debug_enabled());
    let realtime = Realtime::provide(&config, api, move |incoming| match incoming {
        Incoming::Interrupted => notifications.hold_position(),
        Incoming::Settled => catch_up.run(auth, notifications, live),
        Incoming::Message { channel, name, data } => {
            notifications.receive(&name, channel.as_deref(), &data);
            let event = AppEvent::decode(&name, &data);
            if let Some(reason) = event.signs_out() {
                auth.end_session(format!("Your account was suspended: {reason}"));
                return;
            }
            if let AppEvent::ProfileUpdated { user } = &event {
                // Another tab of this person changed the profile: the header follows.
                auth.update_profile(&user.name, &user.email);
            }
            live.dispatch(&LiveEvent { name, channel, data, event });
        }
        Incoming::SubscriptionFailed { error: SubscriptionError::Unauthorized, .. } => {
            auth.end_session("Your session has ended. Please sign in again.");
        }
        Incoming::SubscriptionFailed { channel, error } => {
            let detail = match error {
                SubscriptionError::Forbidden => "You are not allowed to receive these updates.".to_owned(),
                SubscriptionError::Rejected { message, .. } => {
                    format!("The realtime server refused it: {message}")
                }
                SubscriptionError::Unauthorized => unreachable!("handled above"),
            };
            notifications.announce(
                Severity::Error,
                &format!("Live updates unavailable for {channel}"),
                &detail,
            );
        }
    });

    // Everything that follows who is signed in, in one place and in this order: a different
    // person never sees the previous one's notifications but gets their own back, a session that ended on its own
    // says so, and the socket carries exactly the signed-in person's channels.
    let session = auth.session();
    Effect::new(move |previous: Option<Option<u64>>| {
        let session = session.get();
        let user_id = match &session {
            Session::SignedIn(signed_in) => Some(signed_in.user.id),
            _ => None,
        };
        let was = previous.flatten();
        if was.is_some() && was != user_id {
            notifications.clear();
        }
        if let Some(id) = user_id
            && was != user_id
        {
            notifications.load_for(id);
        }
        if let (Some(_), Session::SignedOut { notice: Some(notice) }) = (was, &session) {
            notifications.announce(Severity::Warning, "Signed out", notice);
        }
        match session {
            Session::SignedIn(signed_in) => realtime.follow(Some(Subscriber {
                channels: config.channels_for(&signed_in.user),
                token: signed_in.token,
            })),
            // A stored token is being checked: the socket opens meanwhile, so a reload is live
            // one round trip sooner. If the check fails, the next run closes it.
            Session::Restoring => realtime.preconnect(),
            Session::SignedOut { .. } => realtime.follow(None),
        }
        user_id
    });

    // A memo, so the page is not rebuilt (losing its state) when the session changes without
    // changing access, as when the person edits their profile.
    let access = Memo::new(move |_| match session.get() {
        Session::Restoring => None,
        Session::SignedOut { .. } => Some(false),
        Session::SignedIn(_) => Some(true),
    });
    let router = Router::provide();
    let signed_in = move || access.get() == Some(true);
    let page = move || {
        let path = router.path();
        if path == "/login" {
            return view! { <LoginPage /> }.into_any();
        }
        // Every other page needs a session; while it is being restored none of them decides
        // anything (no login page flashes).
        match access.get() {
            None => view! { <p class="splash">"Restoring your session…"</p> }.into_any(),
            Some(false) => view! { <Redirect path="/login" /> }.into_any(),
            Some(true) => match path.as_str() {
                "/" => view! { <RoleHome /> }.into_any(),
                "/approvals" => {
                    view! { <ForRole role=Role::SystemAdmin><ApprovalsPage /></ForRole> }.into_any()
                }
                "/tenant" => view! { <ForRole role=Role::TenantAdmin><TenantPage /></ForRole> }.into_any(),
                "/account" => view! { <AccountPage /> }.into_any(),
                "/notifications" => view! { <NotificationsPage /> }.into_any(),
                _ => view! { <NotFoundPage /> }.into_any(),
            },
        }
    };
    view! {
        <Show when=signed_in>
            <Header />
        </Show>
        {page}
        <Toaster />
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
