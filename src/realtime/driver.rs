//! The browser side of the realtime service: it owns the WebSocket, one timer and the
//! window listeners, feeds what happens to `herald_protocol::Connection`, carries out the
//! actions it asks for and passes its events on. It makes no decision of its own, not even
//! when a lost socket counts as `Interrupted`: the connection says so.
//!
//! Every closure handed to the browser is owned by the thing it serves — the socket's by
//! [`Socket`], dropped (after detaching) with it — so no closure is leaked per reconnect.
//!
//! Invariant: only this module touches `WebSocket`.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use herald_protocol::{
    Action, AuthResult, Connection, ConnectionConfig, ConnectionState, Event, Millis, Output,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::api::Api;
use crate::config::{Config, TransportKind, socket_url};
use crate::listener::Listener;
use crate::realtime::{Incoming, Subscriber};

pub(super) struct Driver {
    conn: Connection,
    socket: Option<Socket>,
    api: Api,
    token: Option<String>,
    debug: bool,
    state: RwSignal<ConnectionState>,
    subscribed: RwSignal<Vec<String>>,
    sink: Rc<dyn Fn(Incoming)>,
    timer: Timer,
    _window_listeners: Vec<Listener>,
    this: Weak<RefCell<Driver>>,
}

impl Driver {
    pub(super) fn new(
        config: &Config,
        api: Api,
        state: RwSignal<ConnectionState>,
        subscribed: RwSignal<Vec<String>>,
        sink: Rc<dyn Fn(Incoming)>,
    ) -> Rc<RefCell<Driver>> {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
        let conn = match config.transport {
            TransportKind::Pusher => {
                let connection_config = ConnectionConfig {
                    activity_timeout: Millis::from_secs(config.pusher.activity_timeout_s),
                    ..ConnectionConfig::pusher()
                };
                Connection::pusher(socket_url(config), connection_config, seed)
            }
            TransportKind::Channels => {
                let url = config.ws_url.clone().unwrap_or_default();
                Connection::channels(url, ConnectionConfig::channels(), seed)
            }
        };
        Rc::new_cyclic(|this: &Weak<RefCell<Driver>>| {
            let listeners = vec![
                listen(window().into(), "online", this, |d, now| d.conn.handle_network(true, now)),
                listen(window().into(), "offline", this, |d, now| d.conn.handle_network(false, now)),
                listen(document().into(), "visibilitychange", this, |d, now| {
                    let visible = document().visibility_state() == web_sys::VisibilityState::Visible;
                    d.conn.handle_visibility(visible, now)
                }),
            ];
            RefCell::new(Driver {
                conn,
                socket: None,
                api,
                token: None,
                debug: config.debug,
                state,
                subscribed,
                sink,
                timer: Timer::new(this.clone()),
                _window_listeners: listeners,
                this: this.clone(),
            })
        })
    }

    pub(super) fn follow(this: &Rc<RefCell<Driver>>, subscriber: Option<Subscriber>) {
        {
            let mut d = this.borrow_mut();
            let now = now();
            match subscriber {
                Some(Subscriber { token, channels }) => {
                    d.conn.set_token(Some(token.clone()));
                    d.token = Some(token);
                    d.log(format_args!("follow: channels {channels:?}"));
                    d.conn.set_channels(channels);
                    d.conn.connect(now);
                }
                None => {
                    d.log(format_args!("follow: nobody; leaving every channel"));
                    d.token = None;
                    d.conn.set_channels(Vec::<String>::new());
                    d.conn.disconnect();
                    d.conn.set_token(None);
                }
            }
        }
        pump(this);
    }

    pub(super) fn preconnect(this: &Rc<RefCell<Driver>>) {
        {
            let mut d = this.borrow_mut();
            d.log(format_args!("preconnect: no channels until someone is followed"));
            d.conn.connect(now());
        }
        pump(this);
    }

    pub(super) fn retry_now(this: &Rc<RefCell<Driver>>) {
        this.borrow_mut().conn.retry_now(now());
        pump(this);
    }

    /// Closes the current socket and detaches its callbacks at once, but frees the callbacks
    /// only after the current one has returned: the socket being retired may be the one
    /// whose callback is running.
    fn retire_socket(&mut self) {
        if let Some(socket) = self.socket.take() {
            socket.shutdown();
            spawn_local(async move { drop(socket) });
        }
    }

