//! Toasts: a persistent live region that screen readers watch, holding at most
//! [`VISIBLE_TOASTS`] toasts with a "+N more" line for the rest.
//!
//! Payload text is rendered as text nodes only, so markup in a name is shown, never run.

use std::time::Duration;

use herald_notifications::{Notification, Severity};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::notifications::{Notifications, VISIBLE_TOASTS};

/// How long a toast of each severity stays; `None` for toasts that stay until dismissed.
pub fn toast_duration(severity: Severity, sticky: bool) -> Option<Duration> {
    if sticky {
        return None;
    }
    match severity {
        Severity::Info | Severity::Success => Some(Duration::from_secs(5)),
        Severity::Warning => Some(Duration::from_secs(8)),
        Severity::Error => Some(Duration::from_secs(10)),
        Severity::Critical => None,
    }
}

#[component]
pub fn Toaster() -> impl IntoView {
    let notifications = Notifications::expect();
    let toasts = notifications.toasts();
    let visible = move || {
        let all = toasts.get();
        let skip = all.len().saturating_sub(VISIBLE_TOASTS);
        all.into_iter().skip(skip).collect::<Vec<_>>()
    };
    let hidden = move || toasts.with(|t| t.len().saturating_sub(VISIBLE_TOASTS));
    view! {
        <section class="toaster" aria-label="Notifications">
            <ol class="toaster__list" aria-live="polite" aria-relevant="additions">
                <For each=visible key=|n| n.id.clone() let(notification)>
                    <Toast notification />
                </For>
            </ol>
            <Show when=move || { hidden() > 0 }>
                <p class="toaster__more">{move || format!("+{} more", hidden())}</p>
            </Show>
        </section>
    }
}

#[component]
fn Toast(notification: Notification) -> impl IntoView {
    let notifications = Notifications::expect();
    let id = notification.id.clone();
    if let Some(duration) = toast_duration(notification.severity, notification.sticky) {
        let id = id.clone();
        if let Ok(handle) = set_timeout_with_handle(move || notifications.dismiss(&id), duration) {
            on_cleanup(move || handle.clear());
        }
    }
    let urgent = matches!(notification.severity, Severity::Error | Severity::Critical);
    let dismiss = {
        let id = id.clone();
        move || notifications.dismiss(&id)
    };
    let on_key = {
        let dismiss = dismiss.clone();
        move |ev: web_sys::KeyboardEvent| {
            if ev.key() == "Escape" {
                dismiss();
            }
        }
    };
    let action = notification.action.clone().map(|link| {
        let dismiss = dismiss.clone();
        view! {
            <A href=link.href attr:class="toast__action" on:click=move |_| dismiss()>
                {link.label}
            </A>
        }
    });
    view! {
        <li
            class=format!("toast toast--{}", notification.severity.as_str())
            role=if urgent { "alert" } else { "status" }
            aria-atomic="true"
            tabindex="0"
            on:keydown=on_key
        >
            <div class="toast__body">
                <p class="toast__title">{notification.title.clone()}</p>
                <Show when={
                    let empty = notification.message.is_empty();
                    move || !empty
                }>
                    <p class="toast__message">{notification.message.clone()}</p>
                </Show>
                {action}
            </div>
            <button
                type="button"
                class="toast__close"
                aria-label="Dismiss notification"
                on:click=move |_| dismiss()
            >
                "×"
            </button>
        </li>
    }
}
