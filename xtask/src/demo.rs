//! `cargo xtask demo`: the whole stack on the dev defaults of CONTRACT.md, until Ctrl-C.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::Duration;

use crate::Result;
use crate::process::{self, Service};
use crate::tools::{self, Apt, Tools};

const SOCKUDO_PORT: u16 = 6001;
const DEVSERVER_PORT: u16 = 8000;
/// Trunk.toml's `[serve] port`; Trunk proxies /api and /broadcasting to the devserver.
const APP_PORT: u16 = 8080;

pub fn run(root: &Path) -> Result {
    let tools = Tools::ensure(root, &mut Apt::default())?;
    process::ensure_port_free(SOCKUDO_PORT, "Sockudo")?;
    process::ensure_port_free(DEVSERVER_PORT, "herald-devserver")?;
    process::ensure_port_free(APP_PORT, "trunk serve")?;
    process::run(tools::cargo_command(root).args(["build", "--package", "herald-devserver"]))?;

    process::handle_stop_signals();
    // Stopped in reverse order however start-up or supervision ends, so nothing outlives xtask.
    let mut services: Vec<Service> = Vec::new();
    let outcome = start_and_supervise(root, &tools, &mut services);
    if process::stop_requested() {
        println!("\nxtask: stopping");
    }
    while let Some(mut service) = services.pop() {
        service.stop();
    }
    outcome
}

fn start_and_supervise(root: &Path, tools: &Tools, services: &mut Vec<Service>) -> Result {
    let scratch = crate::target_dir(root).join("herald");
    // A fresh empty folder: Sockudo reads ./config/config.toml or .json when there is one.
    let sockudo_dir = scratch.join("demo-sockudo");
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
    )?;
    start(
        services,
        "herald-devserver",
        Command::new(crate::target_dir(root).join("debug/herald-devserver")).current_dir(root).args([
            "--addr".to_string(),
            format!("127.0.0.1:{DEVSERVER_PORT}"),
            "--pusher-url".to_string(),
            format!("http://127.0.0.1:{SOCKUDO_PORT}"),
        ]),
        DEVSERVER_PORT,
        "/up",
        Duration::from_secs(30),
    )?;
    // Trunk builds into a folder of its own, emptied first: `dist/` stays the release build
    // `cargo xtask test` makes, and `/` answers only once this run's first build is done.
    let trunk_dist = scratch.join("demo-dist");
    let _ = fs::remove_dir_all(&trunk_dist);
    println!("xtask: waiting for trunk's first build of the app (minutes the first time)");
    start(
        services,
        "trunk serve",
        Command::new(&tools.trunk)
            .args(["serve", "--offline", "--dist"])
            .arg(&trunk_dist)
            .current_dir(root)
            .env("PATH", tools.path_for_trunk()),
        APP_PORT,
        "/",
        Duration::from_secs(30 * 60),
    )?;

    println!(
        "\n\
         Herald is running at http://127.0.0.1:{APP_PORT}\n\
         \n\
         Development accounts (development values only; password `password` for all):\n\
         \x20 admin@herald.test   system admin\n\
         \x20 owner@acme.test     tenant admin, Acme\n\
         \x20 owner@globex.test   tenant admin, Globex\n\
         \x20 user@acme.test      user, Acme\n\
         \n\
         Press Ctrl-C to stop Sockudo, the demo backend and trunk.\n"
    );

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
