//! One person, one browser: the rules by which the tabs of one browser share one connection.
//!
//! One tab **leads**: it holds the socket (the browser grants it an exclusive lock, the Web
//! Locks API's, for as long as it lives) and relays what the socket delivers to the others over
//! a broadcast channel; the others **wait** for the lock and show what the leader tells them.
//! Each tab runs its own client core on what it is handed, so every tab records, toasts and
//! updates its pages the same way; only the leader catches up (it relays what catch-up read
//! back) and only the leader saves.
//!
//! [`Tabs`] decides, on plain values: which of the leader's inputs and commands are relayed,
//! what a tab does with each message, when a waiting tab takes the lead from a leader that is
//! hidden or silent (a frozen tab answers nothing; a hidden one is throttled by the browser),
//! and which tab raises desktop notifications. The shell (`src/tabs.rs` in the app) holds the
//! lock and the channel and carries out [`TabCommand`]s.
//!
//! Where a browser has no Web Locks or no `BroadcastChannel`, each tab is [`Tabs::alone`]: it
//! leads its own socket, as every tab did before.
//!
//! Invariant: only the leader (or a tab alone) has a socket, catches up and saves; a waiting
//! tab changes nothing but its own screen, and tells the others what its person changed.

use std::collections::{BTreeSet, VecDeque};

use herald_contract::{User, UserId};
use herald_notifications::{NoteChange, Notification};
use herald_protocol::{ConnectionState, Millis};
use serde::{Deserialize, Serialize};

use crate::client::{Command, Incoming};
use crate::refresh::HeldTokens;

/// A tab's name among its siblings: chosen at random by each tab when it starts.
pub type TabId = u64;

/// One person's notifications as the leader holds them, in the form they are saved in:
/// the history's and the preferences' JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedNotes {
    pub user_id: u64,
    pub history: String,
    pub preferences: String,
}

/// When a waiting tab takes the lead on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TabsConfig {
    /// A visible tab whose question the leader has not answered in this long takes the lead:
    /// the leader is frozen (a tab that is merely hidden still answers at once, because the
    /// browser throttles its timers, not its messages). Default: 2 s.
    pub silent_leader: Millis,
    /// A visible tab takes the lead from a leader that has been hidden this long, so that the
    /// socket lives in a tab the browser does not throttle; shorter would move the socket
    /// back and forth as the person flips between tabs. Default: 10 s.
    pub move_after_hidden: Millis,
}

impl Default for TabsConfig {
    fn default() -> Self {
        TabsConfig { silent_leader: Millis(2_000), move_after_hidden: Millis::from_secs(10) }
    }
}

/// The connection as the leader tells the others: its state, with a reconnect's time counted
/// from when it was sent (each tab's clock has its own origin), and the confirmed channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub state: ConnectionState,
    pub subscribed: Vec<String>,
}

impl Link {
    /// The leader's link as sent at `now` (the leader's clock).
    pub fn sent(mut state: ConnectionState, subscribed: Vec<String>, now: Millis) -> Link {
        if let ConnectionState::Reconnecting { retry_at, .. } = &mut state {
            *retry_at = retry_at.since(now);
        }
        Link { state, subscribed }
    }

    /// The link as received at `now` (the receiver's clock).
    pub fn received(mut self, now: Millis) -> Link {
        if let ConnectionState::Reconnecting { retry_at, .. } = &mut self.state {
            *retry_at = now + *retry_at;
        }
        self
    }
}

