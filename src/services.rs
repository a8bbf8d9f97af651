//! What exists while a person is signed in, or may be: the notification store, the page-update
//! bus and the realtime service, and the client core (`herald_client`) that decides what they
//! do with each event and each change of the session, wired together in one place.
//!
//! None of it is needed to sign in, so the release build fetches it in a chunk of its own
//! (`load` is a split point, like the signed-in pages' routes in [`crate::routes`]). `Herald`
//! loads it as soon as there is a session or a stored one is being checked, and provides the
//! stores as context before anything that reads them is created: the toaster, and the
//! signed-in shell, which waits for [`ServicesReady`].

use herald_client::{Client, ClientConfig, Command, LogLevel, PageError, Person, TabCommand};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{Api, ApiError};
use crate::auth::{Auth, Session};
use crate::config::Config;
use crate::live::Live;
use crate::notifications::Notifications;
use crate::realtime::{Incoming, Realtime, Subscriber};
use crate::tabs::TabLink;

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

/// Loads the services' code (a chunk of its own in the release build, split module
/// `signed_in`, shared with `crate::signed_in`'s views) and starts them under `owner`,
/// providing the stores there as context.
#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(
    signed_in,
    wasm_split_path = ::leptos::wasm_split,
    preload(#[doc(hidden)] __preload_load)
)]
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

/// Creates the stores, the realtime service and the tab's link to the browser's other tabs,
/// provides them as context, and hands the client core what the realtime service delivers
/// (here, or relayed by the tab holding the socket) and every change of the session.
fn start(config: Config, api: Api, auth: Auth) {
    let client = Client::new(ClientConfig {
        channels: config.channels.clone(),
        catch_up: config.catch_up_endpoint.is_some(),
    });
    let shell = Shell {
        client: StoredValue::new(client),
        notifications: Notifications::provide(config.channels.clone()),
        live: Live::provide(),
        auth,
        api: StoredValue::new(api.clone()),
        realtime: StoredValue::new(None),
        tabs: StoredValue::new(None),
        debug: config.debug,
    };
    let realtime = Realtime::provide(&config, api, move |incoming: Incoming| {
        if let Some(tabs) = shell.tabs.get_value() {
            tabs.relay_incoming(&incoming);
        }
        shell.hand(|client| client.handle(incoming))
    });
    shell.realtime.set_value(Some(realtime));
    let tabs = TabLink::start(move |command| shell.carry_out_for_tabs(command));
    provide_context(tabs);
    shell.tabs.set_value(Some(tabs));
    realtime.hold_socket(tabs.holds_socket());
    shell.notifications.set_saving(tabs.holds_socket());
    auth.set_refreshes_here(tabs.holds_socket());
    auth.on_renewed(move || shell.live.resync());
    realtime.retry_elsewhere(move || tabs.retry_now());
    shell.notifications.on_change(move |change| tabs.changed(change));
    shell.notifications.raise_desktop_when(move || tabs.raises_desktop());
    // The tab holding the socket tells the others of each change of the connection.
    let (state, subscribed) = (realtime.state(), realtime.subscribed());
    Effect::new(move || tabs.link_changed(state.get(), subscribed.get()));

    let session = auth.session();
    Effect::new(move || {
        let session = match session.get() {
            Session::Restoring => herald_client::Session::Restoring,
            Session::SignedOut { notice } => herald_client::Session::SignedOut { notice },
            Session::SignedIn(signed_in) => herald_client::Session::SignedIn(Person::from(&signed_in.user)),
        };
        shell.hand(|client| client.handle_session(session));
    });
}

/// What carries out the client core's commands: the stores, the auth store, the API and the
/// realtime service. It decides nothing.
#[derive(Clone, Copy)]
struct Shell {
    client: StoredValue<Client>,
    notifications: Notifications,
    live: Live,
    auth: Auth,
    api: StoredValue<Api>,
    /// Set once the service exists (it is given the sink, which needs the shell).
    realtime: StoredValue<Option<Realtime>>,
    /// Set once the link exists (it is given the shell).
    tabs: StoredValue<Option<TabLink>>,
    debug: bool,
}

impl Shell {
    /// Hands the client core something that happened, then carries out what it says.
    fn hand(self, input: impl FnOnce(&mut Client)) {
        // `try_`: the app may have unmounted meanwhile (a request ran, a test ended).
        if self.client.try_update_value(input).is_some() {
            self.run();
        }
    }

    /// Carries out every command the client core has, in order. A command may hand the core
    /// something new (a catch-up's merge, a person's saved position); what that asks is
    /// carried out in the same loop.
    fn run(self) {
        while let Some(command) = self.client.try_update_value(Client::poll_command).flatten() {
            self.carry_out(command);
        }
    }

