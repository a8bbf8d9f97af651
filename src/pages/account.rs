//! `/account`: who you are, what your live connection carries, and what arrived for you.

use herald_notifications::Filter;
use leptos::prelude::*;

use crate::auth::Auth;
use crate::components::feed::Feed;
use crate::notifications::Notifications;
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
                    <dt>"Status"</dt><dd>{user.status}</dd>
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
                <section class="card" aria-labelledby="profile">
                    <h2 id="profile">"Profile"</h2>
                    {identity}
                </section>
                <section class="card" aria-labelledby="live">
                    <h2 id="live">"Live channels"</h2>
                    {channels}
                </section>
                <section class="card card--wide" aria-labelledby="recent">
                    <h2 id="recent">"Recent notifications"</h2>
                    <Feed entries=recent empty="Nothing yet. Events appear here as they happen." />
                </section>
            </div>
        </main>
    }
}
