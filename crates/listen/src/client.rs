//! The tokio driver of `herald_protocol::Connection`, and the handle to it.
//!
//! [`Client::start`] spawns one driver task that owns the state machine. The task waits on
//! three things at once: inputs (socket frames and closes, authorizer answers), commands from
//! [`Client`] handles, and a `sleep_until` on the state machine's `poll_timeout`. After each,
//! it carries out every action the state machine queued and forwards every event it
//! reported. Sockets and authorization requests run as their own tasks and post their
//! results back as inputs, so the driver never waits on the network and is always free to
//! answer a ping or fire a timeout.
//!
//! Time is [`Millis`] since a tokio [`Instant`] taken at start, so tokio's paused clock
//! works in tests too.

use std::time::Duration;

use herald_protocol::{
    Action, AuthResult, Connection, ConnectionConfig, ConnectionState, Event, Millis, Output,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::backend::ChannelAuthorizer;
use crate::random_bits;
use crate::socket::{Socket, SocketInput};

/// How long a shutdown waits for the sockets to finish closing.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// How a [`Client`] is set up. Every field but the URL has a default.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The Pusher server's WebSocket URL ([`crate::socket_url`] builds it). No default.
    pub url: String,
    /// The state machine's tuning. Default: [`ConnectionConfig::pusher`].
    pub connection: ConnectionConfig,
    /// Signs private and presence channels. Default: none, and such channels then fail with
    /// `SubscriptionError::Unauthorized`, as they would for a signed-out person.
    pub authorizer: Option<ChannelAuthorizer>,
    /// The channels to subscribe from the start. Default: none.
    pub channels: Vec<String>,
    /// Report every frame sent and received as [`ClientEvent::Frame`] (like pusher-js's
    /// `logToConsole`). Default: false.
    pub trace_frames: bool,
    /// The seed of the reconnection jitter. Default: none, a random seed per client, so a
    /// crowd of listeners does not reconnect in step.
    pub seed: Option<u64>,
}

impl ClientConfig {
    pub fn new(url: String) -> ClientConfig {
        ClientConfig {
            url,
            connection: ConnectionConfig::pusher(),
            authorizer: None,
            channels: Vec::new(),
            trace_frames: false,
            seed: None,
        }
    }
}

/// What a client reports, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// What the state machine said, unchanged: state changes, subscription results and
    /// application events (`Event::Message`, with the short name and decoded data).
    Protocol(Event),
    /// The driver asked the authorizer to sign `channel` for `socket_id` (one per
    /// `Action::Authorize`, so retries can be counted).
    AuthorizationRequested { channel: String, socket_id: String },
    /// The authorizer answered; the state machine has been given this result.
    AuthorizationAnswered { channel: String, socket_id: String, result: AuthResult },
    /// The socket closed or failed to open, with the WebSocket close code (1006 when there
    /// was none) and the reason. The state machine's own account follows as a
    /// `StateChanged`; this says why, which the state machine does not keep.
    SocketClosed { code: u16, reason: String },
    /// A frame as it went over the socket; only with [`ClientConfig::trace_frames`].
    Frame { direction: Direction, text: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

/// The receiving end of a client's events. It is unbounded, so the driver never waits for
/// its reader (a slow reader must not delay a pong); read it promptly. It ends after the
/// client has shut down.
pub type Events = mpsc::UnboundedReceiver<ClientEvent>;

/// The connection as it stands, for a reader that wants the present rather than the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub state: ConnectionState,
    /// The channels confirmed on the current socket, in name order.
    pub subscribed: Vec<String>,
}

/// A handle to a running client. Cheap to clone; the client runs until [`Client::shutdown`],
/// until every handle is dropped, or until its [`Events`] receiver is dropped.
#[derive(Debug, Clone)]
pub struct Client {
    commands: mpsc::UnboundedSender<Command>,
    status: watch::Receiver<Status>,
    origin: Instant,
}

#[derive(Debug)]
enum Command {
    SetChannels(Vec<String>),
    RetryNow,
    Shutdown(oneshot::Sender<()>),
}

