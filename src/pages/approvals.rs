//! `/approvals` (system admins): tenant registrations and system alerts, live.

use herald_notifications::{ChannelKind, Filter};
use leptos::prelude::*;

use crate::components::feed::Feed;
use crate::notifications::Notifications;

/// How many events the page lists.
const RECENT: usize = 50;

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let notifications = Notifications::expect();
    let events = Signal::derive(move || {
        notifications.recent(Filter { channel: Some(ChannelKind::Admin), severity: None }, RECENT)
    });
    view! {
        <main class="page">
            <h1 class="page__title">"Approvals"</h1>
            <section class="card" aria-labelledby="registrations">
                <h2 id="registrations">"Registrations and alerts"</h2>
                <Feed
                    entries=events
                    empty="No registrations yet. New tenants appear here the moment they sign up."
                />
            </section>
        </main>
    }
}
