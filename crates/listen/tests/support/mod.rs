//! A real Sockudo and a real demo backend as child processes (`herald-teststack`), the
//! backend's HTTP API as the listener's person calls it, and a recorder of a client's events
//! with the moment each arrived.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use herald_contract::signing::{Credentials, signed_query};
use herald_listen::{
    ChannelAuthorizer, Client, ClientConfig, ClientEvent, CurrentToken, Events, Grant, Token, User, sign_in,
    socket_url,
};
use herald_protocol::Event;
use herald_teststack::{APP_ID, APP_KEY, APP_SECRET, Devserver, Sockudo};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Sockudo and the demo backend, started together.
pub struct Stack {
    // The backend goes first, so it never sees Sockudo vanish under it.
    pub devserver: Devserver,
    pub sockudo: Sockudo,
    /// The backend's API.
    pub api: Api,
    http: reqwest::Client,
}

impl Stack {
    pub async fn start() -> Stack {
        Stack::start_with(&[]).await
    }

    /// The stack with the backend given `devserver_args` too (`--token-ttl 2`).
    pub async fn start_with(devserver_args: &[&str]) -> Stack {
        let sockudo = Sockudo::start().await;
        let pusher_url = sockudo.http_url();
        let pusher_args = ["--pusher-url", pusher_url.as_str()];
        let args: Vec<&OsStr> = pusher_args.iter().chain(devserver_args).map(OsStr::new).collect();
        let devserver = Devserver::start_with(&args).await;
        let api = Api { base: devserver.base.clone(), http: reqwest::Client::new() };
        Stack { devserver, sockudo, api, http: reqwest::Client::new() }
    }

    /// The access token of a seeded account and who it is.
    pub async fn sign_in(&self, email: &str) -> (Token, User) {
        let (grant, user) = self.sign_in_grant(email).await;
        (grant.token, user)
    }

    /// Every token a sign-in of a seeded account hands out, and who it is.
    pub async fn sign_in_grant(&self, email: &str) -> (Grant, User) {
        sign_in(&self.devserver.base, email, "password").await.expect("the seeded account signs in")
    }

    /// A client for `token`'s person on `channels`, with its events recorded. `token` may be
    /// a session's [`CurrentToken`], which the client then follows.
    pub fn listen(&self, token: impl Into<CurrentToken>, channels: &[&str]) -> (Client, Recorder) {
        let mut config = ClientConfig::new(socket_url(&self.sockudo.ws_url(), APP_KEY));
        config.authorizer = Some(ChannelAuthorizer::new(&self.devserver.base, token));
        config.channels = channels.iter().map(|channel| channel.to_string()).collect();
        let (client, events) = Client::start(config);
        (client, Recorder::new(events))
    }

    /// Publishes through Sockudo's HTTP API, signed as Pusher's server libraries sign.
    pub async fn trigger(&self, channel: &str, name: &str, data: &Value) {
        let path = format!("/apps/{APP_ID}/events");
        let body = json!({ "name": name, "channels": [channel], "data": data.to_string() }).to_string();
        let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let credentials =
            Credentials { app_id: APP_ID.to_owned(), key: APP_KEY.to_owned(), secret: APP_SECRET.to_owned() };
        let query =
            signed_query(&credentials, "POST", &path, Some(body.as_bytes()), timestamp, &BTreeMap::new());
        let response = self
            .http
            .post(format!("{}{path}", self.sockudo.http_url()))
            .query(&query)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("Sockudo answers a trigger");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "Sockudo refused the trigger: {status} {text}");
    }
}

/// An answer from the demo backend: its status and JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// The demo backend's HTTP API.
pub struct Api {
    pub base: String,
    http: reqwest::Client,
}