/// What the tabs of one browser say to each other, as JSON on the broadcast channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TabMessage {
    /// A waiting tab asks the leader where things stand (when it starts, loads a person, or
    /// becomes visible); the leader answers with [`TabMessage::Leader`] and, if the tab
    /// `wants_notes`, with [`TabMessage::Notes`].
    Hello {
        tab: TabId,
        visible: bool,
        #[serde(default)]
        wants_notes: bool,
    },
    /// A waiting tab was hidden or shown.
    Visibility { tab: TabId, visible: bool },
    /// A tab is closing.
    Bye { tab: TabId },
    /// The leader: who it is, whether it is visible (and for how long it has been hidden),
    /// and its connection. `answering`: the tab whose question this answers, if any.
    Leader {
        tab: TabId,
        visible: bool,
        hidden_for: Option<Millis>,
        link: Link,
        #[serde(default)]
        answering: Option<TabId>,
    },
    /// The leader's notifications, for the tab `to` that asked for them. They travel in the
    /// message, not through storage: a tab's writes to `localStorage` reach the other tabs'
    /// processes later than a message sent after them does.
    Notes { to: TabId, notes: SharedNotes },
    /// What the leader's socket delivered.
    Event { incoming: Incoming },
    /// What the leader's catch-up read back, to merge without a toast each.
    CaughtUp { notifications: Vec<Notification> },
    /// The pages on screen should load their data again: sent by the leader after catch-up,
    /// and by a tab whose person changed something through the API.
    Resync,
    /// The person changed their notifications in the sending tab.
    Changed { change: NoteChange },
    /// The person pressed Retry in a waiting tab.
    RetryNow,
}

/// What the shell is asked to do, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub enum TabCommand {
    /// Tell the other tabs.
    Post(TabMessage),
    /// Ask for the lead, waiting in line for it.
    WaitForLead,
    /// Ask for the lead now, taking it from the leader (which steps down).
    TakeLead,
    /// This tab leads now: open the socket for the person, resume catch-up from the position
    /// saved last (the previous leader saved it), and save from now on.
    Lead,
    /// Another tab leads now: close this tab's socket and stop saving.
    StepDown,
    /// Hand this tab's notifications to [`Tabs::share_notes`] for the tab `to`, which asked.
    ShareNotes {
        to: TabId,
    },
    /// Show these notifications (the leader's) in place of those this tab read from storage.
    Adopt(SharedNotes),
    /// Hand this to the client core as if this tab's socket had delivered it.
    Handle(Incoming),
    /// Merge what the leader's catch-up read back (through the client core).
    CaughtUp(Vec<Notification>),
    Resync,
    /// Apply a change the person made in another tab.
    Apply(NoteChange),
    /// Show the leader's connection in this tab.
    ShowLink(Link),
    /// Retry the connection now (the leader's, asked by a waiting tab).
    RetryNow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// No Web Locks or no broadcast channel: this tab has its own socket.
    Alone,
    /// Waiting for the lead; the leader relays.
    Waiting,
    Leading,
}

/// The leader as a waiting tab last heard of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Heard {
    tab: TabId,
    /// Since when (on this tab's clock) the leader has been hidden.
    hidden_since: Option<Millis>,
}

/// One tab's part in the rules. See the module's documentation.
#[derive(Debug)]
pub struct Tabs {
    me: TabId,
    config: TabsConfig,
    role: Role,
    visible: bool,
    hidden_since: Option<Millis>,
    /// Waiting: the leader last heard of.
    leader: Option<Heard>,
    /// Waiting: when this tab asked and has had no answer yet.
    asked_at: Option<Millis>,
    /// Waiting: whether this tab waits for the leader's notifications.
    wants_notes: bool,
    /// Waiting: whether this tab asked to take the lead and has not been given it yet.
    taking: bool,
    /// Leading: the tabs that said they are visible.
    visible_tabs: BTreeSet<TabId>,
    /// Leading: the connection, as last told.
    link: Link,
    commands: VecDeque<TabCommand>,
}

impl Tabs {
    /// A tab that coordinates with its siblings: it asks for the lead and asks the leader, if
    /// there is one, where things stand.
    pub fn new(me: TabId, visible: bool, now: Millis, config: TabsConfig) -> Tabs {
        let mut tabs = Tabs::with_role(me, Role::Waiting, visible, now, config);
        tabs.commands.push_back(TabCommand::WaitForLead);
        // Its person is not loaded yet: `loading` asks for their notifications.
        tabs.ask(now, false);
        tabs
    }

    /// A tab that cannot coordinate (no Web Locks or no broadcast channel): it leads alone.
    pub fn alone(visible: bool, now: Millis) -> Tabs {
        Tabs::with_role(0, Role::Alone, visible, now, TabsConfig::default())
    }

