//! The browser side of `herald_client::tabs`: the lock that makes one tab of the browser the
//! one holding the socket (the Web Locks API's `navigator.locks`, held for the tab's life),
//! the `BroadcastChannel` the tabs talk over, the tab's visibility and one timer. It moves
//! messages between them and [`Tabs`] and hands every other command to the shell
//! (`crate::services`); it decides nothing.
//!
//! Where the browser lacks either API, the tab is [`Tabs::alone`] and holds its own socket.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use herald_client::{Command, Incoming, SharedNotes, TabCommand, TabId, TabMessage, Tabs, TabsConfig};
use herald_notifications::NoteChange;
use herald_protocol::{ConnectionState, Millis};
use js_sys::{Function, Object, Promise, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, BroadcastChannel, MessageEvent};

use crate::listener::Listener;
use crate::locks::{self, LockManager};

/// The lock's and the channel's name: one per origin, like the session they share.
const NAME: &str = "herald.tabs";

/// The tab's link to its siblings. `Copy`; provided by the services.
#[derive(Clone, Copy)]
pub struct TabLink {
    inner: StoredValue<Rc<RefCell<Inner>>, LocalStorage>,
}

struct Inner {
    tabs: Tabs,
    channel: Option<BroadcastChannel>,
    /// The shell, given every command that is not about the lock or the channel.
    shell: Rc<dyn Fn(TabCommand)>,
    /// Resolving it releases the lock this tab holds.
    release: Option<Function>,
    /// Aborts the request waiting in line for the lock.
    waiting: Option<AbortController>,
    timer: Option<TimeoutHandle>,
    /// Held for their `Drop`, which removes them.
    _listeners: Vec<Listener>,
    _on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
}

impl TabLink {
    /// Starts the tab's part: asks for the lock and asks the leader, if any, where things
    /// stand; alone where the browser cannot coordinate tabs.
    pub fn start(shell: impl Fn(TabCommand) + 'static) -> TabLink {
        let locks = lock_manager();
        let channel = locks.as_ref().and_then(|_| BroadcastChannel::new(NAME).ok());
        let visible = is_visible();
        let now = now();
        let tabs = match &channel {
            Some(_) => {
                let me = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
                Tabs::new(me, visible, now, TabsConfig::default())
            }
            None => Tabs::alone(visible, now),
        };
        let inner = Rc::new_cyclic(|this: &Weak<RefCell<Inner>>| {
            let on_message = channel.as_ref().map(|channel| {
                let this = this.clone();
                let closure = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                    let Some(text) = event.data().as_string() else { return };
                    match serde_json::from_str::<TabMessage>(&text) {
                        Ok(message) => with(&this, |tabs, now| tabs.handle_message(message, now)),
                        Err(error) => leptos::logging::warn!("[herald:tabs] unreadable message ({error})"),
                    }
                });
                channel.set_onmessage(Some(closure.as_ref().unchecked_ref()));
                closure
            });
            let listeners = vec![
                listen(document().into(), "visibilitychange", this, |tabs, now| {
                    tabs.handle_visibility(is_visible(), now)
                }),
                listen(window().into(), "pagehide", this, |tabs, _| tabs.closing()),
            ];
            RefCell::new(Inner {
                tabs,
                channel,
                shell: Rc::new(shell),
                release: None,
                waiting: None,
                timer: None,
                _listeners: listeners,
                _on_message: on_message,
            })
        });
        let link = TabLink { inner: StoredValue::new_local(inner.clone()) };
        on_cleanup(move || {
            if let Some(inner) = link.inner.try_get_value() {
                inner.borrow_mut().shut_down();
            }
        });
        pump(&inner);
        link
    }

    /// Whether this tab holds the socket (it leads, or is alone).
    pub fn holds_socket(&self) -> bool {
        self.inner.with_value(|inner| inner.borrow().tabs.holds_socket())
    }

    /// Whether an event recorded here raises a desktop notification.
    pub fn raises_desktop(&self) -> bool {
        self.inner.with_value(|inner| inner.borrow().tabs.raises_desktop())
    }

    pub fn relay_incoming(&self, incoming: &Incoming) {
        self.input(|tabs, _| tabs.relay_incoming(incoming));
    }

    pub fn relay_command(&self, command: &Command) {
        self.input(|tabs, _| tabs.relay_command(command));
    }

    pub fn link_changed(&self, state: ConnectionState, subscribed: Vec<String>) {
        self.input(|tabs, now| tabs.link_changed(state, subscribed, now));
    }

    pub fn changed(&self, change: NoteChange) {
        self.input(|tabs, _| tabs.changed(change));
    }

    pub fn acted(&self) {
        self.input(|tabs, _| tabs.acted());
    }

    pub fn share_notes(&self, to: TabId, notes: SharedNotes) {
        self.input(|tabs, _| tabs.share_notes(to, notes));
    }

    pub fn loading(&self) {
        self.input(|tabs, now| tabs.loading(now));
    }

    pub fn retry_now(&self) {
        self.input(|tabs, _| tabs.retry_now());
    }

    fn input(&self, input: impl FnOnce(&mut Tabs, Millis)) {
        if let Some(inner) = self.inner.try_get_value() {
            inner.borrow_mut().tabs_input(input);
            pump(&inner);
        }
    }
}

