//! The rules by which the tabs of one browser share one connection, run on a simulated browser:
//! an exclusive lock granted in request order (or taken), and a broadcast channel that delivers
//! every message to every other live tab, in order. Time is virtual.

use std::collections::VecDeque;

use herald_client::{
    Command, HeldTokens, Incoming, Lifetimes, Link, Role, SessionNews, SessionStep, SharedNotes, TabCommand,
    TabId, TabMessage, Tabs, TabsConfig,
};
use herald_contract::{Role as PersonRole, User};
use herald_notifications::NoteChange;
use herald_protocol::{ConnectionState, Millis};
use serde_json::json;

struct Tab {
    id: TabId,
    tabs: Tabs,
    /// Closed tabs hold nothing and hear nothing; frozen ones hold the lock and hear nothing.
    closed: bool,
    frozen: bool,
    /// What the tab was asked to do, besides posting and asking for the lock.
    done: Vec<TabCommand>,
}

/// The browser: its tabs, the lock, and the messages in flight.
struct Browser {
    tabs: Vec<Tab>,
    holder: Option<TabId>,
    waiting: VecDeque<TabId>,
    in_flight: VecDeque<(TabId, TabMessage)>,
    now: Millis,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            tabs: Vec::new(),
            holder: None,
            waiting: VecDeque::new(),
            in_flight: VecDeque::new(),
            now: Millis(0),
        }
    }

    fn open(&mut self, visible: bool) -> TabId {
        let id = self.tabs.len() as TabId + 1;
        let tabs = Tabs::new(id, visible, self.now, TabsConfig::default());
        self.tabs.push(Tab { id, tabs, closed: false, frozen: false, done: Vec::new() });
        self.settle();
        id
    }

    fn tab(&mut self, id: TabId) -> &mut Tab {
        self.tabs.iter_mut().find(|tab| tab.id == id).expect("a tab")
    }

    fn leader(&self) -> Option<TabId> {
        let leaders: Vec<TabId> =
            self.tabs.iter().filter(|t| !t.closed && t.tabs.role() == Role::Leading).map(|t| t.id).collect();
        assert!(leaders.len() <= 1, "two leaders: {leaders:?}");
        leaders.first().copied()
    }

    /// Carries out every command and delivers every message until nothing is left.
    fn settle(&mut self) {
        loop {
            let mut progressed = false;
            for index in 0..self.tabs.len() {
                while let Some(command) = self.tabs[index].tabs.poll_command() {
                    progressed = true;
                    let id = self.tabs[index].id;
                    match command {
                        TabCommand::Post(message) => self.in_flight.push_back((id, message)),
                        TabCommand::WaitForLead => {
                            self.waiting.push_back(id);
                            self.grant();
                        }
                        TabCommand::TakeLead => {
                            self.waiting.retain(|waiting| *waiting != id);
                            if let Some(old) = self.holder.replace(id) {
                                let now = self.now;
                                self.tab(old).tabs.lead_lost(now);
                            }
                            let now = self.now;
                            self.tab(id).tabs.lead_granted(now);
                        }
                        // The shell hands over what its notifications hold.
                        TabCommand::ShareNotes { to } => {
                            self.tabs[index].tabs.share_notes(to, notes_of(id));
                            self.tabs[index].done.push(TabCommand::ShareNotes { to });
                        }
                        other => self.tabs[index].done.push(other),
                    }
                }
            }
            while let Some((from, message)) = self.in_flight.pop_front() {
                progressed = true;
                let now = self.now;
                for tab in self.tabs.iter_mut().filter(|t| t.id != from && !t.closed && !t.frozen) {
                    tab.tabs.handle_message(message.clone(), now);
                }
            }
            if !progressed {
                return;
            }
        }
    }

    fn grant(&mut self) {
        if self.holder.is_none()
            && let Some(next) = self.waiting.pop_front()
        {
            self.holder = Some(next);
            let now = self.now;
            self.tab(next).tabs.lead_granted(now);
        }
    }

    fn close(&mut self, id: TabId) {
        self.tab(id).tabs.closing();
        self.settle();
        self.tab(id).closed = true;
        self.waiting.retain(|waiting| *waiting != id);
        if self.holder == Some(id) {
            self.holder = None;
            self.grant();
        }
        self.settle();
    }

    fn advance(&mut self, ms: u64) {
        let end = self.now + Millis(ms);
        while let Some(at) = self
            .tabs
            .iter()
            .filter(|t| !t.closed && !t.frozen)
            .filter_map(|t| t.tabs.poll_timeout())
            .filter(|at| *at <= end)
            .min()
        {
            self.now = self.now.max(at);
            let now = self.now;
            for tab in self.tabs.iter_mut().filter(|t| !t.closed && !t.frozen) {
                tab.tabs.handle_timeout(now);
            }
            self.settle();
        }
        self.now = end;
    }

    fn show(&mut self, id: TabId, visible: bool) {
        let now = self.now;
        self.tab(id).tabs.handle_visibility(visible, now);
        self.settle();
    }

    fn take_done(&mut self, id: TabId) -> Vec<TabCommand> {
        std::mem::take(&mut self.tab(id).done)
    }

    /// The tab loads its person's notifications from storage.
    fn load(&mut self, id: TabId) {
        let now = self.now;
        self.tab(id).tabs.loading(now);
        self.settle();
    }
}

