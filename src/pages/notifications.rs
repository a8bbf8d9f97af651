//! `/notifications`: the person's whole history, with unread marks.

use leptos::prelude::*;

use crate::components::feed::Feed;
use crate::notifications::Notifications;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let notifications = Notifications::expect();
    let entries = Signal::derive(move || notifications.recent("", usize::MAX));
    let unread = move || notifications.unread();
    view! {
        <main class="page">
            <div class="page__heading">
                <h1 class="page__title">"Notifications"</h1>
                <button
                    type="button"
                    class="button"
                    disabled=move || unread() == 0
                    on:click=move |_| notifications.mark_all_read()
                >
                    "Mark all as read"
                </button>
            </div>
            <section class="card" aria-label="History">
                <Feed entries empty="No notifications yet." />
            </section>
        </main>
    }
}
