//! `cargo xtask demo [--transport pusher|channels]`: the whole stack on the dev defaults of
//! CONTRACT.md, until Ctrl-C.
//!
//! `pusher` (the default): Sockudo, the devserver and `trunk serve` at :8080, which proxies the
//! API. `channels`: the Django Channels server (Daphne) at :8001 as well, the devserver
//! publishing to it, and the app served by the devserver itself at :8000 from a `trunk watch`
//! build: `trunk serve` could only hand out `public/config.json` and Trunk.toml's policy, both
//! for Sockudo, while the devserver's `--serve-app` rewrites `config.json` to the Channels
//! transport and sends the policy for it. `trunk watch` rebuilds on changes as `trunk serve`
//! would; reload by hand.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::Result;
use crate::channels_server::{ChannelsServer, ChannelsServerSettings};
use crate::process::{self, Service};
use crate::tools::{self, Apt, Tools};

const SOCKUDO_PORT: u16 = 6001;
const DEVSERVER_PORT: u16 = 8000;
/// Trunk.toml's `[serve] port`; Trunk proxies /api and /broadcasting to the devserver.
const APP_PORT: u16 = 8080;
/// Daphne, serving the Django Channels server, with `--transport channels`.
const CHANNELS_PORT: u16 = 8001;
/// The seed's accounts, printed once the demo is up.
const ACCOUNTS: &str = "\
Development accounts (development values only; password `password` for all):
  admin@herald.test   system admin
  owner@acme.test     tenant admin, Acme
  owner@globex.test   tenant admin, Globex
  user@acme.test      user, Acme
";
/// How long the first build of the app may take (minutes on a fresh machine).
const FIRST_BUILD_LIMIT: Duration = Duration::from_secs(30 * 60);

/// Which WebSocket server the demo's app uses.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    /// Sockudo, served by `trunk serve` at :8080.
    Pusher,
    /// The Django Channels server (Daphne), the app served by the devserver at :8000.
    Channels,
}

pub fn run(root: &Path, transport: Transport) -> Result {
    let mut apt = Apt::default();
    let tools = Tools::ensure(root, &mut apt)?;
    let channels_server = match transport {
        Transport::Channels => Some(ChannelsServer::ensure(root, &mut apt)?),
        Transport::Pusher => None,
    };
    process::ensure_port_free(SOCKUDO_PORT, "Sockudo")?;
    process::ensure_port_free(DEVSERVER_PORT, "herald-devserver")?;
    match transport {
        Transport::Pusher => process::ensure_port_free(APP_PORT, "trunk serve")?,
        Transport::Channels => process::ensure_port_free(CHANNELS_PORT, "the Channels server (Daphne)")?,
    }
    process::run(tools::cargo_command(root).args(["build", "--package", "herald-devserver"]))?;

    process::handle_stop_signals();
    // Stopped in reverse order however start-up or supervision ends, so nothing outlives xtask.
    let mut services: Vec<Service> = Vec::new();
    let outcome = match &channels_server {
        None => start_and_supervise(root, &tools, &mut services),
        Some(channels_server) => start_channels_and_supervise(root, &tools, channels_server, &mut services),
    };
    if process::stop_requested() {
        println!("\nxtask: stopping");
    }
    while let Some(mut service) = services.pop() {
        service.stop();
    }
    outcome
}

fn start_and_supervise(root: &Path, tools: &Tools, services: &mut Vec<Service>) -> Result {
    start_sockudo(root, tools, services)?;
    start_devserver(root, services, &[])?;
    // Trunk builds into a folder of its own, emptied first: `dist/` stays the release build
    // `cargo xtask test` makes, and `/` answers only once this run's first build is done.
    let trunk_dist = crate::target_dir(root).join("herald/demo-dist");
    let _ = fs::remove_dir_all(&trunk_dist);
    println!("xtask: waiting for trunk's first build of the app (minutes the first time)");
    start(
        services,
        "trunk serve",
        &mut trunk(root, tools, "serve", &trunk_dist),
        APP_PORT,
        "/",
        FIRST_BUILD_LIMIT,
    )?;

    println!(
        "\n\
         Herald is running at http://127.0.0.1:{APP_PORT}\n\
         \n\
         {ACCOUNTS}\n\
         Press Ctrl-C to stop Sockudo, the demo backend and trunk.\n"
    );
    supervise(services)
}

