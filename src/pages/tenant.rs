//! `/tenant` (tenant admins): what happens in the tenant, live.

use herald_notifications::{ChannelKind, Filter};
use leptos::prelude::*;

use crate::auth::Auth;
use crate::components::feed::Feed;
use crate::notifications::Notifications;

/// How many events the activity feed lists.
const ACTIVITY: usize = 50;

#[component]
pub fn TenantPage() -> impl IntoView {
    let auth = Auth::expect();
    let notifications = Notifications::expect();
    let activity = Signal::derive(move || {
        notifications.recent(Filter { channel: Some(ChannelKind::Tenant), severity: None }, ACTIVITY)
    });
    let tenant = move || auth.user().and_then(|u| u.tenant_id).map(|id| format!("Tenant #{id}"));
    view! {
        <main class="page">
            <h1 class="page__title">"Tenant activity"</h1>
            <p class="muted page__lead">{tenant}</p>
            <section class="card" aria-labelledby="activity">
                <h2 id="activity">"Activity"</h2>
                <Feed
                    entries=activity
                    empty="No activity yet. Users, payments and hotspot sessions appear here as they happen."
                />
            </section>
        </main>
    }
}