    fn log(&self, args: std::fmt::Arguments<'_>) {
        if self.debug {
            leptos::logging::log!("[herald:realtime] {args}");
        }
    }

    /// Carries out one action for the state machine.
    fn perform(&mut self, action: Action) {
        match action {
            Action::Open { url } => {
                self.retire_socket();
                // Only up to the query: a Channels URL carries the token there.
                self.log(format_args!("open {}", url.split('?').next().unwrap_or_default()));
                match Socket::open(&url, &self.this) {
                    Ok(socket) => self.socket = Some(socket),
                    Err(reason) => {
                        leptos::logging::warn!("[herald:realtime] cannot open the socket: {reason}");
                        self.conn.handle_close(1006, &reason, now());
                    }
                }
            }
            Action::Send(frame) => {
                self.log(format_args!("send {frame}"));
                if let Some(socket) = &self.socket
                    && let Err(e) = socket.ws.send_with_str(&frame)
                {
                    leptos::logging::warn!("[herald:realtime] send failed: {e:?}");
                }
            }
            Action::Close => {
                self.log(format_args!("close"));
                self.retire_socket();
            }
            Action::Authorize { channel, socket_id } => {
                self.log(format_args!("auth {channel}: requesting signature for socket {socket_id}"));
                let api = self.api.clone();
                let token = self.token.clone();
                let this = self.this.clone();
                spawn_local(async move {
                    let result = match token {
                        Some(token) => api.authorize_channel(&token, &socket_id, &channel).await,
                        None => AuthResult::Unauthorized,
                    };
                    let Some(driver) = this.upgrade() else { return };
                    {
                        let mut d = driver.borrow_mut();
                        let outcome = match &result {
                            AuthResult::Authorized { .. } => "200 authorized".to_owned(),
                            AuthResult::Unauthorized => "401 unauthorized".to_owned(),
                            AuthResult::Forbidden => "403 forbidden".to_owned(),
                            AuthResult::Failed { reason } => format!("failed: {reason}"),
                        };
                        d.log(format_args!("auth {channel}: {outcome}"));
                        d.conn.handle_auth(&channel, &socket_id, result, now());
                    }
                    pump(&driver);
                });
            }
        }
    }

    /// Publishes the connection's state and confirmed channels to their signals, when changed.
    fn publish(&self) {
        let state = self.conn.state();
        if self.state.with_untracked(|shown| shown != state) {
            self.state.set(state.clone());
        }
        let subscribed: Vec<String> = self.conn.subscribed_channels().map(str::to_owned).collect();
        if self.subscribed.with_untracked(|shown| *shown != subscribed) {
            self.subscribed.set(subscribed);
        }
    }

    /// What the sink receives for a protocol event, after logging it.
    fn translate(&self, event: Event) -> Option<Incoming> {
        match event {
            Event::StateChanged(state) => {
                self.log(format_args!("state {state:?}"));
                None
            }
            Event::Interrupted => {
                self.log(format_args!("interrupted: events may be missed until the next catch-up"));
                Some(Incoming::Interrupted)
            }
            Event::Subscribed { channel } => {
                self.log(format_args!("subscribed {channel}"));
                None
            }
            Event::SubscriptionFailed { channel, error } => {
                leptos::logging::warn!("[herald:realtime] subscription to {channel} failed: {error:?}");
                Some(Incoming::SubscriptionFailed { channel, error })
            }
            Event::AuthorizationRetry { channel, attempt, retry_at, reason } => {
                let wait = retry_at.since(now()).0;
                leptos::logging::warn!(
                    "[herald:realtime] authorizing {channel} failed ({reason}); attempt {attempt} in {wait} ms"
                );
                None
            }
            Event::Message { channel, name, raw_name, data } => {
                self.log(format_args!("event {raw_name} on {channel:?}"));
                Some(Incoming::Message { channel, name, data })
            }
            Event::Settled => {
                self.log(format_args!("every channel answered"));
                Some(Incoming::Settled)
            }
            Event::ServerError { code, message } => {
                leptos::logging::warn!("[herald:realtime] server error {code:?}: {message}");
                None
            }
            Event::FrameRejected(error) => {
                leptos::logging::warn!("[herald:realtime] frame rejected: {error}");
                None
            }
            Event::Ignored { event, channel, reason } => {
                self.log(format_args!("ignored {event} on {channel:?}: {reason}"));
                None
            }
        }
    }
}

