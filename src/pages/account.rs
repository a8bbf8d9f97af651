//! `/account` (everyone): who you are, your profile and password, what your live connection
//! carries, and what arrived for you.

use herald_notifications::Filter;
use leptos::prelude::*;

use crate::api::Api;
use crate::auth::Auth;
use crate::components::card::Card;
use crate::components::feed::Feed;
use crate::components::forms::{FormOutcome, TextField, field_errors};
use crate::notifications::Notifications;
use crate::pages::approvals::StatusBadge;
use crate::pages::{after_failure, caller, signed_out};
use crate::realtime::Realtime;

/// How many notifications the account page lists.
const RECENT: usize = 10;

#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = Auth::expect();
    let realtime = Realtime::expect();
    let notifications = Notifications::expect();
    let identity = move || {
        auth.user().map(|user| {
            let scope = user.tenant_id.map_or_else(|| "All tenants".to_owned(), |id| format!("Tenant #{id}"));
            view! {
                <dl class="facts">
                    <dt>"Name"</dt><dd>{user.name}</dd>
                    <dt>"Email"</dt><dd>{user.email}</dd>
                    <dt>"Role"</dt><dd>{user.role.label()}</dd>
                    <dt>"Scope"</dt><dd>{scope}</dd>
                    <dt>"Status"</dt><dd><StatusBadge status=user.status.as_str() /></dd>
                </dl>
            }
        })
    };
    let channels = move || {
        let channels = realtime.subscribed().get();
        if channels.is_empty() {
            return view! { <p class="muted">"No live channels yet."</p> }.into_any();
        }
        view! {
            <ul class="channel-list">
                {channels.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let recent = Signal::derive(move || notifications.recent(Filter::default(), RECENT));
    view! {
        <main class="page">
            <h1 class="page__title">"Your account"</h1>
            <div class="grid">
                <Card id="profile" title="Profile">
                    {identity}
                </Card>
                <EditProfile />
                <ChangePassword />
                <Card id="live" title="Live channels">
                    {channels}
                </Card>
                <Card id="recent" title="Recent notifications" wide=true>
                    <Feed entries=recent empty="Nothing yet. Events appear here as they happen." />
                </Card>
            </div>
        </main>
    }
}

#[component]
fn EditProfile() -> impl IntoView {
    let auth = Auth::expect();
    let realtime = Realtime::expect();
    let api = expect_context::<Api>();
    let current = auth.user();
    let name = RwSignal::new(current.as_ref().map(|u| u.name.clone()).unwrap_or_default());
    let email = RwSignal::new(current.map(|u| u.email).unwrap_or_default());
    let save = Action::new_local(move |(name, email): &(String, String)| {
        let (name, email, api) = (name.clone(), email.clone(), api.clone());
        async move {
            let caller = caller(auth, realtime).ok_or_else(signed_out)?;
            api.update_profile(&caller, &name, &email).await
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(user)) => auth.update_profile(&user.name, &user.email),
        Some(Err(error)) => after_failure(auth, &error),
        None => {}
    });
    let error = move || save.value().get().and_then(Result::err);
    let errors = Signal::derive(move || field_errors(&error()));
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch((name.get_untracked(), email.get_untracked()));
    };
    view! {
        <Card id="edit-profile" title="Edit profile">
            <form class="stack" on:submit=submit novalidate>
                <TextField form="profile" name="name" label="Name" value=name errors autocomplete="name" />
                <TextField form="profile" name="email" label="Email" value=email errors kind="email" autocomplete="email" />
                <FormOutcome error=Signal::derive(error) done=Signal::derive(saved) done_text="Profile saved.".to_owned() />
                <button type="submit" class="button button--primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save profile" }}
                </button>
            </form>
        </Card>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let auth = Auth::expect();
    let realtime = Realtime::expect();
    let api = expect_context::<Api>();
    let current = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let change = Action::new_local(move |(current, password, confirmation): &(String, String, String)| {
        let (current, password, confirmation, api) =
            (current.clone(), password.clone(), confirmation.clone(), api.clone());
        async move {
            let caller = caller(auth, realtime).ok_or_else(signed_out)?;
            api.change_password(&caller, &current, &password, &confirmation).await
        }
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(())) => {
            for field in [current, password, confirmation] {
                field.set(String::new());
            }
        }
        Some(Err(error)) => after_failure(auth, &error),
        None => {}
    });
    let error = move || change.value().get().and_then(Result::err);
    let errors = Signal::derive(move || field_errors(&error()));
    let changed = move || matches!(change.value().get(), Some(Ok(())));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change.dispatch((current.get_untracked(), password.get_untracked(), confirmation.get_untracked()));
    };
    view! {
        <Card id="change-password" title="Change password">
            <form class="stack" on:submit=submit novalidate>
                <TextField form="password" name="current_password" label="Current password" value=current errors kind="password" autocomplete="current-password" />
                <TextField form="password" name="password" label="New password (at least 8 characters)" value=password errors kind="password" autocomplete="new-password" />
                <TextField form="password" name="password_confirmation" label="Repeat new password" value=confirmation errors kind="password" autocomplete="new-password" />
                <FormOutcome error=Signal::derive(error) done=Signal::derive(changed) done_text="Password changed.".to_owned() />
                <button type="submit" class="button button--primary" disabled=move || change.pending().get()>
                    {move || if change.pending().get() { "Changing…" } else { "Change password" }}
                </button>
            </form>
        </Card>
    }
}
