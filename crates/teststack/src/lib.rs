//! The servers Herald's Rust test suites run against, as child processes on free ports: a
//! real Sockudo ([`Sockudo`]), the demo backend's binary ([`Devserver`]) and the Django
//! Channels server under Daphne ([`Daphne`]). `herald-listen`'s and `herald-devserver`'s
//! tests use them; `e2e/support/stack.ts` is the same for the end-to-end tests.
//!
//! Every child is killed when its handle is dropped, so a failing test leaves nothing behind;
//! when the drop happens during a panic, the end of the child's log is printed with the
//! failure. Each child runs in a scratch folder of its own with an empty environment plus what
//! it is given, so the test's own `HERALD_*` variables never reach it.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::time::{Instant, timeout};

/// CONTRACT.md's development app: the id, key and secret Sockudo is started with.
pub const APP_ID: &str = "herald";
pub const APP_KEY: &str = "herald-key";
pub const APP_SECRET: &str = "herald-secret";

/// A bound on waiting for a child to become ready (generous for a loaded 2-core machine), not a
/// way to wait for it.
pub const READY_LIMIT: Duration = Duration::from_secs(15);

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A free loopback port. Another process could take it before the child binds it; with the
/// kernel handing out ports in sequence, that does not happen in practice.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("a bound address").port()
}

/// A scratch folder in the temp dir, removed when dropped.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(label: &str) -> ScratchDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("herald-test-{label}-{}-{n}", std::process::id()));
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

/// A running child with its output (stdout and stderr, or stderr alone) in a log file; killed
/// (SIGKILL) and reaped when dropped, its log's end printed if that happens in a panic.
pub struct Process {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `command` logging to `dir/<name>-<n>.log`, in `dir` unless the command names a
    /// folder. With `keep_stdout`, stdout is piped for the caller instead.
    fn spawn(name: &'static str, command: &mut Command, dir: &Path, keep_stdout: bool) -> Process {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let log = dir.join(format!("{name}-{}.log", NEXT.fetch_add(1, Ordering::Relaxed)));
        let file = File::create(&log).expect("a log file");
        let stdout = if keep_stdout {
            Stdio::piped()
        } else {
            Stdio::from(file.try_clone().expect("a second handle on the log"))
        };
        if command.get_current_dir().is_none() {
            command.current_dir(dir);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(file)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name} ({command:?}): {error}"));
        Process { name, child, log }
    }