/// What the tab `id` holds, as its shell would share it.
fn notes_of(id: TabId) -> SharedNotes {
    SharedNotes { user_id: 2, history: format!("[history of tab {id}]"), preferences: "{}".into() }
}

fn adopted(done: &[TabCommand]) -> Vec<SharedNotes> {
    done.iter()
        .filter_map(|command| match command {
            TabCommand::Adopt(notes) => Some(notes.clone()),
            _ => None,
        })
        .collect()
}

fn message() -> Incoming {
    Incoming::Message {
        channel: Some("private-tenant.1".into()),
        name: "UserCreated".into(),
        data: json!({"id": "evt-1", "user": {"id": 5}}),
    }
}

#[test]
fn the_first_tab_leads_and_the_next_waits_and_shows_the_leaders_notifications() {
    let mut browser = Browser::new();
    let first = browser.open(true);
    assert_eq!(browser.leader(), Some(first));
    assert!(browser.take_done(first).contains(&TabCommand::Lead));

    let second = browser.open(true);
    assert_eq!(browser.leader(), Some(first));
    assert_eq!(browser.tab(second).tabs.role(), Role::Waiting);
    let done = browser.take_done(second);
    assert!(done.iter().any(|c| matches!(c, TabCommand::ShowLink(_))));
    assert!(adopted(&done).is_empty(), "no person loaded yet: {done:?}");

    // Loading a person from storage, the tab asks the leader for what it holds, which may be
    // newer than what storage gave this tab, and shows that once, however often it asked
    // before the answer came.
    let now = browser.now;
    browser.tab(second).tabs.loading(now);
    browser.load(second);
    assert!(browser.take_done(first).contains(&TabCommand::ShareNotes { to: second }));
    assert_eq!(adopted(&browser.take_done(second)), vec![notes_of(first)]);
}

#[test]
fn a_tab_whose_question_the_leader_never_answered_asks_the_next_leader() {
    let mut browser = Browser::new();
    let first = browser.open(true);
    let second = browser.open(true);
    let third = browser.open(true);
    browser.tab(first).frozen = true;
    browser.load(third);
    browser.close(first);
    assert_eq!(browser.leader(), Some(second));
    assert_eq!(adopted(&browser.take_done(third)), vec![notes_of(second)]);
}

#[test]
fn the_leader_relays_events_and_catch_up_but_not_what_is_about_its_own_socket() {
    let mut browser = Browser::new();
    let first = browser.open(true);
    let second = browser.open(true);
    browser.take_done(first);
    browser.take_done(second);
    for incoming in [message(), Incoming::Interrupted, Incoming::Settled] {
        browser.tab(first).tabs.relay_incoming(&incoming);
    }
    browser.tab(first).tabs.relay_command(&Command::Merge(Vec::new()));
    browser.tab(first).tabs.relay_command(&Command::Resync);
    browser.tab(first).tabs.relay_command(&Command::Save { position: None });
    browser.settle();
    assert_eq!(
        browser.take_done(second),
        vec![TabCommand::Handle(message()), TabCommand::CaughtUp(Vec::new()), TabCommand::Resync]
    );
    // A waiting tab relays nothing, even if asked.
    browser.tab(second).tabs.relay_incoming(&message());
    browser.settle();
    assert!(browser.take_done(first).is_empty());
}

