//! The dispatcher: what the app does with each thing the realtime service hands it and each
//! change of the session, as [`Command`]s for the shell to carry out.
//!
//! Like the protocol core, [`Client`] does no I/O: the shell calls `handle_*` with what
//! happened (and with the answers to what a command asked for: a catch-up page, how many
//! merged events were new, the position saved for a person), then carries out every
//! command [`Client::poll_command`] gives, in order.

use std::collections::VecDeque;

use herald_notifications::history::away_title;
use herald_notifications::{AppEvent, Notification, Severity};
use herald_protocol::{SubscriptionError, short_event_name};
use serde_json::Value;

use crate::catch_up::{Next, PAGE_SIZE, Page, PageError, Paging};
use herald_contract::feed::FeedMarkKind;
use herald_contract::{ChannelTemplates, EventRecord};

use crate::channels::{Person, channels_for};
use crate::cursor::Cursor;

/// What the realtime service hands the app (serializable: the leading tab relays it to the
/// others, `crate::tabs`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Incoming {
    /// An application event, with its short name (`UserCreated`).
    Message { channel: Option<String>, name: String, data: Value },
    /// A channel could not be joined. `Unauthorized` means the session is gone.
    SubscriptionFailed { channel: String, error: SubscriptionError },
    /// The socket that was connected is not any more (the connection's `Event::Interrupted`):
    /// events may be missed until the next `Settled` and its catch-up.
    Interrupted,
    /// Every channel has its answer on this socket (the first, or one after a reconnect):
    /// from now on nothing is missed, so this is when to catch up on what was.
    Settled,
}

/// One event as it arrived, and as the catalogue reads it: what the pages on screen get.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    /// The short name, such as `UserCreated`.
    pub name: String,
    pub channel: Option<String>,
    pub data: Value,
    pub event: AppEvent,
}

/// The session as the auth store has it.
#[derive(Debug, Clone, PartialEq)]
pub enum Session {
    /// A stored token is being checked with the backend.
    Restoring,
    /// Nobody is signed in; `notice` says why a session ended on its own.
    SignedOut {
        notice: Option<String>,
    },
    SignedIn(Person),
}

/// What the shell is asked to do, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Forget the notifications, toasts and preferences held for the previous person (what
    /// was saved for them stays saved).
    Forget,
    /// Hold what is saved for `user_id`; answer with [`Client::resume`] and the position
    /// saved with their history.
    Load { user_id: u64 },
    /// Have the socket carry exactly these channels, for the signed-in person's token.
    Follow { channels: Vec<String> },
    /// Open the socket with no channel on it while a stored session is checked, so the
    /// person's channels are subscribed one round trip sooner.
    Preconnect,
    /// Leave every channel and close the socket: nobody is signed in.
    Unfollow,
    /// Put the notification in the history, and toast it unless one with its id is there
    /// already or its kind is muted.
    Record(Notification),
    /// Hand the event to the pages on screen.
    Dispatch(LiveEvent),
    /// A toast the app makes itself; it does not enter the history.
    Announce { severity: Severity, title: String, message: String },
    /// End the session without asking the backend; `notice` is shown on the login page.
    EndSession { notice: String },
    /// The backend or the realtime server refused the session's token (a 401, a 4001): the
    /// auth store refreshes it if it can (the refused channels are tried again with the new
    /// one), else ends the session.
    Unauthorized,
    /// The person's name and email changed (in another tab): the header follows.
    UpdateProfile { name: String, email: String },
    /// Read one page of catch-up with the session's token; answer with
    /// [`Client::handle_page`] and the same `ticket`.
    FetchPage { ticket: u64, after: String, limit: u32 },
    /// Put these events read back by catch-up in the history without a toast each; answer
    /// with [`Client::merged`] and how many were new.
    Merge(Vec<Notification>),
    /// Have the pages on screen load their data again.
    Resync,
    /// Save the history with this position: a reload resumes catch-up from what was saved.
    Save { position: Option<String> },
    /// A line for the console: `Debug` ones only when the debug log is on.
    Log { level: LogLevel, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Warn,
}

/// What a [`Client`] is told once.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    /// The channel names of `config.json`. Default: [`ChannelTemplates::default`].
    pub channels: ChannelTemplates,
    /// Whether the backend has a catch-up endpoint. Default: true.
    pub catch_up: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig { channels: ChannelTemplates::default(), catch_up: true }
    }
}

/// The client core. See the module's documentation.
#[derive(Debug)]
pub struct Client {
    config: ClientConfig,
    /// Whose notifications are held: the signed-in person, `None` while nobody is.
    person: Option<Person>,
    cursor: Cursor,
    /// The catch-up running, if any: one at a time.
    catch_up: Option<Run>,
    /// Numbers catch-ups, so the answer to a page of an abandoned one is recognised.
    tickets: u64,
    /// Numbers the events that came without an id.
    local_ids: u64,
    /// Merges of what another tab's catch-up read back, asked for and not yet answered.
    relayed_merges: usize,
    commands: VecDeque<Command>,
}