impl Api {
    /// Any request to the backend, as `token`'s person (or nobody), with `X-Socket-ID` when
    /// `socket_id` is given.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&Token>,
        body: Option<Value>,
        socket_id: Option<&str>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("accept", "application/json");
        if let Some(token) = token {
            request = request.bearer_auth(token.expose());
        }
        if let Some(socket_id) = socket_id {
            request = request.header("x-socket-id", socket_id);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap_or_else(|error| panic!("{method} {path}: {error}"));
        let status = response.status().as_u16();
        let text = response.text().await.expect("a readable body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer { status, body }
    }

    /// Like [`Api::call`], failing the test unless the answer is 2xx.
    pub async fn ok(&self, method: &str, path: &str, token: &Token, body: Option<Value>) -> Value {
        let answer = self.call(method, path, Some(token), body, None).await;
        assert!((200..300).contains(&answer.status), "{method} {path}: {} {}", answer.status, answer.body);
        answer.body
    }
}

/// An event and the moment the recorder received it.
#[derive(Debug, Clone)]
pub struct Stamped {
    pub at: Instant,
    pub event: ClientEvent,
}

/// Takes a client's events as they come, stamping each, so a test that is busy elsewhere
/// (polling `/up`) still learns when each one arrived.
pub struct Recorder {
    receiver: mpsc::UnboundedReceiver<Stamped>,
    /// Every event taken from the receiver so far, in order.
    pub seen: Vec<Stamped>,
}

impl Recorder {
    pub fn new(mut events: Events) -> Recorder {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if sender.send(Stamped { at: Instant::now(), event }).is_err() {
                    break;
                }
            }
        });
        Recorder { receiver, seen: Vec::new() }
    }

    /// The next event for which `wanted` holds, within `limit`; `None` when none came.
    pub async fn next_where(
        &mut self,
        limit: Duration,
        wanted: impl Fn(&ClientEvent) -> bool,
    ) -> Option<Stamped> {
        let deadline = Instant::now() + limit;
        loop {
            let stamped = tokio::time::timeout_at(deadline, self.receiver.recv()).await.ok()??;
            self.seen.push(stamped.clone());
            if wanted(&stamped.event) {
                return Some(stamped);
            }
        }
    }

    /// Like [`Recorder::next_where`], but a missing event fails the test with what came instead.
    pub async fn expect(
        &mut self,
        limit: Duration,
        what: &str,
        wanted: impl Fn(&ClientEvent) -> bool,
    ) -> Stamped {
        match self.next_where(limit, wanted).await {
            Some(stamped) => stamped,
            None => panic!("no {what} within {limit:?}; the events so far:\n{}", self.history()),
        }
    }

    /// Waits until every channel in `channels` has been confirmed (once each, from now on);
    /// returns the moment the last one was.
    pub async fn expect_subscribed(&mut self, limit: Duration, channels: &[&str]) -> Instant {
        let deadline = Instant::now() + limit;
        let mut missing: Vec<String> = channels.iter().map(|c| c.to_string()).collect();
        let mut last = Instant::now();
        while !missing.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let stamped = self
                .expect(left, &format!("subscription of {missing:?}"), |event| {
                    matches!(event, ClientEvent::Protocol(Event::Subscribed { channel }) if missing.contains(channel))
                })
                .await;
            if let ClientEvent::Protocol(Event::Subscribed { channel }) = &stamped.event {
                missing.retain(|c| c != channel);
            }
            last = stamped.at;
        }
        last
    }

    /// How many events seen so far satisfy `counted`.
    pub fn count(&self, counted: impl Fn(&ClientEvent) -> bool) -> usize {
        self.seen.iter().filter(|stamped| counted(&stamped.event)).count()
    }

    /// The events seen so far, one per line, for failure messages.
    pub fn history(&self) -> String {
        let start = self.seen.first().map(|s| s.at);
        self.seen
            .iter()
            .map(|s| {
                let ms = start.map_or(0, |start| s.at.saturating_duration_since(start).as_millis());
                format!("  +{ms} ms {:?}", s.event)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