    fn with_role(me: TabId, role: Role, visible: bool, now: Millis, config: TabsConfig) -> Tabs {
        Tabs {
            me,
            config,
            role,
            visible,
            hidden_since: (!visible).then_some(now),
            leader: None,
            asked_at: None,
            wants_notes: false,
            taking: false,
            visible_tabs: BTreeSet::new(),
            link: Link { state: ConnectionState::Initialized, subscribed: Vec::new() },
            commands: VecDeque::new(),
        }
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether this tab holds the socket (leading, or alone).
    pub fn holds_socket(&self) -> bool {
        self.role != Role::Waiting
    }

    /// Whether an event this tab records raises a desktop notification: once per browser,
    /// so only in the tab holding the socket, and only while no tab is visible.
    pub fn raises_desktop(&self) -> bool {
        match self.role {
            Role::Alone => !self.visible,
            Role::Leading => !self.visible && self.visible_tabs.is_empty(),
            Role::Waiting => false,
        }
    }

    /// The next command for the shell, oldest first.
    pub fn poll_command(&mut self) -> Option<TabCommand> {
        self.commands.pop_front()
    }

    /// When [`Tabs::handle_timeout`] should be called next.
    pub fn poll_timeout(&self) -> Option<Millis> {
        if self.role != Role::Waiting || !self.visible || self.taking {
            return None;
        }
        let silent = self.asked_at.map(|at| at + self.config.silent_leader);
        let hidden = self.leader.and_then(|l| l.hidden_since).map(|at| at + self.config.move_after_hidden);
        silent.into_iter().chain(hidden).min()
    }

    /// The lock is this tab's: it leads.
    pub fn lead_granted(&mut self, now: Millis) {
        if self.role == Role::Alone {
            return;
        }
        self.role = Role::Leading;
        self.leader = None;
        self.asked_at = None;
        // Its own notifications are the ones that count now.
        self.wants_notes = false;
        self.taking = false;
        self.visible_tabs.clear();
        self.commands.push_back(TabCommand::Lead);
        self.announce(now);
    }

    /// Another tab took the lock: this one steps down and waits in line again.
    pub fn lead_lost(&mut self, now: Millis) {
        if self.role != Role::Leading {
            return;
        }
        self.role = Role::Waiting;
        self.commands.push_back(TabCommand::StepDown);
        self.commands.push_back(TabCommand::WaitForLead);
        // It was the leader, so it holds what the new one does: no notes wanted.
        self.ask(now, false);
    }

    /// The tab was shown or hidden.
    pub fn handle_visibility(&mut self, visible: bool, now: Millis) {
        if visible == self.visible {
            return;
        }
        self.visible = visible;
        self.hidden_since = (!visible).then_some(now);
        match self.role {
            Role::Alone => {}
            Role::Leading => self.announce(now),
            // Shown: ask, which also tells whether the leader still answers.
            Role::Waiting if visible => self.ask(now, false),
            Role::Waiting => self.post(TabMessage::Visibility { tab: self.me, visible }),
        }
    }

    /// This tab is about to show a person's notifications, read from what was saved: the
    /// leader is asked for its own, which are shown in their place when they arrive.
    pub fn loading(&mut self, now: Millis) {
        if self.role == Role::Waiting {
            self.ask(now, true);
        }
    }

    /// The tab is closing.
    pub fn closing(&mut self) {
        if self.role != Role::Alone {
            self.post(TabMessage::Bye { tab: self.me });
        }
    }

    /// The leader's connection changed: the others are told.
    pub fn link_changed(&mut self, state: ConnectionState, subscribed: Vec<String>, now: Millis) {
        self.link = Link { state, subscribed };
        if self.role == Role::Leading {
            self.announce(now);
        }
    }

    /// The leader's socket delivered this: the others get it too, except what is about the
    /// leader's own socket (an interruption, every channel answered), which only its catch-up
    /// acts on.
    pub fn relay_incoming(&mut self, incoming: &Incoming) {
        if self.role == Role::Leading
            && matches!(incoming, Incoming::Message { .. } | Incoming::SubscriptionFailed { .. })
        {
            self.post(TabMessage::Event { incoming: incoming.clone() });
        }
    }

    /// The leader's client core asked for this: what catch-up read back and a resync of the
    /// pages reach the others too.
    pub fn relay_command(&mut self, command: &Command) {
        if self.role != Role::Leading {
            return;
        }
        match command {
            Command::Merge(notifications) => {
                self.post(TabMessage::CaughtUp { notifications: notifications.clone() });
            }
            Command::Resync => self.post(TabMessage::Resync),
            _ => {}
        }
    }

    /// The shell's answer to [`TabCommand::ShareNotes`].
    pub fn share_notes(&mut self, to: TabId, notes: SharedNotes) {
        if self.role == Role::Leading {
            self.post(TabMessage::Notes { to, notes });
        }
    }

    /// The person changed their notifications in this tab: the others apply it too.
    pub fn changed(&mut self, change: NoteChange) {
        if self.role != Role::Alone {
            self.post(TabMessage::Changed { change });
        }
    }

    /// The person changed something through the API in this tab. The request said this
    /// browser's socket (`X-Socket-ID`), so the backend sends the events it caused to no tab
    /// here (`toOthers()`): the other tabs' pages load their data again instead.
    pub fn acted(&mut self) {
        if self.role != Role::Alone {
            self.post(TabMessage::Resync);
        }
    }

    /// The person pressed Retry in this tab.
    pub fn retry_now(&mut self) {
        match self.role {
            Role::Waiting => self.post(TabMessage::RetryNow),
            Role::Alone | Role::Leading => self.commands.push_back(TabCommand::RetryNow),
        }
    }

    /// Time passed: a visible waiting tab takes the lead from a silent leader, or from one
    /// hidden long enough.
    pub fn handle_timeout(&mut self, now: Millis) {
        if self.poll_timeout().is_some_and(|at| at <= now) {
            self.taking = true;
            self.commands.push_back(TabCommand::TakeLead);
        }
    }

    /// Another tab said this.
    pub fn handle_message(&mut self, message: TabMessage, now: Millis) {
        match (self.role, message) {
            (Role::Alone, _) => {}
            (_, TabMessage::Changed { change }) => self.commands.push_back(TabCommand::Apply(change)),
            (_, TabMessage::Resync) => self.commands.push_back(TabCommand::Resync),
            (Role::Leading, TabMessage::Hello { tab, visible, wants_notes }) => {
                self.set_visible_tab(tab, visible);
                self.announce_to(now, Some(tab));
                if wants_notes {
                    self.commands.push_back(TabCommand::ShareNotes { to: tab });
                }
            }
            (Role::Leading, TabMessage::Visibility { tab, visible }) => self.set_visible_tab(tab, visible),
            (Role::Leading, TabMessage::Bye { tab }) => {
                self.visible_tabs.remove(&tab);
            }
            (Role::Leading, TabMessage::RetryNow) => self.commands.push_back(TabCommand::RetryNow),
            (Role::Waiting, TabMessage::Leader { tab, visible, hidden_for, link, answering }) => {
                let answers_me = answering == Some(self.me);
                self.heard_leader(tab, visible, hidden_for, link, answers_me, now);
            }
            (Role::Waiting, TabMessage::Notes { to, notes }) if to == self.me && self.wants_notes => {
                self.wants_notes = false;
                self.commands.push_back(TabCommand::Adopt(notes));
            }
            (Role::Waiting, TabMessage::Event { incoming }) => {
                self.commands.push_back(TabCommand::Handle(incoming))
            }
            (Role::Waiting, TabMessage::CaughtUp { notifications }) => {
                self.commands.push_back(TabCommand::CaughtUp(notifications));
            }
            // The rest is for the other role: a leader's relays reach a leader only in the
            // moment before it learns it stepped down, and a waiting tab answers nobody.
            _ => {}
        }
    }

    fn heard_leader(
        &mut self,
        tab: TabId,
        visible: bool,
        hidden_for: Option<Millis>,
        link: Link,
        answers_me: bool,
        now: Millis,
    ) {
        let new_leader = self.leader.is_none_or(|heard| heard.tab != tab);
        let hidden_since = (!visible).then(|| now.since(hidden_for.unwrap_or(Millis::ZERO)));
        self.leader = Some(Heard { tab, hidden_since });
        self.asked_at = None;
        self.taking = false;
        self.commands.push_back(TabCommand::ShowLink(link.received(now)));
        if new_leader && !answers_me {
            // A new leader knows nothing of this tab yet, nor of a question the tab asked
            // before it led: the tab tells it, or asks again.
            if self.wants_notes {
                self.ask(now, true);
            } else {
                self.post(TabMessage::Visibility { tab: self.me, visible: self.visible });
            }
        }
    }

    fn set_visible_tab(&mut self, tab: TabId, visible: bool) {
        if visible {
            self.visible_tabs.insert(tab);
        } else {
            self.visible_tabs.remove(&tab);
        }
    }

    fn ask(&mut self, now: Millis, wants_notes: bool) {
        self.asked_at = Some(now);
        self.wants_notes |= wants_notes;
        self.post(TabMessage::Hello { tab: self.me, visible: self.visible, wants_notes: self.wants_notes });
    }

    fn announce(&mut self, now: Millis) {
        self.announce_to(now, None);
    }

    fn announce_to(&mut self, now: Millis, answering: Option<TabId>) {
        let link = Link::sent(self.link.state.clone(), self.link.subscribed.clone(), now);
        let hidden_for = self.hidden_since.map(|since| now.since(since));
        self.post(TabMessage::Leader { tab: self.me, visible: self.visible, hidden_for, link, answering });
    }

    fn post(&mut self, message: TabMessage) {
        self.commands.push_back(TabCommand::Post(message));
    }
}

/// What the auth stores of one browser's tabs tell each other, so that signing in, signing
/// out, refreshing, expiry and suspension in one tab apply in every tab that is open. (Whether
/// a tab opened later finds the session is still the person's "keep me signed in": it reads
/// the saved tokens, as before.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionNews {
    /// A tab signed in, refreshed the tokens, or has a new record of its person. `remember`:
    /// kept across browser restarts.
    SignedIn { user: User, tokens: HeldTokens, remember: bool },
    /// A tab's session ended; `notice` says why when the person did not choose it.
    SignedOut { notice: Option<String> },
}