/// Runs the state machine's outputs until it has nothing more to say, then publishes its
/// state and re-arms the timer. The sink is called with no borrow held, so it may call back
/// into the service (a 401 signs out, which leaves every channel).
fn pump(this: &Rc<RefCell<Driver>>) {
    loop {
        let mut incoming = Vec::new();
        {
            let mut d = this.borrow_mut();
            while let Some(output) = d.conn.poll() {
                match output {
                    Output::Action(action) => d.perform(action),
                    Output::Event(event) => incoming.extend(d.translate(event)),
                }
            }
            d.publish();
            if incoming.is_empty() {
                let deadline = d.conn.poll_timeout();
                d.timer.arm(deadline.map(|at| at.since(now())));
                return;
            }
        }
        let sink = this.borrow().sink.clone();
        for message in incoming {
            sink(message);
        }
    }
}

fn now() -> Millis {
    let ms = window().performance().map_or_else(js_sys::Date::now, |p| p.now());
    Millis(ms.max(0.0) as u64)
}

/// Feeds an input to the driver from a browser callback, then pumps.
fn with_driver(this: &Weak<RefCell<Driver>>, input: impl FnOnce(&mut Driver, Millis)) {
    let Some(driver) = this.upgrade() else { return };
    // A callback that fires while the driver is busy (it cannot, the browser's callbacks
    // run on an empty stack, but a panic here would be the wrong answer) is dropped.
    let Ok(mut d) = driver.try_borrow_mut() else { return };
    input(&mut d, now());
    drop(d);
    pump(&driver);
}

/// One WebSocket with the closures it calls. Dropping it detaches them and closes it.
struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    fn open(url: &str, driver: &Weak<RefCell<Driver>>) -> Result<Socket, String> {
        let ws = WebSocket::new(url).map_err(|e| format!("{e:?}"))?;
        let d = driver.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || with_driver(&d, |d, now| d.conn.handle_open(now)));
        let d = driver.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            match event.data().as_string() {
                Some(text) => with_driver(&d, |d, now| {
                    if d.debug {
                        let shown: String = text.chars().take(500).collect();
                        leptos::logging::log!("[herald:realtime] recv {shown}");
                    }
                    d.conn.handle_frame(&text, now)
                }),
                None => {
                    leptos::logging::warn!("[herald:realtime] binary frame ignored: Pusher frames are text")
                }
            }
        });
        let d = driver.clone();
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            let (code, reason) = (event.code(), event.reason());
            with_driver(&d, |d, now| {
                d.log(format_args!("closed by the server or network: {code} {reason}"));
                d.retire_socket();
                d.conn.handle_close(code, &reason, now)
            })
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket { ws, _on_open: on_open, _on_message: on_message, _on_close: on_close })
    }
}

impl Socket {
    fn shutdown(&self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close_with_code(1000);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The driver's one timer: `handle_timeout` at the state machine's next deadline.
struct Timer {
    callback: Closure<dyn FnMut()>,
    handle: Option<i32>,
}

impl Timer {
    fn new(driver: Weak<RefCell<Driver>>) -> Timer {
        let callback = Closure::<dyn FnMut()>::new(move || {
            with_driver(&driver, |d, now| {
                d.timer.handle = None;
                d.conn.handle_timeout(now)
            })
        });
        Timer { callback, handle: None }
    }

    fn arm(&mut self, delay: Option<Millis>) {
        if let Some(handle) = self.handle.take() {
            window().clear_timeout_with_handle(handle);
        }
        if let Some(delay) = delay {
            let ms = i32::try_from(delay.0).unwrap_or(i32::MAX);
            self.handle = window()
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    self.callback.as_ref().unchecked_ref(),
                    ms,
                )
                .ok();
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            window().clear_timeout_with_handle(handle);
        }
    }
}

/// Feeds `input` to the driver on each `kind` event of `target`.
fn listen(
    target: web_sys::EventTarget,
    kind: &'static str,
    driver: &Weak<RefCell<Driver>>,
    input: fn(&mut Driver, Millis),
) -> Listener {
    let driver = driver.clone();
    Listener::new(target, kind, move || with_driver(&driver, input))
}
