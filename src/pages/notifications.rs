//! `/notifications`: the person's whole history, with unread marks, filters by channel and
//! severity, and their preferences: muted event types and desktop notifications.

use herald_contract::ChannelKind;
use herald_notifications::{Filter, Severity, humanize};
use leptos::prelude::*;

use crate::components::bell::MarkAllRead;
use crate::components::card::Card;
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
    let channels = [("tenant", "Tenant"), ("user", "Personal"), ("admin", "Admin")];
    let channels = channels.map(|(value, label)| (value, label.to_owned())).to_vec();
    let severities = Severity::ALL.into_iter().map(|s| (s.as_str(), humanize(s.as_str()))).collect();
    view! {
        <main class="page">
            <div class="page__heading">
                <h1 class="page__title">"Notifications"</h1>
                <MarkAllRead class="button" />
            </div>
            <div class="filters">
                <FilterSelect id="filter-channel" label="Channel" all="All channels" options=channels
                    pick=move |value: String| channel.set(ChannelKind::parse(&value)) />
                <FilterSelect id="filter-severity" label="Severity" all="All severities" options=severities
                    pick=move |value: String| severity.set(Severity::parse(&value)) />
            </div>
            <section class="card" aria-label="History">
                <Feed entries empty="No notifications." opens=true />
            </section>
            <Preferences />
        </main>
    }
}

/// A labelled filter: `all` (the empty value) first, then `options` as (value, label); `pick`
/// gets the value chosen.
#[component]
fn FilterSelect(
    id: &'static str,
    label: &'static str,
    all: &'static str,
    options: Vec<(&'static str, String)>,
    pick: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <div class="field">
            <label class="field__label" for=id>{label}</label>
            <select id=id on:change=move |ev| pick(event_target_value(&ev))>
                <option value="">{all}</option>
                {options
                    .into_iter()
                    .map(|(value, label)| view! { <option value=value>{label}</option> })
                    .collect_view()}
            </select>
        </div>
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
        <Card id="preferences" title="Preferences">
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
        </Card>
    }
}
