//! The connection badge: what the one socket is doing, in words, announced politely when it
//! changes, with "Retry now" while waiting to reconnect.

use std::time::Duration;

use herald_protocol::ConnectionState;
use leptos::prelude::*;

use crate::realtime::Realtime;

#[component]
pub fn ConnectionBadge() -> impl IntoView {
    let realtime = Realtime::expect();
    let state = realtime.state();
    // The countdown of "Reconnecting in N s" needs the time; tick once a second.
    let now = RwSignal::new(performance_now());
    if let Ok(handle) = set_interval_with_handle(move || now.set(performance_now()), Duration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }
    let label = move || match state.get() {
        ConnectionState::Initialized | ConnectionState::Disconnected => "Not connected".to_owned(),
        ConnectionState::Connecting => "Connecting…".to_owned(),
        ConnectionState::Connected { .. } => "Connected".to_owned(),
        ConnectionState::Reconnecting { retry_at, .. } => {
            // Whole seconds, formatted as an integer: `f64`'s `Display` costs 9 KB of wasm.
            let seconds = ((retry_at.0 as f64 - now.get()) / 1000.0).ceil().max(0.0) as u64;
            format!("Reconnecting in {seconds} s")
        }
        ConnectionState::Unavailable => "Offline".to_owned(),
        ConnectionState::Failed { reason } => format!("Failed: {reason}"),
    };
    let tone = move || match state.get() {
        ConnectionState::Connected { .. } => "badge badge--ok",
        ConnectionState::Connecting | ConnectionState::Reconnecting { .. } => "badge badge--wait",
        ConnectionState::Failed { .. } | ConnectionState::Unavailable => "badge badge--bad",
        _ => "badge",
    };
    let can_retry = move || {
        matches!(
            state.get(),
            ConnectionState::Reconnecting { .. }
                | ConnectionState::Unavailable
                | ConnectionState::Failed { .. }
        )
    };
    view! {
        <div class="connection">
            <span class=tone role="status" aria-live="polite" data-testid="connection-state">
                <span class="badge__dot" aria-hidden="true"></span>
                {label}
            </span>
            <Show when=can_retry>
                <button type="button" class="link-button" on:click=move |_| realtime.retry_now()>
                    "Retry now"
                </button>
            </Show>
        </div>
    }
}

fn performance_now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}
