//! `/notifications`: the person's whole history, with unread marks, filters by channel and
//! severity, and their preferences: muted event types and desktop notifications.

use herald_contract::ChannelKind;
use herald_notifications::{Filter, Severity, humanize};
use leptos::prelude::*;

use crate::components::feed::Feed;
use crate::notifications::Notifications;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let notifications = Notifications::expect();
    let channel = RwSignal::new(None::<ChannelKind>);
    let severity = RwSignal::new(None::<Severity>);
    let entries = Signal::derive(move || {
        notifications.recent(Filter { channel: channel.get(), severity: severity.get() }, usize::MAX)
    });
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
            <div class="filters">
                <div class="field">
                    <label class="field__label" for="filter-channel">"Channel"</label>
                    <select
                        id="filter-channel"
                        on:change=move |ev| channel.set(ChannelKind::parse(&event_target_value(&ev)))
                    >
                        <option value="">"All channels"</option>
                        <option value="tenant">"Tenant"</option>
                        <option value="user">"Personal"</option>
                        <option value="admin">"Admin"</option>
                    </select>
                </div>
                <div class="field">
                    <label class="field__label" for="filter-severity">"Severity"</label>
                    <select
                        id="filter-severity"
                        on:change=move |ev| severity.set(Severity::parse(&event_target_value(&ev)))
                    >
                        <option value="">"All severities"</option>
                        {Severity::ALL
                            .into_iter()
                            .map(|s| view! { <option value=s.as_str()>{humanize(s.as_str())}</option> })
                            .collect_view()}
                    </select>
                </div>
            </div>
            <section class="card" aria-label="History">
                <Feed entries empty="No notifications." opens=true />
            </section>
            <Preferences />
        </main>
    }
}

/// Muted event types and desktop notifications, kept per person.
#[component]
fn Preferences() -> impl IntoView {
    let notifications = Notifications::expect();
    let kinds = move || notifications.kinds();
    let desktop = move || {
        if !notifications.desktop_supported() {
            view! { <p class="muted">"This browser cannot show desktop notifications."</p> }.into_any()
        } else if notifications.desktop_enabled() {
            view! {
                <p>"Events that arrive while Herald is in the background also show on your desktop."</p>
                <button type="button" class="button" on:click=move |_| notifications.disable_desktop()>
                    "Turn off desktop notifications"
                </button>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="button" on:click=move |_| notifications.enable_desktop()>
                    "Enable desktop notifications"
                </button>
            }
            .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="preferences">
            <h2 id="preferences">"Preferences"</h2>
            {desktop}
            <h3>"Event types"</h3>
            <p class="muted">"Muted types still enter your history, without a toast."</p>
            <ul class="mutes">
                <For each=kinds key=|kind| kind.clone() let(kind)>
                    <li>
                        <label class="checkbox">
                            <input
                                type="checkbox"
                                prop:checked={
                                    let kind = kind.clone();
                                    move || notifications.is_muted(&kind)
                                }
                                on:change={
                                    let kind = kind.clone();
                                    move |ev| notifications.set_muted(&kind, event_target_checked(&ev))
                                }
                            />
                            {format!("Mute {}", humanize(&kind))}
                        </label>
                    </li>
                </For>
            </ul>
        </section>
    }
}
