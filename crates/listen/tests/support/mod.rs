//! A real Sockudo and a real demo backend as child processes, and a recorder of a client's
//! events with the moment each arrived.
//!
//! Every child is killed when its guard is dropped, so a failing test leaves nothing behind;
//! when the drop happens during a panic, the end of the child's log is printed with the
//! failure.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use herald_listen::{
    ChannelAuthorizer, Client, ClientConfig, ClientEvent, Events, Token, User, sign_in, socket_url,
};
use herald_protocol::Event;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

pub const APP_ID: &str = "herald";
pub const APP_KEY: &str = "herald-key";
pub const APP_SECRET: &str = "herald-secret";

/// A bound on waiting for a child to become ready, not a way to wait for it.
const READY_LIMIT: Duration = Duration::from_secs(15);

/// A scratch folder, removed when dropped.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(label: &str) -> ScratchDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("herald-listen-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a scratch folder in the temp dir");
        ScratchDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process, killed (SIGKILL) and reaped when dropped.
struct Guard {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Guard {
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!("--- last lines of {}'s log ---", self.name);
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// A free loopback port. Another process could take it before the child binds it; with the
/// kernel handing out ports in sequence, that does not happen in practice.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("a bound address").port()
}

/// Sockudo 5.2.0 on free ports, configured as TOOLCHAIN.md says.
pub struct Sockudo {
    binary: PathBuf,
    pub port: u16,
    metrics_port: u16,
    guard: Option<Guard>,
    runs: u32,
    http: reqwest::Client,
    // Last, so the folder is removed after the child is gone.
    dir: ScratchDir,
}

impl Sockudo {
    pub async fn start() -> Sockudo {
        let binary = std::env::var_os("HERALD_SOCKUDO_BIN").map(PathBuf::from).unwrap_or_else(|| {
            let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
            home.join(".cache/herald/tools/sockudo-5.2.0/bin/sockudo")
        });
        assert!(
            binary.is_file(),
            "no Sockudo at {} (set HERALD_SOCKUDO_BIN, or install it as TOOLCHAIN.md says)",
            binary.display()
        );
        let mut sockudo = Sockudo {
            binary,
            port: free_port(),
            metrics_port: free_port(),
            guard: None,
            runs: 0,
            http: reqwest::Client::new(),
            dir: ScratchDir::new("sockudo"),
        };
        sockudo.spawn();
        sockudo.wait_up().await;
        sockudo
    }

    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: no goodbye to its clients, as in a crash.
    pub fn kill(&mut self) {
        if let Some(mut guard) = self.guard.take() {
            guard.kill();
        }
    }

    /// Starts it again on the same ports; returns the moment `/up` first answered.
    pub async fn restart(&mut self) -> Instant {
        self.kill();
        self.spawn();
        self.wait_up().await
    }

    fn spawn(&mut self) {
        self.runs += 1;
        let log_path = self.dir.path().join(format!("sockudo-{}.log", self.runs));
        let log = std::fs::File::create(&log_path).expect("a log file");
        let child = Command::new(&self.binary)
            .current_dir(self.dir.path())
            .env_clear()
            .env("HOST", "127.0.0.1")
            .env("PORT", self.port.to_string())
            .env("METRICS_HOST", "127.0.0.1")
            .env("METRICS_PORT", self.metrics_port.to_string())
            .env("SOCKUDO_DEFAULT_APP_ID", APP_ID)
            .env("SOCKUDO_DEFAULT_APP_KEY", APP_KEY)
            .env("SOCKUDO_DEFAULT_APP_SECRET", APP_SECRET)
            .env("QUEUE_DRIVER", "memory")
            .env("RATE_LIMITER_ENABLED", "false")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a second handle on the log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", self.binary.display()));
        self.guard = Some(Guard { name: "sockudo", child, log: log_path });
    }

