//! The requests a page makes: [`Load`], a read it shows as loading, loaded or failed, and
//! [`Submit`], a write it sends from a form or a button.
//!
//! Leptos has `LocalResource` with `<Suspense>`, and `Action`, for these. Herald's pages make
//! a handful of plain requests, and these two small types do that job for less wasm: about
//! 17 KB and 9 KB of gzipped wasm (measured in issue 9).

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

type Outcome<T> = Option<Result<T, ApiError>>;

/// What a [`Submit`] runs, boxed so each input and output type has one copy of the machinery.
type SendFn<I, O> = Box<dyn Fn(&I) -> Pin<Box<dyn Future<Output = O>>>>;

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

/// A write: [`Submit::dispatch`] runs `send` with its input; [`Submit::pending`] is true
/// while any run is in flight, and [`Submit::value`] holds the latest one's outcome.
pub struct Submit<I: 'static, O: 'static> {
    send: StoredValue<SendFn<I, O>, LocalStorage>,
    in_flight: RwSignal<usize>,
    pending: Memo<bool>,
    value: RwSignal<Option<O>, LocalStorage>,
}

impl<I: 'static, O: 'static> Clone for Submit<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: 'static, O: 'static> Copy for Submit<I, O> {}

impl<I: 'static, O: 'static> Submit<I, O> {
    pub fn new<Fut>(send: impl Fn(&I) -> Fut + 'static) -> Self
    where
        Fut: Future<Output = O> + 'static,
    {
        let send: SendFn<I, O> = Box::new(move |input| Box::pin(send(input)));
        let in_flight = RwSignal::new(0);
        Self {
            send: StoredValue::new_local(send),
            in_flight,
            pending: Memo::new(move |_| in_flight.get() > 0),
            value: RwSignal::new_local(None),
        }
    }

    pub fn dispatch(&self, input: I) {
        let Some(sent) = self.send.try_with_value(|send| send(&input)) else { return };
        let this = *self;
        this.in_flight.update(|count| *count += 1);
        spawn_local(async move {
            let outcome = sent.await;
            // The page may have gone while the request ran: nothing is left to update.
            this.value.try_set(Some(outcome));
            this.in_flight.try_update(|count| *count -= 1);
        });
    }

    /// Whether a run is in flight (tracked).
    pub fn pending(&self) -> Memo<bool> {
        self.pending
    }

    /// The latest run's outcome, `None` before the first (tracked).
    pub fn value(&self) -> RwSignal<Option<O>, LocalStorage> {
        self.value
    }
}