#[test]
fn closing_the_leader_hands_the_lead_to_the_next_tab_in_line_and_nobody_reloads_notifications() {
    let mut browser = Browser::new();
    let first = browser.open(true);
    let second = browser.open(false);
    let third = browser.open(true);
    browser.take_done(second);
    browser.take_done(third);
    browser.close(first);
    assert_eq!(browser.leader(), Some(second));
    let done = browser.take_done(second);
    assert!(done.contains(&TabCommand::Lead), "{done:?}");
    // The third heard the new leader; its history is the same, so it is not replaced.
    let done = browser.take_done(third);
    assert!(done.iter().any(|c| matches!(c, TabCommand::ShowLink(_))));
    assert!(adopted(&done).is_empty(), "{done:?}");
}

#[test]
fn a_visible_tab_takes_the_lead_from_a_leader_hidden_for_ten_seconds_not_sooner() {
    let mut browser = Browser::new();
    let first = browser.open(true);
    let second = browser.open(false);
    browser.show(first, false);
    browser.show(second, true);
    browser.advance(9_000);
    assert_eq!(browser.leader(), Some(first), "flipping tabs does not move the socket");
    browser.advance(1_500);
    assert_eq!(browser.leader(), Some(second));
    assert!(browser.take_done(first).contains(&TabCommand::StepDown));
    assert_eq!(browser.tab(first).tabs.role(), Role::Waiting);
    // The leader came back into view before the time: it keeps the lead.
    browser.show(second, false);
    browser.show(first, true);
    browser.advance(5_000);
    browser.show(second, true);
    browser.advance(20_000);
    assert_eq!(browser.leader(), Some(second), "both visible: nobody takes the lead");
}

#[test]
fn a_frozen_leader_loses_the_lead_to_a_visible_tab_within_two_seconds() {
    let mut browser = Browser::new();
    let first = browser.open(true);
    let second = browser.open(false);
    browser.tab(first).frozen = true;
    browser.show(second, true);
    browser.advance(1_900);
    assert_eq!(browser.leader(), Some(first));
    browser.advance(200);
    assert_eq!(browser.leader(), Some(second));
}

#[test]
fn a_hidden_leader_that_answers_keeps_the_lead_while_no_tab_is_visible() {
    let mut browser = Browser::new();
    let first = browser.open(false);
    let _second = browser.open(false);
    browser.advance(600_000);
    assert_eq!(browser.leader(), Some(first));
}

#[test]
fn only_the_leader_raises_desktop_notifications_and_only_while_no_tab_is_visible() {
    let mut browser = Browser::new();
    let first = browser.open(true);
    let second = browser.open(true);
    let raising = |browser: &mut Browser| -> Vec<TabId> {
        let ids: Vec<TabId> = browser.tabs.iter().map(|t| t.id).collect();
        ids.into_iter().filter(|id| browser.tab(*id).tabs.raises_desktop()).collect()
    };
    assert!(raising(&mut browser).is_empty());
    browser.show(first, false);
    assert!(raising(&mut browser).is_empty(), "the second tab is visible");
    browser.show(second, false);
    assert_eq!(raising(&mut browser), vec![first]);
    browser.close(second);
    browser.show(first, true);
    assert!(raising(&mut browser).is_empty());
    // A tab alone raises its own while hidden.
    let alone = Tabs::alone(false, Millis(0));
    assert!(alone.raises_desktop() && alone.holds_socket());
}

#[test]
fn a_change_made_in_one_tab_is_applied_in_every_other_and_not_echoed() {
    let mut browser = Browser::new();
    let first = browser.open(true);
    let second = browser.open(true);
    let third = browser.open(true);
    for id in [first, second, third] {
        browser.take_done(id);
    }
    browser.tab(second).tabs.changed(NoteChange::AllRead);
    browser.settle();
    assert_eq!(browser.take_done(first), vec![TabCommand::Apply(NoteChange::AllRead)]);
    assert_eq!(browser.take_done(third), vec![TabCommand::Apply(NoteChange::AllRead)]);
    assert!(browser.take_done(second).is_empty());
}

