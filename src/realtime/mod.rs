//! The realtime service: the app's one connection to the Pusher-protocol server.
//!
//! It is a singleton provided as context. The app tells it who is signed in
//! ([`Realtime::follow`]); it keeps the socket carrying exactly that person's channels,
//! through reconnects, and hands every event to the sink it was given. Every decision about
//! the connection, `Interrupted` included, is made by `herald_protocol::Connection` (over
//! Pusher or Django Channels, as configured); [`driver`] only runs the socket, the timer
//! and the window listeners, and moves data between them and the connection.

mod driver;

use std::cell::RefCell;
use std::rc::Rc;

use herald_protocol::ConnectionState;
use leptos::prelude::*;

use crate::api::Api;
use crate::config::Config;
use driver::Driver;

/// What the service passes on to the rest of the app; the client core decides what each
/// means.
pub use herald_client::Incoming;

/// Who the socket serves: their token for the channel authorizer and their channels.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscriber {
    pub token: String,
    pub channels: Vec<String>,
}

/// The realtime service handle. `Copy`, so any component can hold it.
///
/// Of the browser's tabs, one holds the socket (`crate::tabs`); in the others the service
/// keeps who it would serve and shows the connection as the holding tab tells it
/// ([`Realtime::show_link`]), until it is told to hold the socket itself.
#[derive(Clone, Copy)]
pub struct Realtime {
    state: RwSignal<ConnectionState>,
    subscribed: RwSignal<Vec<String>>,
    driver: StoredValue<Rc<RefCell<Driver>>, LocalStorage>,
    /// Whether this tab holds the socket. Default: true (a tab alone).
    holds_socket: StoredValue<bool>,
    /// Who the socket serves (or would, in a tab that does not hold it).
    subscriber: StoredValue<Option<Subscriber>>,
    /// Whether the socket is open for nobody yet, while a stored session is checked.
    preconnected: StoredValue<bool>,
    /// Where Retry goes when this tab does not hold the socket: to the tab that does.
    retry_elsewhere: StoredValue<Option<Rc<dyn Fn()>>, LocalStorage>,
}

impl Realtime {
    /// Creates the service and provides it as context. Nothing connects until
    /// [`Realtime::follow`] is given someone, or [`Realtime::preconnect`] is called.
    pub fn provide(config: &Config, api: Api, sink: impl Fn(Incoming) + 'static) -> Realtime {
        let state = RwSignal::new(ConnectionState::Initialized);
        let subscribed = RwSignal::new(Vec::new());
        let driver = Driver::new(config, api, state, subscribed, Rc::new(sink));
        let realtime = Realtime {
            state,
            subscribed,
            driver: StoredValue::new_local(driver),
            holds_socket: StoredValue::new(true),
            subscriber: StoredValue::new(None),
            preconnected: StoredValue::new(false),
            retry_elsewhere: StoredValue::new_local(None),
        };
        provide_context(realtime);
        realtime
    }

    #[track_caller]
    pub fn expect() -> Realtime {
        expect_context::<Realtime>()
    }

    pub fn state(&self) -> Signal<ConnectionState> {
        self.state.into()
    }

    /// The current socket's id while connected (the browser's one socket, held by this tab or
    /// another): requests that cause events send it as `X-Socket-ID`, so the backend leaves
    /// this browser out of their broadcast (`toOthers()`).
    pub fn socket_id(&self) -> Option<String> {
        match self.state.get_untracked() {
            // A Channels socket has no id to give.
            ConnectionState::Connected { socket_id } if !socket_id.is_empty() => Some(socket_id),
            _ => None,
        }
    }

    /// The channels the server has confirmed on the current socket.
    pub fn subscribed(&self) -> Signal<Vec<String>> {
        self.subscribed.into()
    }

    /// Serves `subscriber` (connecting and reconciling channels), or, with `None`, leaves
    /// every channel and closes the socket.
    pub fn follow(&self, subscriber: Option<Subscriber>) {
        self.subscriber.set_value(subscriber.clone());
        self.preconnected.set_value(false);
        if self.holds_socket.get_value() {
            self.driver.with_value(|driver| Driver::follow(driver, subscriber));
        }
    }

    /// This tab holds the socket from now on (`true`: it serves the subscriber it was given,
    /// or opens for nobody if a stored session is still being checked), or another tab does
    /// (`false`: the socket closes, and [`Realtime::show_link`] tells the connection).
    pub fn hold_socket(&self, hold: bool) {
        if self.holds_socket.get_value() == hold {
            return;
        }
        self.holds_socket.set_value(hold);
        let (subscriber, preconnected) = (self.subscriber.get_value(), self.preconnected.get_value());
        self.driver.with_value(|driver| match (hold, subscriber) {
            (false, _) => Driver::follow(driver, None),
            (true, Some(subscriber)) => Driver::follow(driver, Some(subscriber)),
            (true, None) if preconnected => Driver::preconnect(driver),
            (true, None) => {}
        });
    }

    /// The connection as the tab holding the socket has it, shown in this one.
    pub fn show_link(&self, state: ConnectionState, subscribed: Vec<String>) {
        if !self.holds_socket.get_value() {
            self.state.set(state);
            self.subscribed.set(subscribed);
        }
    }

    /// Where Retry goes while another tab holds the socket.
    pub fn retry_elsewhere(&self, retry: impl Fn() + 'static) {
        self.retry_elsewhere.set_value(Some(Rc::new(retry)));
    }

    /// Retries the socket this tab holds, asked by the tab that was pressed.
    pub fn retry_here(&self) {
        if self.holds_socket.get_value() {
            self.driver.with_value(Driver::retry_now);
        }
    }

    /// Opens the socket before there is anyone to serve, with no channel on it, so that the
    /// person's channels are subscribed one round trip sooner once [`Realtime::follow`] is
    /// given them: for while a stored session is being checked with the backend. Only where
    /// opening a socket asks for no credential (Pusher: each private channel is authorized
    /// on its own); a transport that opens with the token waits for `follow`.
    pub fn preconnect(&self) {
        self.preconnected.set_value(true);
        if self.holds_socket.get_value() {
            self.driver.with_value(Driver::preconnect);
        }
    }

    /// Tries to reconnect at once instead of waiting for the backoff (in whichever tab holds
    /// the socket).
    pub fn retry_now(&self) {
        match self.retry_elsewhere.get_value() {
            Some(retry) if !self.holds_socket.get_value() => retry(),
            _ => self.retry_here(),
        }
    }
}
