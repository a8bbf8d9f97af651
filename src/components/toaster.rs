//! Toasts: a persistent live region that screen readers watch, holding at most
//! [`VISIBLE_TOASTS`] toasts with a "+N more" line for the rest. A toast's time runs only
//! while nobody is reading it: it pauses while hovered or focused and while the tab is hidden,
//! and keeps the time it had left (`herald_client`'s [`ToastClock`] decides; this holds one
//! browser timer for what it says is left).
//!
//! Payload text is rendered as text nodes only, so markup in a name is shown, never run.

use std::time::Duration;

use herald_client::{ToastClock, toast_duration};
use herald_notifications::{Severity, Toast};
use herald_protocol::Millis;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::notifications::{Notifications, VISIBLE_TOASTS};

/// How long a toast of a severity stays, as [`toast_duration`] decides.
pub type ToastDurations = fn(Severity, bool) -> Option<Millis>;

/// The toaster. `durations` decides how long toasts stay; default [`toast_duration`] (tests
/// pass shorter ones).
#[component]
pub fn Toaster(#[prop(optional)] durations: Option<ToastDurations>) -> impl IntoView {
    let durations = durations.unwrap_or(toast_duration);
    let notifications = Notifications::expect();
    let toasts = notifications.toasts();
    let visible = move || {
        let all = toasts.get();
        let skip = all.len().saturating_sub(VISIBLE_TOASTS);
        all.into_iter().skip(skip).collect::<Vec<_>>()
    };
    let hidden = move || toasts.with(|t| t.len().saturating_sub(VISIBLE_TOASTS));

    let page_hidden = RwSignal::new(document().hidden());
    // Owned by the toaster: removed and freed when it goes.
    let _visibility = StoredValue::new_local(DocumentListener::new("visibilitychange", move || {
        page_hidden.try_set(document().hidden());
    }));

    // A desktop notification that was clicked asks to open a page; the router is here.
    let navigate = use_navigate();
    let navigation = notifications.navigation();
    Effect::new(move || {
        if let Some(path) = navigation.get() {
            navigate(&path, Default::default());
            notifications.navigated();
        }
    });

    view! {
        <section class="toaster" aria-label="Notifications">
            <ol class="toaster__list" aria-live="polite" aria-relevant="additions">
                <For each=visible key=|t| t.notification.id.clone() let(toast)>
                    <ToastView toast durations page_hidden=page_hidden.into() />
                </For>
            </ol>
            <Show when=move || { hidden() > 0 }>
                <p class="toaster__more">{move || format!("+{} more", hidden())}</p>
            </Show>
        </section>
    }
}

#[component]
fn ToastView(toast: Toast, durations: ToastDurations, page_hidden: Signal<bool>) -> impl IntoView {
    let notifications = Notifications::expect();
    let notification = toast.notification;
    let id = notification.id.clone();
    let hovered = RwSignal::new(false);
    let focused = RwSignal::new(false);
    // A fold's title counts its events and grows while the burst goes on; `None` once the
    // toast is dismissed.
    let current_title = {
        let id = id.clone();
        Memo::new(move |_| notifications.toast_title(&id))
    };
    if let Some(duration) = durations(notification.severity, notification.sticky) {
        let clock = StoredValue::new(ToastClock::new(duration));
        let timer = StoredValue::new(None::<TimeoutHandle>);
        let cancel = move || {
            if let Some(handle) = timer.try_update_value(Option::take).flatten() {
                handle.clear();
            }
        };
        let id = id.clone();
        Effect::new(move |last_title: Option<Option<String>>| {
            let title = current_title.get();
            // A fold stays while its burst goes on: its time counts from the burst's last event.
            if title.is_some() && last_title.is_some_and(|last| last != title) {
                cancel();
                clock.update_value(ToastClock::restart);
            }
            let paused = hovered.get() || focused.get() || page_hidden.get();
            if paused {
                cancel();
                clock.update_value(|clock| clock.pause(now()));
            } else if let Some(left) = clock.try_update_value(|clock| clock.run(now())).flatten() {
                let id = id.clone();
                let left = Duration::from_millis(left.0);
                if let Ok(handle) = set_timeout_with_handle(move || notifications.dismiss(&id), left) {
                    timer.set_value(Some(handle));
                }
            }
            title
        });
        on_cleanup(cancel);
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
    let title = {
        let initial = notification.title.clone();
        move || current_title.get().unwrap_or_else(|| initial.clone())
    };
    view! {
        <li
            class=format!("toast toast--{}", notification.severity.as_str())
            role=if urgent { "alert" } else { "status" }
            aria-atomic="true"
            tabindex="0"
            on:keydown=on_key
            on:mouseenter=move |_| hovered.set(true)
            on:mouseleave=move |_| hovered.set(false)
            on:focusin=move |_| focused.set(true)
            on:focusout=move |_| focused.set(false)
        >
            <div class="toast__body">
                <p class="toast__title">{title}</p>
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

/// A listener on the document, removed (and its closure freed) when dropped.
struct DocumentListener {
    kind: &'static str,
    callback: Closure<dyn FnMut()>,
}

impl DocumentListener {
    fn new(kind: &'static str, handler: impl FnMut() + 'static) -> DocumentListener {
        let callback = Closure::<dyn FnMut()>::new(handler);
        let _ = document().add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref());
        DocumentListener { kind, callback }
    }
}

impl Drop for DocumentListener {
    fn drop(&mut self) {
        let _ =
            document().remove_event_listener_with_callback(self.kind, self.callback.as_ref().unchecked_ref());
    }
}

/// The time toasts count in: milliseconds since 1970 (`Date.now()`); only differences matter.
fn now() -> Millis {
    Millis(js_sys::Date::now() as u64)
}
