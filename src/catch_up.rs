//! Catch-up: what the socket missed, read back from the backend.
//!
//! Pusher does not replay. Each time the realtime service reports every channel answered
//! (`Incoming::Settled`: the first socket after a reload, or a new one after any drop),
//! nothing published from then on can be missed, so this asks the backend's catch-up
//! endpoint for the events after the last one the person has, merges them into the history
//! (de-duplicated by id) and announces them with one summary toast rather than a toast each.
//! Pages then load their data again. Without a stored position (the person's first session
//! on this device) there is nothing to resume from, and without a `catch_up_endpoint` in the
//! config the backend offers none; both are said in the debug log, and the pages load their
//! data again anyway, since it may be older than the subscriptions.

use herald_notifications::Severity;
use herald_notifications::history::away_title;
use herald_protocol::short_event_name;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{Api, ApiError, EventRecord};
use crate::auth::Auth;
use crate::live::Live;
use crate::notifications::Notifications;

/// Events per request.
const PAGE: u32 = 500;

/// At most this many requests per catch-up: more than the history can hold in any case.
const MAX_PAGES: usize = 20;

/// Runs catch-ups one at a time; a `Settled` during one runs another after it.
#[derive(Clone, Copy)]
pub struct CatchUp {
    api: StoredValue<Api>,
    enabled: bool,
    debug: bool,
    running: StoredValue<bool>,
    again: StoredValue<bool>,
}

impl CatchUp {
    pub fn new(api: Api, enabled: bool, debug: bool) -> CatchUp {
        CatchUp {
            api: StoredValue::new(api),
            enabled,
            debug,
            running: StoredValue::new(false),
            again: StoredValue::new(false),
        }
    }

    /// Catches up now, or right after the catch-up that is running.
    pub fn run(self, auth: Auth, notifications: Notifications, live: Live) {
        if !self.enabled {
            self.nothing_to_resume(
                "no catch_up_endpoint in the config: events missed while away are not read back",
                notifications,
                live,
            );
            return;
        }
        if self.running.get_value() {
            self.again.set_value(true);
            return;
        }
        self.running.set_value(true);
        spawn_local(async move {
            loop {
                self.again.set_value(false);
                self.once(auth, notifications, live).await;
                if self.again.try_get_value() != Some(true) {
                    break;
                }
            }
            let _ = self.running.try_set_value(false);
        });
    }

    async fn once(self, auth: Auth, notifications: Notifications, live: Live) {
        let (Some(token), Some(person)) = (auth.token(), auth.user().map(|user| user.id)) else { return };
        let Some(after) = notifications.position() else {
            self.nothing_to_resume(
                "no event received on this device yet: nothing to catch up from",
                notifications,
                live,
            );
            return;
        };
        let Some(api) = self.api.try_get_value() else { return };
        let result = missed_since(&api, &token, after).await;
        // The person may have signed out, or another signed in, while the requests ran.
        if auth.user().map(|user| user.id) != Some(person) {
            return;
        }
        match result {
            Ok(records) => {
                let added = notifications.catch_up(
                    records.iter().map(|r| (short_event_name(&r.event), r.channel.as_deref(), &r.data)),
                );
                self.log(&format!("caught up: {} events read back, {added} new", records.len()));
                if added > 0 {
                    notifications.announce(Severity::Info, &away_title(added), "They are in your history.");
                    live.resync();
                }
            }
            Err(ApiError::Unauthenticated) => auth.end_session(ApiError::Unauthenticated.to_string()),
            Err(ApiError::Validation { message, .. }) => {
                // The backend does not know our position (its data was reset): start afresh.
                leptos::logging::warn!("[herald:catch-up] position refused ({message}); starting afresh");
                notifications.reset_position();
            }
            Err(error) => {
                // The position stays held, so nothing live moves it past what is still missing.
                leptos::logging::warn!(
                    "[herald:catch-up] failed ({error}); tried again on the next reconnect"
                );
            }
        }
    }

    /// No catch-up this time. The pages may have read their data before every channel was
    /// subscribed, and an event in between reached neither: they load it again, now that
    /// nothing more can be missed.
    fn nothing_to_resume(&self, why: &str, notifications: Notifications, live: Live) {
        self.log(why);
        notifications.release_position();
        live.resync();
    }

    fn log(&self, message: &str) {
        if self.debug {
            leptos::logging::log!("[herald:catch-up] {message}");
        }
    }
}

/// Every event after `after`, oldest first, page by page.
async fn missed_since(api: &Api, token: &str, mut after: String) -> Result<Vec<EventRecord>, ApiError> {
    let mut records = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = api.catch_up(token, &after, PAGE).await?;
        let done = page.data.len() < PAGE as usize;
        records.extend(page.data);
        match page.next_after {
            Some(next) if !done && next != after => after = next,
            _ => break,
        }
    }
    Ok(records)
}