impl Client {
    /// Spawns the client on the current tokio runtime and starts connecting at once.
    ///
    /// # Panics
    /// Outside a tokio runtime, as `tokio::spawn` does.
    pub fn start(config: ClientConfig) -> (Client, Events) {
        let origin = Instant::now();
        let seed = config.seed.unwrap_or_else(random_bits);
        let mut conn = Connection::pusher(config.url, config.connection, seed);
        conn.set_channels(config.channels);
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let (inputs_tx, inputs_rx) = mpsc::unbounded_channel();
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let initial = Status { state: conn.state().clone(), subscribed: Vec::new() };
        let (status_tx, status_rx) = watch::channel(initial);
        let driver = Driver {
            conn,
            origin,
            authorizer: config.authorizer,
            trace_frames: config.trace_frames,
            socket: None,
            generation: 0,
            retired: Vec::new(),
            inputs: inputs_tx,
            events: events_tx,
            status: status_tx,
        };
        tokio::spawn(driver.run(inputs_rx, commands_rx));
        (Client { commands: commands_tx, status: status_rx, origin }, events_rx)
    }

    /// Makes `channels` the set the client carries: new ones are subscribed, missing ones
    /// unsubscribed, now and after every reconnect. A channel that was refused (403, 401,
    /// a rejected subscribe) is tried again only after it has been left and asked for anew.
    pub fn set_channels<I, S>(&self, channels: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let channels = channels.into_iter().map(Into::into).collect();
        let _ = self.commands.send(Command::SetChannels(channels));
    }

    /// Reconnects at once if the client is waiting to reconnect or has failed.
    pub fn retry_now(&self) {
        let _ = self.commands.send(Command::RetryNow);
    }

    /// Closes the socket normally and stops the client; returns once it has stopped (the
    /// socket's close frame sent, or a second gone by). The last events, ending with
    /// `StateChanged(Disconnected)`, are still in [`Events`]. Returns at once if the client
    /// has already stopped.
    pub async fn shutdown(&self) {
        let (ack, stopped) = oneshot::channel();
        if self.commands.send(Command::Shutdown(ack)).is_ok() {
            let _ = stopped.await;
        }
    }

    /// The connection as it stands now.
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// A receiver that is told of every change of [`Status`].
    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.status.clone()
    }

    /// The client's clock: the `Millis` its events use (`retry_at` in `Reconnecting`).
    pub fn now(&self) -> Millis {
        millis_since(self.origin)
    }
}

/// The task that owns the state machine.
struct Driver {
    conn: Connection,
    origin: Instant,
    authorizer: Option<ChannelAuthorizer>,
    trace_frames: bool,
    socket: Option<Socket>,
    /// Which socket is current: inputs from older ones are stale and dropped.
    generation: u64,
    /// Sockets closed on the state machine's request, still sending their close frame.
    retired: Vec<JoinHandle<()>>,
    inputs: mpsc::UnboundedSender<Input>,
    events: mpsc::UnboundedSender<ClientEvent>,
    status: watch::Sender<Status>,
}

/// What the driver's helper tasks post back.
#[derive(Debug)]
enum Input {
    Socket { generation: u64, input: SocketInput },
    Auth { channel: String, socket_id: String, result: AuthResult },
}