    /// Everything the child has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// `Some` once the child has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM, then waits for the exit; fails the test if that takes longer than `limit` (a
    /// bound on a hang, not a way to wait for something to happen).
    pub async fn terminate(&mut self, limit: Duration) -> ExitStatus {
        let sent = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        assert!(sent.is_ok_and(|status| status.success()), "cannot send SIGTERM to {}", self.name);
        let exited = async {
            loop {
                if let Some(status) = self.exited() {
                    return status;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        timeout(limit, exited).await.unwrap_or_else(|_| panic!("{} did not exit within {limit:?}", self.name))
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Polls `GET url` until it answers 2xx; returns the moment it did. Fails the test if the
    /// child exits first or [`READY_LIMIT`] passes.
    async fn wait_up(&mut self, url: &str) -> Instant {
        let http = reqwest::Client::new();
        let poll = async {
            loop {
                if let Some(exit) = self.exited() {
                    panic!("{} exited while starting ({exit}):\n{}", self.name, self.log());
                }
                if let Ok(response) = http.get(url).send().await
                    && response.status().is_success()
                {
                    return Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        timeout(READY_LIMIT, poll).await.unwrap_or_else(|_| panic!("{} does not answer {url}", self.name))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!("--- last lines of {}'s log ---", self.name);
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// Sockudo 5.2.0 on free ports, configured as TOOLCHAIN.md says: `HERALD_SOCKUDO_BIN`, or where
/// `cargo xtask` installs it.
pub struct Sockudo {
    binary: PathBuf,
    pub port: u16,
    metrics_port: u16,
    process: Option<Process>,
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
            process: None,
            dir: ScratchDir::new("sockudo"),
        };
        sockudo.spawn().await;
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
        self.process = None;
    }

    /// Starts it again on the same ports; returns the moment `/up` first answered.
    pub async fn restart(&mut self) -> Instant {
        self.kill();
        self.spawn().await
    }

    async fn spawn(&mut self) -> Instant {
        let mut command = Command::new(&self.binary);
        command
            .env_clear()
            .env("HOST", "127.0.0.1")
            .env("PORT", self.port.to_string())
            .env("METRICS_HOST", "127.0.0.1")
            .env("METRICS_PORT", self.metrics_port.to_string())
            .env("SOCKUDO_DEFAULT_APP_ID", APP_ID)
            .env("SOCKUDO_DEFAULT_APP_KEY", APP_KEY)
            .env("SOCKUDO_DEFAULT_APP_SECRET", APP_SECRET)
            .env("QUEUE_DRIVER", "memory")
            .env("RATE_LIMITER_ENABLED", "false");
        let process = self.process.insert(Process::spawn("sockudo", &mut command, self.dir.path(), false));
        process.wait_up(&format!("http://127.0.0.1:{}/up", self.port)).await
    }
}

/// The demo backend's binary (`herald-devserver`): `HERALD_DEVSERVER_BIN`, or this checkout's
/// debug build.
pub struct Devserver {
    /// `http://127.0.0.1:PORT`, from the line it prints once it listens.
    pub base: String,
    pub process: Process,
    http: reqwest::Client,
    _dir: ScratchDir,
}

impl Devserver {
    /// The backend publishing to the Sockudo at `pusher_url`, its data in memory.
    pub async fn start(pusher_url: &str) -> Devserver {
        Devserver::start_with(&["--pusher-url".as_ref(), pusher_url.as_ref()]).await
    }

    /// [`Devserver::start_binary`] with `HERALD_DEVSERVER_BIN`, or this checkout's debug build.
    pub async fn start_with(args: &[&OsStr]) -> Devserver {
        let binary = std::env::var_os("HERALD_DEVSERVER_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("target/debug/herald-devserver"));
        Devserver::start_binary(&binary, args).await
    }

    /// `binary` on a free port, its data in memory unless `args` say otherwise (the last
    /// occurrence of a flag wins), Sockudo nowhere unless they name one.
    pub async fn start_binary(binary: &Path, args: &[&OsStr]) -> Devserver {
        assert!(
            binary.is_file(),
            "no demo backend at {}: run `cargo build -p herald-devserver` first (or set HERALD_DEVSERVER_BIN)",
            binary.display()
        );
        let dir = ScratchDir::new("devserver");
        let mut command = Command::new(binary);
        command
            .env_clear()
            .args(["--addr", "127.0.0.1:0", "--pusher-url", "http://127.0.0.1:9", "--data-dir", ":memory:"])
            .args(args);
        let mut process = Process::spawn("herald-devserver", &mut command, dir.path(), true);
        let stdout = process.child.stdout.take().expect("a piped stdout");
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
            .unwrap_or_else(|| {
                panic!("unexpected first line from the devserver: {line:?}\n{}", process.log())
            })
            .to_owned();
        Devserver { base, process, http: reqwest::Client::new(), _dir: dir }
    }

    /// `POST /api/dev/events`; returns its answer (`published`, `channel`, `event`, `ids`).
    pub async fn fire(&self, request: Value) -> Value {
        fire(&self.http, &self.base, request).await
    }
}

/// `POST /api/dev/events` to the demo backend at `base`, as the end-to-end tests cause events;
/// returns its answer (`published`, `channel`, `event`, `ids`), failing the test unless 2xx.
pub async fn fire(http: &reqwest::Client, base: &str, request: Value) -> Value {
    let response = http
        .post(format!("{base}/api/dev/events"))
        .json(&request)
        .send()
        .await
        .expect("the devserver answers");
    let status = response.status();
    let answer: Value = response.json().await.expect("a JSON answer");
    assert!(status.is_success(), "the devserver refused {request}: {status} {answer}");
    answer
}

/// The Django Channels server (`channels_server/`) under Daphne, on a port Daphne picks.
pub struct Daphne {
    pub port: u16,
    process: Process,
    _dir: ScratchDir,
}

/// What Daphne's server is started with.
pub struct DaphneSettings<'a> {
    /// The demo backend it asks `GET /api/me` for each connection.
    pub api_url: &'a str,
    /// The backend's `--jwt-secret`.
    pub jwt_secret: &'a str,
    /// `X-Broadcast-Secret` for `POST /broadcast`: the backend's `--channels-secret`.
    pub broadcast_secret: &'a str,
}

impl Daphne {
    pub async fn start(settings: &DaphneSettings<'_>) -> Daphne {
        let binary = daphne_binary();
        assert!(
            binary.is_file(),
            "no Daphne at {} (run `cargo xtask test`, which makes the virtualenv, or set HERALD_DAPHNE_BIN)",
            binary.display()
        );
        let dir = ScratchDir::new("daphne");
        let mut command = Command::new(&binary);
        command
            .args(["-b", "127.0.0.1", "-p", "0", "herald_channels.asgi:application"])
            .current_dir(repo_root().join("channels_server"))
            .env_clear()
            .env("HERALD_API_URL", settings.api_url)
            .env("HERALD_JWT_SECRET", settings.jwt_secret)
            .env("HERALD_CHANNELS_SECRET", settings.broadcast_secret)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1");
        let mut process = Process::spawn("daphne", &mut command, dir.path(), false);
        // Daphne binds port 0 and says which port it got.
        let said = async {
            loop {
                let log = process.log();
                let port = log
                    .lines()
                    .find_map(|line| line.split("Listening on TCP address 127.0.0.1:").nth(1))
                    .and_then(|rest| rest.trim().parse::<u16>().ok());
                if let Some(port) = port {
                    return port;
                }
                if let Some(exit) = process.exited() {
                    panic!("Daphne exited while starting ({exit}):\n{log}");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        let port = timeout(READY_LIMIT, said)
            .await
            .unwrap_or_else(|_| panic!("Daphne did not say where it listens:\n{}", process.log()));
        process.wait_up(&format!("http://127.0.0.1:{port}/up")).await;
        Daphne { port, process, _dir: dir }
    }

    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The app's WebSocket URL, with `?token=` when there is one.
    pub fn ws_url(&self, token: Option<&str>) -> String {
        let base = format!("ws://127.0.0.1:{}/ws/notifications/", self.port);
        match token {
            Some(token) => format!("{base}?token={token}"),
            None => base,
        }
    }

    /// Everything Daphne printed so far.
    pub fn log(&self) -> String {
        self.process.log()
    }
}

/// `HERALD_DAPHNE_BIN`, or where `cargo xtask` makes the virtualenv
/// (`xtask/src/channels_server.rs`): `$HERALD_TOOLS` (default `~/.cache/herald/tools`),
/// `channels-server-venv-<hash>/bin/daphne`.
fn daphne_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("HERALD_DAPHNE_BIN") {
        return PathBuf::from(path);
    }
    let tools = std::env::var_os("HERALD_TOOLS").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".cache/herald/tools")
    });
    let requirements = std::fs::read_to_string(repo_root().join("channels_server/requirements.txt"))
        .expect("channels_server/requirements.txt is readable");
    let pins: Vec<&str> = requirements
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    let hash = hex::encode(Sha256::digest(pins.join("\n")));
    tools.join(format!("channels-server-venv-{}/bin/daphne", &hash[..12]))
}