    /// Polls `GET /up` until it answers `OK`; returns the moment it did.
    async fn wait_up(&mut self) -> Instant {
        let url = format!("{}/up", self.http_url());
        let poll = async {
            loop {
                if let Some(guard) = &mut self.guard
                    && let Ok(Some(exit)) = guard.child.try_wait()
                {
                    panic!("Sockudo exited while starting: {exit}");
                }
                if let Ok(response) = self.http.get(&url).send().await
                    && response.status().is_success()
                {
                    return Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        timeout(READY_LIMIT, poll).await.expect("Sockudo answers /up")
    }

    /// Publishes through Sockudo's HTTP API, signed as Pusher's server libraries sign.
    pub async fn trigger(&self, channel: &str, name: &str, data: &Value) {
        let path = format!("/apps/{APP_ID}/events");
        let body = json!({ "name": name, "channels": [channel], "data": data.to_string() }).to_string();
        let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let mut query = BTreeMap::from([
            ("auth_key", APP_KEY.to_owned()),
            ("auth_timestamp", timestamp.to_string()),
            ("auth_version", "1.0".to_owned()),
            ("body_md5", hex::encode(Md5::digest(body.as_bytes()))),
        ]);
        let signed: Vec<String> = query.iter().map(|(key, value)| format!("{key}={value}")).collect();
        let mut mac = Hmac::<Sha256>::new_from_slice(APP_SECRET.as_bytes()).unwrap();
        mac.update(format!("POST\n{path}\n{}", signed.join("&")).as_bytes());
        query.insert("auth_signature", hex::encode(mac.finalize().into_bytes()));
        let response = self
            .http
            .post(format!("{}{path}", self.http_url()))
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

/// The demo backend (`herald-devserver`) pointed at a Sockudo.
pub struct Devserver {
    pub base: String,
    http: reqwest::Client,
    _guard: Guard,
    _dir: ScratchDir,
}

impl Devserver {
    pub async fn start(pusher_url: &str) -> Devserver {
        let binary = std::env::var_os("HERALD_DEVSERVER_BIN").map(PathBuf::from).unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/herald-devserver")
        });
        assert!(
            binary.is_file(),
            "no demo backend at {}: run `cargo build -p herald-devserver` first (or set HERALD_DEVSERVER_BIN)",
            binary.display()
        );
        let dir = ScratchDir::new("devserver");
        let log_path = dir.path().join("devserver.log");
        let log = std::fs::File::create(&log_path).expect("a log file");
        let mut child = Command::new(&binary)
            .current_dir(dir.path())
            .env_clear()
            .args(["--addr", "127.0.0.1:0", "--pusher-url", pusher_url, "--data-dir", ":memory:"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        let stdout = child.stdout.take().expect("a piped stdout");
        let guard = Guard { name: "herald-devserver", child, log: log_path };
        let first_line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let line = timeout(READY_LIMIT, first_line)
            .await
            .expect("the devserver prints its address")
            .expect("the reading thread finishes")
            .expect("the devserver's stdout is readable");
        let base = line
            .trim()
            .strip_prefix("herald-devserver listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from the devserver: {line:?}"))
            .to_owned();
        Devserver { base, http: reqwest::Client::new(), _guard: guard, _dir: dir }
    }

    /// `POST /api/dev/events`; returns its answer (`published`, `channel`, `event`, `ids`).
    pub async fn fire(&self, request: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/api/dev/events", self.base))
            .json(&request)
            .send()
            .await
            .expect("the devserver answers");
        let status = response.status();
        let answer: Value = response.json().await.expect("a JSON answer");
        assert!(status.is_success(), "the devserver refused {request}: {status} {answer}");
        answer
    }
}

/// An answer from the demo backend: its status and JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Devserver {
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

    /// Like [`Devserver::call`], failing the test unless the answer is 2xx.
    pub async fn ok(&self, method: &str, path: &str, token: &Token, body: Option<Value>) -> Value {
        let answer = self.call(method, path, Some(token), body, None).await;
        assert!((200..300).contains(&answer.status), "{method} {path}: {} {}", answer.status, answer.body);
        answer.body
    }
}

/// Sockudo and the demo backend, started together.
pub struct Stack {
    // The backend goes first, so it never sees Sockudo vanish under it.
    pub devserver: Devserver,
    pub sockudo: Sockudo,
}

impl Stack {
    pub async fn start() -> Stack {
        let sockudo = Sockudo::start().await;
        let devserver = Devserver::start(&sockudo.http_url()).await;
        Stack { devserver, sockudo }
    }

    pub async fn sign_in(&self, email: &str) -> (Token, User) {
        sign_in(&self.devserver.base, email, "password").await.expect("the seeded account signs in")
    }

    /// A client for `token`'s person on `channels`, with its events recorded.
    pub fn listen(&self, token: Token, channels: &[&str]) -> (Client, Recorder) {
        let mut config = ClientConfig::new(socket_url(&self.sockudo.ws_url(), APP_KEY));
        config.authorizer = Some(ChannelAuthorizer::new(&self.devserver.base, token));
        config.channels = channels.iter().map(|channel| channel.to_string()).collect();
        let (client, events) = Client::start(config);
        (client, Recorder::new(events))
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
