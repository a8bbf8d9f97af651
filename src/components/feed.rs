//! A list of notifications from the history, newest first: the live part of every page.

use herald_notifications::history::Entry;
use leptos::prelude::*;

use crate::format::local_time;
use crate::notifications::Notifications;

/// Renders `entries`, or `empty` when there are none. With `opens`, each entry is a button
/// and activating it marks it read (the history page, the bell); without, a plain list.
#[component]
pub fn Feed(
    #[prop(into)] entries: Signal<Vec<Entry>>,
    empty: &'static str,
    #[prop(optional)] opens: bool,
) -> impl IntoView {
    let notifications = Notifications::expect();
    move || {
        let entries = entries.get();
        if entries.is_empty() {
            return view! { <p class="muted">{empty}</p> }.into_any();
        }
        view! {
            <ol class="feed">
                {entries
                    .into_iter()
                    .map(|entry| {
                        let n = entry.notification;
                        let time = n.occurred_at.as_deref().map(local_time).unwrap_or_default();
                        let class = format!(
                            "feed__item feed__item--{}{}",
                            n.severity.as_str(),
                            if entry.read { "" } else { " feed__item--unread" },
                        );
                        let content = view! {
                            <span class="visually-hidden">{if entry.read { "" } else { "Unread: " }}</span>
                            <span class="feed__title">{n.title}</span>
                            <span class="feed__message">{n.message}</span>
                            <span class="feed__meta">{time}</span>
                        };
                        let id = n.id;
                        let item = if opens {
                            view! {
                                <button
                                    type="button"
                                    class="feed__open"
                                    on:click=move |_| notifications.mark_read(&id)
                                >
                                    {content}
                                </button>
                            }
                            .into_any()
                        } else {
                            content.into_any()
                        };
                        view! { <li class=class>{item}</li> }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any()
    }
}
