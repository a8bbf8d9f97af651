//! The signed-in home: who you are, what the live connection carries, and what arrived.

use leptos::prelude::*;

use crate::auth::Auth;
use crate::notifications::Notifications;
use crate::realtime::Realtime;

/// How many notifications the overview lists.
const RECENT: usize = 10;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let auth = Auth::expect();
    let realtime = Realtime::expect();
    let notifications = Notifications::expect();
    let identity = move || {
        auth.user().map(|user| {
            let tenant = user.tenant_id.map_or_else(|| "All tenants".to_owned(), |id| format!("Tenant #{id}"));
            view! {
                <dl class="facts">
                    <dt>"Name"</dt><dd>{user.name}</dd>
                    <dt>"Email"</dt><dd>{user.email}</dd>
                    <dt>"Role"</dt><dd>{user.role.label()}</dd>
                    <dt>"Scope"</dt><dd>{tenant}</dd>
                </dl>
            }
        })
    };
    let channels = move || {
        let channels = realtime.subscribed().get();
        if channels.is_empty() {
            view! { <p class="muted">"No live channels yet."</p> }.into_any()
        } else {
            view! {
                <ul class="channel-list">
                    {channels.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                </ul>
            }
            .into_any()
        }
    };
    let recent = move || {
        let entries = notifications.recent(RECENT);
        if entries.is_empty() {
            view! { <p class="muted">"Nothing yet. Events appear here as they happen."</p> }.into_any()
        } else {
            view! {
                <ol class="feed">
                    {entries
                        .into_iter()
                        .map(|entry| {
                            let n = entry.notification;
                            view! {
                                <li class=format!("feed__item feed__item--{}", n.severity.as_str())>
                                    <p class="feed__title">{n.title}</p>
                                    <p class="feed__message">{n.message}</p>
                                    <p class="feed__meta">{n.occurred_at.unwrap_or_default()}</p>
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            }
            .into_any()
        }
    };
    view! {
        <main class="page">
            <h1 class="page__title">"Overview"</h1>
            <div class="grid">
                <section class="card" aria-labelledby="you">
                    <h2 id="you">"You"</h2>
                    {identity}
                </section>
                <section class="card" aria-labelledby="live">
                    <h2 id="live">"Live channels"</h2>
                    {channels}
                </section>
                <section class="card card--wide" aria-labelledby="recent">
                    <h2 id="recent">"Recent notifications"</h2>
                    {recent}
                </section>
            </div>
        </main>
    }
}