impl Driver {
    async fn run(
        mut self,
        mut inputs: mpsc::UnboundedReceiver<Input>,
        mut commands: mpsc::UnboundedReceiver<Command>,
    ) {
        let mut acks = Vec::new();
        self.conn.connect(self.now());
        loop {
            self.pump();
            if self.events.is_closed() {
                break; // Nobody is listening any more.
            }
            let deadline = self.conn.poll_timeout().and_then(|at| self.instant_of(at));
            tokio::select! {
                // The driver holds a sender itself, so `inputs` never ends.
                Some(input) = inputs.recv() => self.handle_input(input),
                command = commands.recv() => match command {
                    Some(Command::SetChannels(channels)) => self.conn.set_channels(channels),
                    Some(Command::RetryNow) => self.conn.retry_now(self.now()),
                    Some(Command::Shutdown(ack)) => {
                        acks.push(ack);
                        break;
                    }
                    None => break, // Every handle is gone.
                },
                () = sleep_until(deadline) => self.conn.handle_timeout(self.now()),
            }
        }

        self.conn.disconnect();
        self.pump();
        let retired = std::mem::take(&mut self.retired);
        let closing = async {
            for task in retired {
                let _ = task.await;
            }
        };
        // Each socket bounds its own goodbye; this bounds a socket stuck in a send.
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, closing).await;
        while let Ok(command) = commands.try_recv() {
            if let Command::Shutdown(ack) = command {
                acks.push(ack);
            }
        }
        for ack in acks {
            let _ = ack.send(());
        }
    }

    /// Carries out the state machine's actions and forwards its events until it has nothing
    /// more to say, then publishes the status.
    fn pump(&mut self) {
        while let Some(output) = self.conn.poll() {
            match output {
                Output::Action(action) => self.perform(action),
                Output::Event(event) => self.emit(ClientEvent::Protocol(event)),
            }
        }
        let status = Status {
            state: self.conn.state().clone(),
            subscribed: self.conn.subscribed_channels().map(str::to_owned).collect(),
        };
        self.status.send_if_modified(|current| {
            let changed = *current != status;
            *current = status;
            changed
        });
    }

    fn perform(&mut self, action: Action) {
        match action {
            Action::Open { url } => {
                self.retire_socket();
                self.generation += 1;
                let generation = self.generation;
                let inputs = self.inputs.clone();
                let report = move |input| {
                    let _ = inputs.send(Input::Socket { generation, input });
                };
                self.socket = Some(Socket::open(url, report));
            }
            Action::Send(text) => {
                if self.trace_frames {
                    self.emit(ClientEvent::Frame { direction: Direction::Sent, text: text.clone() });
                }
                if let Some(socket) = &self.socket {
                    socket.send(text);
                }
            }
            Action::Close => self.retire_socket(),
            Action::Authorize { channel, socket_id } => {
                self.emit(ClientEvent::AuthorizationRequested {
                    channel: channel.clone(),
                    socket_id: socket_id.clone(),
                });
                let authorizer = self.authorizer.clone();
                let inputs = self.inputs.clone();
                tokio::spawn(async move {
                    let result = match &authorizer {
                        Some(authorizer) => authorizer.authorize(&channel, &socket_id).await,
                        None => AuthResult::Unauthorized,
                    };
                    let _ = inputs.send(Input::Auth { channel, socket_id, result });
                });
            }
        }
    }

    fn handle_input(&mut self, input: Input) {
        let now = self.now();
        match input {
            Input::Socket { generation, input } => {
                if generation != self.generation || self.socket.is_none() {
                    return; // From a socket the state machine has already closed.
                }
                match input {
                    SocketInput::Opened => self.conn.handle_open(now),
                    SocketInput::Frame(text) => {
                        if self.trace_frames {
                            self.emit(ClientEvent::Frame {
                                direction: Direction::Received,
                                text: text.clone(),
                            });
                        }
                        self.conn.handle_frame(&text, now);
                    }
                    SocketInput::Closed { code, reason } => {
                        // The task has ended; there is nothing left to retire.
                        self.socket = None;
                        self.emit(ClientEvent::SocketClosed { code, reason: reason.clone() });
                        self.conn.handle_close(code, &reason, now);
                    }
                }
            }
            Input::Auth { channel, socket_id, result } => {
                self.emit(ClientEvent::AuthorizationAnswered {
                    channel: channel.clone(),
                    socket_id: socket_id.clone(),
                    result: result.clone(),
                });
                self.conn.handle_auth(&channel, &socket_id, result, now);
            }
        }
    }

    fn retire_socket(&mut self) {
        self.retired.retain(|task| !task.is_finished());
        if let Some(socket) = self.socket.take() {
            self.retired.push(socket.retire());
        }
    }

    fn emit(&self, event: ClientEvent) {
        // A closed receiver stops the driver at the top of its loop.
        let _ = self.events.send(event);
    }

    fn now(&self) -> Millis {
        millis_since(self.origin)
    }

    fn instant_of(&self, at: Millis) -> Option<Instant> {
        self.origin.checked_add(Duration::from_millis(at.0))
    }
}

fn millis_since(origin: Instant) -> Millis {
    Millis(u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX))
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