impl Inner {
    fn tabs_input(&mut self, input: impl FnOnce(&mut Tabs, Millis)) {
        input(&mut self.tabs, now());
    }

    fn post(&self, message: &TabMessage) {
        if let (Some(channel), Ok(text)) = (&self.channel, serde_json::to_string(message)) {
            let _ = channel.post_message(&text.into());
        }
    }

    fn shut_down(&mut self) {
        if let Some(channel) = self.channel.take() {
            channel.set_onmessage(None);
            channel.close();
        }
        if let Some(waiting) = self.waiting.take() {
            waiting.abort();
        }
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::NULL);
        }
        if let Some(timer) = self.timer.take() {
            timer.clear();
        }
    }
}

/// Carries out the tabs' commands: the lock and the channel here, the rest by the shell (with
/// no borrow held, as the shell calls back in), then re-arms the timer.
fn pump(this: &Rc<RefCell<Inner>>) {
    loop {
        let Some(command) = this.borrow_mut().tabs.poll_command() else { break };
        match command {
            TabCommand::Post(message) => this.borrow().post(&message),
            TabCommand::WaitForLead => request_lock(this, false),
            TabCommand::TakeLead => request_lock(this, true),
            other => {
                let shell = this.borrow().shell.clone();
                shell(other);
            }
        }
    }
    let mut inner = this.borrow_mut();
    if let Some(timer) = inner.timer.take() {
        timer.clear();
    }
    if let Some(at) = inner.tabs.poll_timeout() {
        let delay = at.since(now());
        let weak = Rc::downgrade(this);
        inner.timer = set_timeout_with_handle(
            move || with(&weak, |tabs, now| tabs.handle_timeout(now)),
            std::time::Duration::from_millis(delay.0),
        )
        .ok();
    }
}

/// Asks for the lock: in line, or taking it from its holder (`steal`). The lock is held until
/// the tab goes (the browser releases it then) or another tab takes it, which rejects this
/// request's promise: then the tab steps down.
fn request_lock(this: &Rc<RefCell<Inner>>, steal: bool) {
    let Some(locks) = lock_manager() else { return };
    let options = Object::new();
    {
        let mut inner = this.borrow_mut();
        // Taking the lock: the request waiting in line would be granted later, to a tab that
        // already has it.
        if let Some(waiting) = inner.waiting.take() {
            waiting.abort();
        }
        if steal {
            let _ = Reflect::set(&options, &"steal".into(), &true.into());
        } else if let Ok(controller) = AbortController::new() {
            let _ = Reflect::set(&options, &"signal".into(), &controller.signal());
            inner.waiting = Some(controller);
        }
    }
    let granted_flag = Rc::new(std::cell::Cell::new(false));
    let weak = Rc::downgrade(this);
    let (flag, on_grant) = (granted_flag.clone(), weak.clone());
    let granted = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        flag.set(true);
        let mut release = None;
        let held = Promise::new(&mut |resolve, _reject| release = Some(resolve));
        if let Some(inner) = on_grant.upgrade() {
            {
                let mut inner = inner.borrow_mut();
                inner.release = release;
                inner.waiting = None;
            }
            with(&on_grant, |tabs, now| tabs.lead_granted(now));
        }
        held
    });
    let request = locks.request(NAME, &options, granted.unchecked_ref());
    spawn_local(async move {
        // Rejected after it was granted: another tab took the lock. Rejected before: this
        // tab stopped waiting. Resolved: this tab released it.
        if wasm_bindgen_futures::JsFuture::from(request).await.is_err() && granted_flag.get() {
            with(&weak, |tabs, now| tabs.lead_lost(now));
        }
    });
}

/// Feeds an input to the tabs from a browser callback, then pumps.
fn with(this: &Weak<RefCell<Inner>>, input: impl FnOnce(&mut Tabs, Millis)) {
    if let Some(inner) = this.upgrade() {
        inner.borrow_mut().tabs_input(input);
        pump(&inner);
    }
}

fn listen(
    target: web_sys::EventTarget,
    kind: &'static str,
    this: &Weak<RefCell<Inner>>,
    input: fn(&mut Tabs, Millis),
) -> Listener {
    let this = this.clone();
    Listener::new(target, kind, move || with(&this, input))
}

/// `navigator.locks`, where the browser has it with `BroadcastChannel`: tabs coordinate only
/// with both.
fn lock_manager() -> Option<LockManager> {
    let has_broadcast = Reflect::has(&window(), &"BroadcastChannel".into()).unwrap_or(false);
    locks::lock_manager().filter(|_| has_broadcast)
}

fn is_visible() -> bool {
    !document().hidden()
}

/// The tabs' clock: the same origin as the realtime driver's.
fn now() -> Millis {
    let ms = window().performance().map_or_else(js_sys::Date::now, |p| p.now());
    Millis(ms.max(0.0) as u64)
}
