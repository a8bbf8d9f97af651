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
#[derive(Clone, Copy)]
pub struct Realtime {
    state: RwSignal<ConnectionState>,
    subscribed: RwSignal<Vec<String>>,
    driver: StoredValue<Rc<RefCell<Driver>>, LocalStorage>,
}

impl Realtime {
    /// Creates the service and provides it as context. Nothing connects until
    /// [`Realtime::follow`] is given someone, or [`Realtime::preconnect`] is called.
    pub fn provide(config: &Config, api: Api, sink: impl Fn(Incoming) + 'static) -> Realtime {
        let state = RwSignal::new(ConnectionState::Initialized);
        let subscribed = RwSignal::new(Vec::new());
        let driver = Driver::new(config, api, state, subscribed, Rc::new(sink));
        let realtime = Realtime { state, subscribed, driver: StoredValue::new_local(driver) };
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

    /// The current socket's id while connected: requests that cause events send it as
    /// `X-Socket-ID`, so the backend leaves this tab out of their broadcast (`toOthers()`).
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
        self.driver.with_value(|driver| Driver::follow(driver, subscriber));
    }

    /// Opens the socket before there is anyone to serve, with no channel on it, so that the
    /// person's channels are subscribed one round trip sooner once [`Realtime::follow`] is
    /// given them: for while a stored session is being checked with the backend. Only where
    /// opening a socket asks for no credential (Pusher: each private channel is authorized
    /// on its own); a transport that opens with the token waits for `follow`.
    pub fn preconnect(&self) {
        self.driver.with_value(Driver::preconnect);
    }

    /// Tries to reconnect at once instead of waiting for the backoff.
    pub fn retry_now(&self) {
        self.driver.with_value(Driver::retry_now);
    }
}