#[test]
fn an_action_in_any_tab_has_every_other_tabs_pages_load_again() {
    let mut browser = Browser::new();
    let first = browser.open(true);
    let second = browser.open(true);
    let third = browser.open(true);
    for acting in [first, second] {
        for id in [first, second, third] {
            browser.take_done(id);
        }
        browser.tab(acting).tabs.acted();
        browser.settle();
        for id in [first, second, third] {
            let expected = if id == acting { vec![] } else { vec![TabCommand::Resync] };
            assert_eq!(browser.take_done(id), expected, "tab {id} after tab {acting} acted");
        }
    }
}

#[test]
fn retry_in_a_waiting_tab_retries_the_leaders_socket() {
    let mut browser = Browser::new();
    let first = browser.open(true);
    let second = browser.open(true);
    browser.take_done(first);
    browser.tab(second).tabs.retry_now();
    browser.settle();
    assert_eq!(browser.take_done(first), vec![TabCommand::RetryNow]);
}

#[test]
fn a_reconnects_countdown_crosses_tabs_whose_clocks_have_other_origins() {
    let state = ConnectionState::Reconnecting { attempt: 2, retry_at: Millis(10_500) };
    let sent = Link::sent(state, vec!["private-user.4".into()], Millis(10_000));
    let text = serde_json::to_string(&TabMessage::Leader {
        tab: 1,
        visible: true,
        hidden_for: None,
        link: sent,
        answering: None,
    })
    .unwrap();
    let TabMessage::Leader { link, .. } = serde_json::from_str(&text).unwrap() else { panic!("{text}") };
    assert_eq!(
        link.received(Millis(70)).state,
        ConnectionState::Reconnecting { attempt: 2, retry_at: Millis(570) }
    );
}

#[test]
fn every_message_crosses_tabs_as_json() {
    let messages = [
        TabMessage::Hello { tab: u64::MAX, visible: true, wants_notes: true },
        TabMessage::Notes { to: 7, notes: notes_of(3) },
        TabMessage::Event { incoming: message() },
        TabMessage::Event {
            incoming: Incoming::SubscriptionFailed {
                channel: "private-tenant.2".into(),
                error: herald_protocol::SubscriptionError::Rejected {
                    code: Some(4009),
                    message: "no".into(),
                },
            },
        },
        TabMessage::Changed { change: NoteChange::Read { id: "evt-1".into() } },
        TabMessage::RetryNow,
    ];
    for message in messages {
        let text = serde_json::to_string(&message).unwrap();
        assert_eq!(serde_json::from_str::<TabMessage>(&text).unwrap(), message);
    }
}

fn user() -> User {
    User {
        id: 4,
        name: "Ada".into(),
        email: "owner@acme.test".into(),
        role: PersonRole::TenantAdmin,
        tenant_id: Some(1),
        status: Default::default(),
    }
}

fn tokens(token: &str) -> HeldTokens {
    HeldTokens {
        token: token.into(),
        refresh_token: Some(format!("refresh-{token}")),
        lifetimes: Lifetimes { access: Some(Millis(900_000)), refreshable: true, refresh: None },
    }
}

#[test]
fn sessions_follow_the_sibling_that_signed_in_refreshed_or_signed_out() {
    let signed_in = SessionNews::SignedIn { user: user(), tokens: tokens("t2"), remember: false };
    assert!(matches!(signed_in.clone().step(None), SessionStep::Adopt { .. }));
    assert!(
        matches!(signed_in.clone().step(Some(("t1", 9))), SessionStep::Adopt { .. }),
        "one person per browser"
    );
    assert_eq!(
        signed_in.clone().step(Some(("t1", 4))),
        SessionStep::Renew { user: user(), tokens: tokens("t2") },
        "the same person with new tokens: a refresh"
    );
    assert_eq!(signed_in.clone().step(Some(("t2", 4))), SessionStep::Update { user: user() });
    let out = SessionNews::SignedOut { notice: Some("Your session expired.".into()) };
    assert_eq!(
        out.clone().step(Some(("t1", 4))),
        SessionStep::End { notice: Some("Your session expired.".into()) }
    );
    assert_eq!(out.step(None), SessionStep::Nothing);
    // The news crosses tabs as JSON; the tokens never show in a Debug.
    let text = serde_json::to_string(&signed_in).unwrap();
    assert_eq!(serde_json::from_str::<SessionNews>(&text).unwrap(), signed_in);
    assert!(!format!("{signed_in:?}").contains("t2"), "{signed_in:?}");
}
