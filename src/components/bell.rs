//! The notification bell: the unread count, and a dropdown with the newest notifications,
//! "Mark all as read" and a link to the whole history.

use herald_notifications::Filter;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::feed::Feed;
use crate::notifications::Notifications;

/// How many notifications the dropdown lists.
const IN_DROPDOWN: usize = 5;

#[component]
pub fn Bell() -> impl IntoView {
    let notifications = Notifications::expect();
    let open = RwSignal::new(false);
    let unread = move || notifications.unread();
    let label = move || match unread() {
        0 => "Notifications, none unread".to_owned(),
        n => format!("Notifications, {n} unread"),
    };
    let newest = Signal::derive(move || notifications.recent(Filter::default(), IN_DROPDOWN));
    let close = move || open.set(false);
    // Escape closes the dropdown wherever focus is (a button that just became disabled, say,
    // drops focus to the page).
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && open.get_untracked() {
            close();
        }
    });
    on_cleanup(move || escape.remove());
    view! {
        <div class="bell">
            <button
                type="button"
                class="bell__button"
                aria-label=label
                aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                aria-controls="bell-panel"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <svg class="bell__icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                    <path
                        d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.4A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.6L18 12.6V9a6 6 0 0 0-6-6Zm0 19a3 3 0 0 0 2.8-2H9.2A3 3 0 0 0 12 22Z"
                        fill="currentColor"
                    />
                </svg>
                <Show when=move || { unread() > 0 }>
                    <span class="bell__count" aria-hidden="true">{unread}</span>
                </Show>
            </button>
            <Show when=move || open.get()>
                <section id="bell-panel" class="bell__panel card" aria-label="Recent notifications">
                    <div class="bell__actions">
                        <MarkAllRead class="link-button" />
                        <A href="/notifications" on:click=move |_| close()>"See all notifications"</A>
                    </div>
                    <Feed entries=newest empty="No notifications yet." opens=true />
                </section>
            </Show>
        </div>
    }
}

/// "Mark all as read", disabled while nothing is unread: in the bell's dropdown and on the
/// history page, styled by `class`.
#[component]
pub fn MarkAllRead(class: &'static str) -> impl IntoView {
    let notifications = Notifications::expect();
    view! {
        <button
            type="button"
            class=class
            disabled=move || notifications.unread() == 0
            on:click=move |_| notifications.mark_all_read()
        >
            "Mark all as read"
        </button>
    }
}