#[derive(Debug)]
struct Run {
    ticket: u64,
    /// `None` once every page is read and the events are being merged.
    paging: Option<Paging>,
    /// How many events were read back, once they all are.
    read: usize,
    /// Whether another `Settled` came meanwhile: a catch-up runs again right after.
    again: bool,
}

impl Client {
    pub fn new(config: ClientConfig) -> Client {
        Client {
            config,
            person: None,
            cursor: Cursor::default(),
            catch_up: None,
            tickets: 0,
            local_ids: 0,
            relayed_merges: 0,
            commands: VecDeque::new(),
        }
    }

    /// The next command for the shell, oldest first.
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// Where catch-up resumes (for tests and the debug log).
    pub fn cursor(&self) -> &Cursor {
        &self.cursor
    }

    /// The session changed. A different person never sees the previous one's notifications
    /// but gets their own back, a session that ended on its own says so, and the socket
    /// carries exactly the signed-in person's channels.
    pub fn handle_session(&mut self, session: Session) {
        let was = self.person.map(|person| person.id);
        let now = match &session {
            Session::SignedIn(person) => Some(person.id),
            _ => None,
        };
        if was != now {
            // Whatever catch-up ran was for someone else.
            self.catch_up = None;
            self.cursor = Cursor::default();
            if was.is_some() {
                self.commands.push_back(Command::Forget);
            }
            if let Some(user_id) = now {
                self.commands.push_back(Command::Load { user_id });
            }
        }
        if let (Some(_), Session::SignedOut { notice: Some(notice) }) = (was, &session) {
            self.announce(Severity::Warning, "Signed out", notice);
        }
        self.person = match session {
            Session::SignedIn(person) => {
                let channels = channels_for(&self.config.channels, person);
                self.commands.push_back(Command::Follow { channels });
                Some(person)
            }
            Session::Restoring => {
                self.commands.push_back(Command::Preconnect);
                None
            }
            Session::SignedOut { .. } => {
                self.commands.push_back(Command::Unfollow);
                None
            }
        };
    }

    /// The answer to [`Command::Load`]: the position saved with the person's history.
    pub fn resume(&mut self, stored_position: Option<String>) {
        self.cursor = Cursor::resume(stored_position);
    }

    /// Something the realtime service handed the app.
    pub fn handle(&mut self, incoming: Incoming) {
        match incoming {
            Incoming::Message { channel, name, data } => self.message(channel, name, data),
            Incoming::SubscriptionFailed { error: SubscriptionError::Unauthorized, .. } => {
                self.commands.push_back(Command::Unauthorized);
            }
            Incoming::SubscriptionFailed { channel, error } => {
                let detail = match error {
                    SubscriptionError::Rejected { message, .. } => {
                        format!("The realtime server refused it: {message}")
                    }
                    _ => "You are not allowed to receive these updates.".to_owned(),
                };
                self.announce(Severity::Error, &format!("Live updates unavailable for {channel}"), &detail);
            }
            Incoming::Interrupted => self.cursor.hold(),
            Incoming::Settled => self.settled(),
        }
    }

    /// The answer to [`Command::FetchPage`] `ticket`. Answers for a catch-up that was
    /// abandoned (the person changed meanwhile) are dropped.
    pub fn handle_page(&mut self, ticket: u64, answer: Result<Page, PageError>) {
        let Some(run) = self.catch_up.as_mut().filter(|run| run.ticket == ticket) else { return };
        let Some(paging) = run.paging.as_mut() else { return };
        let error = match answer {
            Ok(page) => {
                match paging.take(page) {
                    Next::Fetch { after } => {
                        self.commands.push_back(Command::FetchPage { ticket, after, limit: PAGE_SIZE });
                    }
                    Next::Done(events) => {
                        run.paging = None;
                        run.read = events.len();
                        self.merge(events);
                    }
                }
                return;
            }
            Err(error) => error,
        };
        let again = run.again;
        self.catch_up = None;
        match error {
            PageError::Unauthenticated => {
                // Not again with this token: the position stays held, and catch-up runs on
                // the next `Settled`.
                self.commands.push_back(Command::Unauthorized);
                return;
            }
            PageError::PositionRefused { message } => {
                // The backend does not know the position (its data was reset): start afresh.
                self.log(LogLevel::Warn, format!("position refused ({message}); starting afresh"));
                self.cursor.reset();
                self.save();
            }
            PageError::Failed { message } => {
                // The position stays held, so nothing live moves it past what is still missing.
                self.log(LogLevel::Warn, format!("failed ({message}); tried again on the next reconnect"));
            }
        }
        if again {
            self.start_catch_up();
        }
    }

