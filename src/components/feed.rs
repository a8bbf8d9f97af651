//! A list of notifications from the history, newest first: the live part of every page.

use herald_notifications::history::Entry;
use leptos::prelude::*;

use crate::format::local_time;

/// Renders `entries`, or `empty` when there are none.
#[component]
pub fn Feed(#[prop(into)] entries: Signal<Vec<Entry>>, empty: &'static str) -> impl IntoView {
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
                        view! {
                            <li class=class>
                                <p class="feed__title">{n.title}</p>
                                <p class="feed__message">{n.message}</p>
                                <p class="feed__meta">{time}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any()
    }
}