/// What an auth store does with [`SessionNews`] from another tab.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionStep {
    /// The same session, with the person's record as the sibling has it now (they edited
    /// their profile there).
    Update {
        user: User,
    },
    /// The same person with new tokens: a sibling refreshed them. The socket stays.
    Renew {
        user: User,
        tokens: HeldTokens,
    },
    /// Take this session as its own, without asking the backend (a sibling just did).
    Adopt {
        user: User,
        tokens: HeldTokens,
        remember: bool,
    },
    /// End the session here too, without asking the backend (a sibling did).
    End {
        notice: Option<String>,
    },
    Nothing,
}

impl SessionNews {
    /// The rule: a sibling's session replaces this tab's (one person per browser), and an
    /// ended one ends it here. `here`: this tab's token and person, if it has a session.
    pub fn step(self, here: Option<(&str, UserId)>) -> SessionStep {
        match (self, here) {
            (SessionNews::SignedIn { user, tokens, .. }, Some((token, _))) if tokens.token == token => {
                SessionStep::Update { user }
            }
            (SessionNews::SignedIn { user, tokens, .. }, Some((_, person))) if user.id == person => {
                SessionStep::Renew { user, tokens }
            }
            (SessionNews::SignedIn { user, tokens, remember }, _) => {
                SessionStep::Adopt { user, tokens, remember }
            }
            (SessionNews::SignedOut { notice }, Some(_)) => SessionStep::End { notice },
            (SessionNews::SignedOut { .. }, None) => SessionStep::Nothing,
        }
    }
}