    /// What the leading tab's catch-up read back (`crate::tabs`): merged here without a toast
    /// each, and announced as the leader announces it. The leader saves and resyncs the pages.
    pub fn merge_relayed(&mut self, notifications: Vec<Notification>) {
        self.relayed_merges += 1;
        self.commands.push_back(Command::Merge(notifications));
    }

    /// The answer to [`Command::Merge`]: how many of the events were new to the history.
    pub fn merged(&mut self, added: usize) {
        if self.relayed_merges > 0 && self.catch_up.as_ref().is_none_or(|run| run.paging.is_some()) {
            self.relayed_merges -= 1;
            if added > 0 {
                self.announce(Severity::Info, &away_title(added), "They are in your history.");
            }
            return;
        }
        let Some(run) = self.catch_up.take_if(|run| run.paging.is_none()) else { return };
        self.log(LogLevel::Debug, format!("caught up: {} events read back, {added} new", run.read));
        self.cursor.release();
        self.save();
        if added > 0 {
            self.announce(Severity::Info, &away_title(added), "They are in your history.");
            self.commands.push_back(Command::Resync);
        }
        if run.again {
            self.start_catch_up();
        }
    }

    fn message(&mut self, channel: Option<String>, name: String, data: Value) {
        if FeedMarkKind::from_name(&name).is_some() {
            // A mark made on another device (the feed the server keeps): no notification of its
            // own, and no toast. The history here does not follow the server's marks yet.
            self.log(LogLevel::Debug, format!("{name}: a mark made elsewhere, not shown"));
            return;
        }
        // Decoded once: the notification and the pages both read this.
        let event = AppEvent::decode(&name, &data);
        let notification = self.notification(&event, &name, channel.as_deref(), &data);
        self.commands.push_back(Command::Record(notification));
        if self.cursor.follow_live(&data) {
            self.save();
        }
        if let Some(reason) = event.signs_out() {
            self.end_session(format!("Your account was suspended: {reason}"));
            return;
        }
        if let AppEvent::ProfileUpdated { user } = &event {
            // Another tab of this person changed the profile: the header follows.
            let (name, email) = (user.name.clone(), user.email.clone());
            self.commands.push_back(Command::UpdateProfile { name, email });
        }
        self.commands.push_back(Command::Dispatch(LiveEvent { name, channel, data, event }));
    }

    fn settled(&mut self) {
        if !self.config.catch_up {
            self.nothing_to_resume(
                "no catch_up_endpoint in the config: events missed while away are not read back",
            );
            return;
        }
        match &mut self.catch_up {
            Some(run) => run.again = true,
            None => self.start_catch_up(),
        }
    }

    fn start_catch_up(&mut self) {
        if self.person.is_none() {
            return;
        }
        let Some(after) = self.cursor.position().map(str::to_owned) else {
            self.nothing_to_resume("no event received on this device yet: nothing to catch up from");
            return;
        };
        self.tickets += 1;
        let ticket = self.tickets;
        let paging = Paging::new(after.clone());
        self.catch_up = Some(Run { ticket, paging: Some(paging), read: 0, again: false });
        self.commands.push_back(Command::FetchPage { ticket, after, limit: PAGE_SIZE });
    }

    /// No catch-up this time. The pages may have read their data before every channel was
    /// subscribed, and an event in between reached neither: they load it again, now that
    /// nothing more can be missed.
    fn nothing_to_resume(&mut self, why: &str) {
        self.log(LogLevel::Debug, why.to_owned());
        self.cursor.release();
        self.save();
        self.commands.push_back(Command::Resync);
    }

    /// Events read back, oldest first: their notifications, the position moved past them.
    fn merge(&mut self, events: Vec<EventRecord>) {
        let mut notifications = Vec::with_capacity(events.len());
        for missed in events {
            let name = short_event_name(&missed.event);
            let event = AppEvent::decode(name, &missed.data);
            notifications.push(self.notification(&event, name, missed.channel.as_deref(), &missed.data));
            self.cursor.pass(&missed.data);
        }
        self.commands.push_back(Command::Merge(notifications));
    }

    fn notification(
        &mut self,
        event: &AppEvent,
        name: &str,
        channel: Option<&str>,
        data: &Value,
    ) -> Notification {
        Notification::from_decoded(event, name, channel, data, || {
            self.local_ids += 1;
            format!("event-{}", self.local_ids)
        })
    }

    fn announce(&mut self, severity: Severity, title: &str, message: &str) {
        let (title, message) = (title.to_owned(), message.to_owned());
        self.commands.push_back(Command::Announce { severity, title, message });
    }

    fn end_session(&mut self, notice: String) {
        self.commands.push_back(Command::EndSession { notice });
    }

    fn save(&mut self) {
        let position = self.cursor.position().map(str::to_owned);
        self.commands.push_back(Command::Save { position });
    }

    fn log(&mut self, level: LogLevel, message: String) {
        self.commands.push_back(Command::Log { level, message });
    }
}
