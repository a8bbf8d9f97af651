//! What exists while a person is signed in, or may be: the notification store, the page-update
//! bus, catch-up and the realtime service, wired together in one place.
//!
//! None of it is needed to sign in, so the release build fetches it in a chunk of its own
//! (`load` is a split point, like the signed-in pages' routes in [`crate::routes`]). `Herald`
//! loads it as soon as there is a session or a stored one is being checked, and provides the
//! stores as context before anything that reads them is created: the toaster, and the
//! signed-in shell, which waits for [`ServicesReady`].

use herald_notifications::{AppEvent, Severity};
use herald_protocol::SubscriptionError;
use leptos::prelude::*;

use crate::api::Api;
use crate::auth::{Auth, Session};
use crate::catch_up::CatchUp;
use crate::config::{Config, channels_for};
use crate::live::{Live, LiveEvent};
use crate::notifications::Notifications;
use crate::realtime::{Incoming, Realtime, Subscriber};

/// Whether the services are loaded and provided: the signed-in shell and the toaster wait
/// for it. Provided by `Herald`.
#[derive(Clone, Copy)]
pub struct ServicesReady(pub ReadSignal<bool>);

impl ServicesReady {
    pub fn expect() -> Self {
        expect_context()
    }

    pub fn get(&self) -> bool {
        self.0.get()
    }
}

/// Loads the services' code (a chunk of its own in the release build) and starts them under
/// `owner`, providing the stores there as context.
#[cfg(feature = "split")]
#[leptos::lazy]
pub fn load(owner: Owner, config: Config, api: Api, auth: Auth) {
    owner.with(|| start(config, api, auth));
}

/// Without the `split` feature there is nothing to fetch: the services start at once.
#[cfg(not(feature = "split"))]
pub async fn load(owner: Owner, config: Config, api: Api, auth: Auth) {
    owner.with(|| start(config, api, auth));
}

/// Fetches and instantiates the services' chunk without starting them, so that signing in
/// does not wait for it (`Herald` asks once the sign-in page has the chunks in the HTTP
/// cache). Without the `split` feature there is nothing to fetch.
pub async fn preload() {
    #[cfg(feature = "split")]
    __preload_load().await;
}

/// Creates the stores and the realtime service, provides them as context, and follows the
/// session with them.
fn start(config: Config, api: Api, auth: Auth) {
    let notifications = Notifications::provide(config.channels.clone());
    let live = Live::provide();
    let catch_up = CatchUp::new(api.clone(), config.catch_up_endpoint.is_some(), config.debug);
    let realtime = Realtime::provide(&config, api, move |incoming| match incoming {
        Incoming::Interrupted => notifications.hold_position(),
        Incoming::Settled => catch_up.run(auth, notifications, live),
        Incoming::Message { channel, name, data } => {
            notifications.receive(&name, channel.as_deref(), &data);
            let event = AppEvent::decode(&name, &data);
            if let Some(reason) = event.signs_out() {
                auth.end_session(format!("Your account was suspended: {reason}"));
                return;
            }
            if let AppEvent::ProfileUpdated { user } = &event {
                // Another tab of this person changed the profile: the header follows.
                auth.update_profile(&user.name, &user.email);
            }
            live.dispatch(&LiveEvent { name, channel, data, event });
        }
        Incoming::SubscriptionFailed { error: SubscriptionError::Unauthorized, .. } => {
            auth.end_session("Your session has ended. Please sign in again.");
        }
        Incoming::SubscriptionFailed { channel, error } => {
            let detail = match error {
                SubscriptionError::Forbidden => "You are not allowed to receive these updates.".to_owned(),
                SubscriptionError::Rejected { message, .. } => {
                    format!("The realtime server refused it: {message}")
                }
                SubscriptionError::Unauthorized => unreachable!("handled above"),
            };
            notifications.announce(
                Severity::Error,
                &format!("Live updates unavailable for {channel}"),
                &detail,
            );
        }
    });

    // Everything that follows who is signed in, in one place and in this order: a different
    // person never sees the previous one's notifications but gets their own back, a session that ended on its own
    // says so, and the socket carries exactly the signed-in person's channels.
    let session = auth.session();
    Effect::new(move |previous: Option<Option<u64>>| {
        let session = session.get();
        let user_id = match &session {
            Session::SignedIn(signed_in) => Some(signed_in.user.id),
            _ => None,
        };
        let was = previous.flatten();
        if was.is_some() && was != user_id {
            notifications.clear();
        }
        if let Some(id) = user_id
            && was != user_id
        {
            notifications.load_for(id);
        }
        if let (Some(_), Session::SignedOut { notice: Some(notice) }) = (was, &session) {
            notifications.announce(Severity::Warning, "Signed out", notice);
        }
        match session {
            Session::SignedIn(signed_in) => realtime.follow(Some(Subscriber {
                channels: channels_for(&config, &signed_in.user),
                token: signed_in.token,
            })),
            // A stored token is being checked: the socket opens meanwhile, so a reload is live
            // one round trip sooner. If the check fails, the next run closes it.
            Session::Restoring => realtime.preconnect(),
            Session::SignedOut { .. } => realtime.follow(None),
        }
        user_id
    });
}
