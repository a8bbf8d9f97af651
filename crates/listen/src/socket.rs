//! One WebSocket, owned by one task.
//!
//! The task connects, reports `Opened`, then forwards every text frame it reads and sends
//! every frame the driver queues. When the socket ends — a close frame, an error, EOF, or a
//! connect that fails — it reports `Closed` once with a WebSocket close code (1006 when there
//! is none) and stops. When the driver retires the socket (drops [`Socket`]'s sender), the
//! task sends a normal close (1000) and stops without reporting: the state machine asked for
//! that close and expects no `handle_close` for it.
//!
//! Invariant: only this module touches a WebSocket.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The close code for "closed without a close frame" (RFC 6455).
pub(crate) const ABNORMAL_CLOSURE: u16 = 1006;

/// How long a retired socket may take to say goodbye before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// What a socket reports to the driver.
#[derive(Debug)]
pub(crate) enum SocketInput {
    Opened,
    Frame(String),
    Closed { code: u16, reason: String },
}

/// The driver's side of one socket task.
pub(crate) struct Socket {
    outgoing: mpsc::UnboundedSender<String>,
    task: JoinHandle<()>,
}

impl Socket {
    /// Starts a task that opens `url` and reports through `report`.
    pub(crate) fn open(url: String, report: impl Fn(SocketInput) + Send + 'static) -> Socket {
        let (outgoing, queued) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(url, queued, report));
        Socket { outgoing, task }
    }

    /// Queues a text frame. Frames queued before the socket opens are sent once it does.
    pub(crate) fn send(&self, text: String) {
        // If the task has ended, its `Closed` report is already on its way to the driver.
        let _ = self.outgoing.send(text);
    }

    /// Closes the socket normally. The returned task ends within a second or so.
    pub(crate) fn retire(self) -> JoinHandle<()> {
        drop(self.outgoing);
        self.task
    }
}

async fn run(url: String, mut outgoing: mpsc::UnboundedReceiver<String>, report: impl Fn(SocketInput)) {
    let mut queued = Vec::new();
    let connect = tokio_tungstenite::connect_async(url.as_str());
    tokio::pin!(connect);
    let mut ws = loop {
        tokio::select! {
            result = &mut connect => match result {
                Ok((ws, _response)) => break ws,
                Err(error) => {
                    let reason = format!("cannot connect: {error}");
                    report(SocketInput::Closed { code: ABNORMAL_CLOSURE, reason });
                    return;
                }
            },
            text = outgoing.recv() => match text {
                Some(text) => queued.push(text),
                // Retired before it opened (a connect timeout): nothing to close.
                None => return,
            },
        }
    };
    report(SocketInput::Opened);
    for text in queued {
        if let Err(error) = ws.send(Message::text(text)).await {
            report(SocketInput::Closed { code: ABNORMAL_CLOSURE, reason: format!("send failed: {error}") });
            return;
        }
    }

    // The close frame the server sent, if any; the socket ends for good when the stream does.
    let mut close_frame: Option<(u16, String)> = None;
    let (code, reason) = loop {
        tokio::select! {
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => report(SocketInput::Frame(text.as_str().to_owned())),
                Some(Ok(Message::Close(frame))) => {
                    // tungstenite answers the close itself; the stream ends after it.
                    close_frame = Some(match frame {
                        Some(frame) => (u16::from(frame.code), frame.reason.as_str().to_owned()),
                        None => (1005, String::new()),
                    });
                }
                // Pings are answered by tungstenite; Pusher sends no binary frames.
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    break close_frame.unwrap_or_else(|| (ABNORMAL_CLOSURE, error.to_string()));
                }
                None => {
                    break close_frame
                        .unwrap_or_else(|| (ABNORMAL_CLOSURE, "the connection ended without a close frame".to_owned()));
                }
            },
            text = outgoing.recv() => match text {
                Some(text) => {
                    if let Err(error) = ws.send(Message::text(text)).await {
                        break (ABNORMAL_CLOSURE, format!("send failed: {error}"));
                    }
                }
                None => {
                    let normal = CloseFrame { code: CloseCode::Normal, reason: "".into() };
                    let _ = tokio::time::timeout(CLOSE_GRACE, ws.close(Some(normal))).await;
                    return;
                }
            },
        }
    };
    report(SocketInput::Closed { code, reason });
}
