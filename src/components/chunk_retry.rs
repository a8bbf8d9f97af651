//! What a person sees when part of Herald could not be downloaded: a banner with Retry.
//!
//! The signed-in pages come in chunks fetched after sign-in (`crate::routes`). The split
//! loader fetches them through `public/start.js`'s `heraldFetchChunk`, which never fails: when
//! a fetch does (the network dropped, the server answered an error) it says so with the window
//! event `herald:chunk-failed` and waits, trying again on `herald:chunk-retry` or when the
//! browser is back online, then says `herald:chunk-loaded`. The page being left stays on
//! screen meanwhile; nothing panics and nothing is blank. This component is the Rust side of
//! those three events.

use leptos::prelude::*;
use web_sys::Event;

pub const CHUNK_FAILED: &str = "herald:chunk-failed";
pub const CHUNK_RETRY: &str = "herald:chunk-retry";
pub const CHUNK_LOADED: &str = "herald:chunk-loaded";

#[component]
pub fn ChunkRetry() -> impl IntoView {
    let failed = RwSignal::new(false);
    let on_failed = window_event_listener_untyped(CHUNK_FAILED, move |_| failed.set(true));
    let on_loaded = window_event_listener_untyped(CHUNK_LOADED, move |_| failed.set(false));
    on_cleanup(move || {
        on_failed.remove();
        on_loaded.remove();
    });
    let retry = move |_| {
        if let Ok(event) = Event::new(CHUNK_RETRY) {
            let _ = window().dispatch_event(&event);
        }
    };
    move || {
        failed.get().then(|| {
            view! {
                <div class="chunk-retry" role="alert">
                    <p>"This page could not be downloaded. Check your connection, then try again."</p>
                    <button type="button" class="button button--primary" on:click=retry>
                        "Retry"
                    </button>
                </div>
            }
        })
    }
}
