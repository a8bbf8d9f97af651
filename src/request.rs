//! [`Load`], a read a page shows as loading, loaded or failed. (Writes are Leptos's own
//! `Action`.)
//!
//! Leptos has `LocalResource` with `<Suspense>` for this. `Load` keeps what loaded on screen
//! when a reload fails, which the pages' live lists rely on after an outage, and it cost about
//! 17 KB less gzipped wasm than `LocalResource` in a build with no split (issue 9).

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

type Outcome<T> = Option<Result<T, ApiError>>;

/// The latest outcome of `fetch`: `None` until the first answer. `fetch` runs at once, again
/// on [`Load::reload`], and again whenever a signal it reads before its first `.await` changes.
/// While a new request runs the previous outcome stays shown, and only the newest request's
/// answer is kept, so a slow answer never overwrites a newer one. Once something has loaded, a
/// failed reload keeps it (and says so in the console) rather than replacing it with an error.
pub struct Load<T: 'static> {
    outcome: RwSignal<Outcome<T>, LocalStorage>,
    loading: RwSignal<bool>,
    again: Trigger,
}

impl<T: 'static> Clone for Load<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Load<T> {}

impl<T: Clone + 'static> Load<T> {
    pub fn new<Fut>(fetch: impl Fn() -> Fut + 'static) -> Self
    where
        Fut: Future<Output = Result<T, ApiError>> + 'static,
    {
        let load =
            Self { outcome: RwSignal::new_local(None), loading: RwSignal::new(true), again: Trigger::new() };
        let requests = StoredValue::new(0_u64);
        Effect::new(move |_| {
            load.again.track();
            let answer = fetch();
            let request = requests.get_value() + 1;
            requests.set_value(request);
            load.loading.set(true);
            spawn_local(async move {
                let outcome = answer.await;
                // The page may have gone, or asked again, while this request ran.
                if requests.try_get_value() == Some(request) {
                    load.loading.try_set(false);
                    let shown = load.outcome.try_with_untracked(|shown| matches!(shown, Some(Ok(_))));
                    match outcome {
                        // A reload that failed (offline during a resync, say) leaves what was
                        // loaded on screen: the next settle of the socket reloads it again.
                        Err(error) if shown == Some(true) => {
                            leptos::logging::warn!(
                                "[herald] reloading failed ({error}); keeping what was loaded"
                            );
                        }
                        outcome => {
                            load.outcome.try_set(Some(outcome));
                        }
                    }
                }
            });
        });
        load
    }

    /// The latest outcome (tracked).
    pub fn get(&self) -> Outcome<T> {
        self.outcome.get()
    }

    /// Whether a request is running, the first or a later one (tracked).
    pub fn loading(&self) -> Signal<bool> {
        self.loading.into()
    }

    /// Asks again, as a Retry button does.
    pub fn reload(&self) {
        self.again.notify();
    }
}