    fn carry_out(self, command: Command) {
        let realtime = self.realtime.get_value();
        let tabs = self.tabs.get_value();
        if let Some(tabs) = tabs {
            tabs.relay_command(&command);
        }
        match command {
            Command::Forget => self.notifications.clear(),
            Command::Load { user_id } => {
                let position = self.notifications.load_for(user_id);
                self.client.update_value(|client| client.resume(position));
                if let Some(tabs) = tabs {
                    tabs.loading();
                }
            }
            Command::Follow { channels } => {
                if let (Some(realtime), Some(token)) = (realtime, self.auth.token()) {
                    realtime.follow(Some(Subscriber { channels, token }));
                }
            }
            // A stored token is being checked: the socket opens meanwhile, so a reload is live
            // one round trip sooner. If the check fails, `Unfollow` closes it.
            Command::Preconnect => {
                if let Some(realtime) = realtime {
                    realtime.preconnect();
                }
            }
            Command::Unfollow => {
                if let Some(realtime) = realtime {
                    realtime.follow(None);
                }
            }
            Command::Record(notification) => self.notifications.record(notification),
            Command::Dispatch(event) => self.live.dispatch(&event),
            Command::Announce { severity, title, message } => {
                self.notifications.announce(severity, &title, &message);
            }
            Command::EndSession { notice } => self.auth.end_session(notice),
            Command::Unauthorized => self.auth.unauthorized(),
            Command::UpdateProfile { name, email } => self.auth.update_profile(&name, &email),
            Command::FetchPage { ticket, after, limit } => self.fetch_page(ticket, after, limit),
            Command::Merge(notifications) => {
                let added = self.notifications.merge(notifications);
                self.client.update_value(|client| client.merged(added));
            }
            Command::Resync => self.live.resync(),
            Command::Save { position } => self.notifications.save(position),
            Command::Log { level: LogLevel::Debug, message } => {
                if self.debug {
                    leptos::logging::log!("[herald:client] {message}");
                }
            }
            Command::Log { level: LogLevel::Warn, message } => {
                leptos::logging::warn!("[herald:client] {message}");
            }
        }
    }

    /// Carries out what the tab's link to the other tabs asks (`herald_client::tabs`).
    fn carry_out_for_tabs(self, command: TabCommand) {
        let Some(realtime) = self.realtime.try_get_value().flatten() else { return };
        match command {
            TabCommand::Lead => {
                self.auth.set_refreshes_here(true);
                // Catch-up resumes where the tab that held the socket saved last.
                let position = self.notifications.saved_position();
                self.client.update_value(|client| client.resume(position));
                self.notifications.set_saving(true);
                realtime.hold_socket(true);
            }
            TabCommand::StepDown => {
                self.auth.set_refreshes_here(false);
                self.notifications.set_saving(false);
                realtime.hold_socket(false);
            }
            TabCommand::ShareNotes { to } => {
                if let (Some(notes), Some(tabs)) = (self.notifications.shared(), self.tabs.get_value()) {
                    tabs.share_notes(to, notes);
                }
            }
            TabCommand::Adopt(notes) => self.notifications.adopt(notes),
            TabCommand::Handle(incoming) => self.hand(|client| client.handle(incoming)),
            TabCommand::CaughtUp(notifications) => self.hand(|client| client.merge_relayed(notifications)),
            TabCommand::Resync => self.live.resync(),
            TabCommand::Apply(change) => self.notifications.apply(change),
            TabCommand::ShowLink(link) => realtime.show_link(link.state, link.subscribed),
            TabCommand::RetryNow => realtime.retry_here(),
            // The link carries these out itself.
            TabCommand::Post(_) | TabCommand::WaitForLead | TabCommand::TakeLead => {}
        }
    }

    /// Reads one page of catch-up and hands the answer to the core.
    fn fetch_page(self, ticket: u64, after: String, limit: u32) {
        let (Some(token), Some(api)) = (self.auth.token(), self.api.try_get_value()) else { return };
        spawn_local(async move {
            let answer = match api.catch_up(&token, &after, limit).await {
                Ok(page) => Ok(page),
                Err(ApiError::Unauthenticated) => Err(PageError::Unauthenticated),
                Err(ApiError::Validation { message, .. }) => Err(PageError::PositionRefused { message }),
                Err(error) => Err(PageError::Failed { message: error.to_string() }),
            };
            self.hand(|client| client.handle_page(ticket, answer));
        });
    }
}