/// The `channels` demo: Sockudo (the devserver still publishes there), Daphne, a `trunk watch`
/// build of the app, and the devserver serving that build with `--channels-url`.
fn start_channels_and_supervise(
    root: &Path,
    tools: &Tools,
    channels_server: &ChannelsServer,
    services: &mut Vec<Service>,
) -> Result {
    start_sockudo(root, tools, services)?;
    let devserver_url = format!("http://127.0.0.1:{DEVSERVER_PORT}");
    let settings = ChannelsServerSettings {
        port: CHANNELS_PORT,
        api_url: &devserver_url,
        // The devserver's defaults for --channels-secret and --jwt-secret.
        broadcast_secret: "herald-channels-secret",
        jwt_secret: "herald-dev-jwt-secret",
    };
    start(
        services,
        "the Channels server (Daphne)",
        &mut channels_server.command(&settings),
        CHANNELS_PORT,
        "/up",
        Duration::from_secs(30),
    )?;
    // Emptied first, so that index.html appearing means this run's first build is done.
    let dist = crate::target_dir(root).join("herald/demo-channels-dist");
    let _ = fs::remove_dir_all(&dist);
    println!("xtask: waiting for trunk's first build of the app (minutes the first time)");
    services.push(Service::spawn("trunk watch", &mut trunk(root, tools, "watch", &dist))?);
    wait_for_file(services.last_mut().expect("just pushed"), &dist.join("index.html"), FIRST_BUILD_LIMIT)?;
    let channels_url = format!("http://127.0.0.1:{CHANNELS_PORT}");
    start_devserver(
        root,
        services,
        &["--channels-url".as_ref(), channels_url.as_ref(), "--serve-app".as_ref(), dist.as_os_str()],
    )?;

    println!(
        "\n\
         Herald is running at http://127.0.0.1:{DEVSERVER_PORT} on the Django Channels transport\n\
         (Daphne at ws://127.0.0.1:{CHANNELS_PORT}/ws/notifications/).\n\
         \n\
         {ACCOUNTS}\n\
         trunk watch rebuilds the app on changes; reload by hand.\n\
         Press Ctrl-C to stop Sockudo, Daphne, trunk and the demo backend.\n"
    );
    supervise(services)
}

/// `trunk serve` or `trunk watch` (`subcommand`) building the app into `dist`.
fn trunk(root: &Path, tools: &Tools, subcommand: &str, dist: &Path) -> Command {
    let mut command = Command::new(&tools.trunk);
    command
        .args([subcommand, "--offline", "--dist"])
        .arg(dist)
        .current_dir(root)
        .env("PATH", tools.path_for_trunk());
    command
}

/// The devserver on its demo port, publishing to Sockudo's, with `extra` flags.
fn start_devserver(root: &Path, services: &mut Vec<Service>, extra: &[&std::ffi::OsStr]) -> Result {
    start(
        services,
        "herald-devserver",
        Command::new(crate::target_dir(root).join("debug/herald-devserver"))
            .current_dir(root)
            .args(["--addr".to_string(), format!("127.0.0.1:{DEVSERVER_PORT}")])
            .args(["--pusher-url".to_string(), format!("http://127.0.0.1:{SOCKUDO_PORT}")])
            .args(extra),
        DEVSERVER_PORT,
        "/up",
        Duration::from_secs(30),
    )
}

/// Sockudo on its demo port, in a fresh empty folder: Sockudo reads ./config/config.toml or
/// .json when there is one.
fn start_sockudo(root: &Path, tools: &Tools, services: &mut Vec<Service>) -> Result {
    let sockudo_dir = crate::target_dir(root).join("herald/demo-sockudo");
    let _ = fs::remove_dir_all(&sockudo_dir);
    fs::create_dir_all(&sockudo_dir).map_err(|error| format!("{}: {error}", sockudo_dir.display()))?;
    let metrics_port = process::free_port()?;
    start(
        services,
        "Sockudo",
        Command::new(&tools.sockudo).current_dir(&sockudo_dir).envs(sockudo_env(SOCKUDO_PORT, metrics_port)),
        SOCKUDO_PORT,
        "/up",
        Duration::from_secs(30),
    )
}

/// Until Ctrl-C, or until a service exits.
fn supervise(services: &mut [Service]) -> Result {
    while !process::stop_requested() {
        for service in services.iter_mut() {
            if let Some(status) = service.exited() {
                return Err(format!("{} exited ({status}); stopping the rest", service.name()));
            }
        }
        thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// Waits until `file` exists. Fails if `service` exits first, on Ctrl-C, or after `timeout`.
fn wait_for_file(service: &mut Service, file: &Path, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    while !file.is_file() {
        if process::stop_requested() {
            return Err("interrupted".into());
        }
        if let Some(status) = service.exited() {
            return Err(format!("{} exited ({status}) before it wrote {}", service.name(), file.display()));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{} did not write {} within {}s",
                service.name(),
                file.display(),
                timeout.as_secs()
            ));
        }
        thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// Spawns a service into `services`, then waits until `GET port path` answers 200.
fn start(
    services: &mut Vec<Service>,
    name: &'static str,
    command: &mut Command,
    port: u16,
    path: &str,
    timeout: Duration,
) -> Result {
    services.push(Service::spawn(name, command)?);
    services.last_mut().expect("just pushed").wait_until_up(port, path, timeout)
}

/// Sockudo's settings for Herald's app (CONTRACT.md's dev defaults), from the environment.
fn sockudo_env(port: u16, metrics_port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("HOST", "127.0.0.1".into()),
        ("PORT", port.to_string()),
        ("METRICS_HOST", "127.0.0.1".into()),
        ("METRICS_PORT", metrics_port.to_string()),
        ("SOCKUDO_DEFAULT_APP_ID", "herald".into()),
        ("SOCKUDO_DEFAULT_APP_KEY", "herald-key".into()),
        ("SOCKUDO_DEFAULT_APP_SECRET", "herald-secret".into()),
        ("QUEUE_DRIVER", "memory".into()),
        ("RATE_LIMITER_ENABLED", "false".into()),
        // Sockudo otherwise keeps its listener open for 10 s after SIGTERM, for load balancers
        // to notice; nothing is in front of it here, and Ctrl-C should be prompt.
        ("SHUTDOWN_GRACE_PERIOD", "0".into()),
    ]
}
