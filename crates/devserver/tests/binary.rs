//! The `herald-devserver` binary as xtask and CI start it: the "listening" line with the real
//! port, one log line per request without secrets, and a clean exit on SIGTERM.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use herald_teststack::Devserver;

const BINARY: &str = env!("CARGO_BIN_EXE_herald-devserver");

/// The binary started as the end-to-end stack starts it, with `args` after the stack's.
async fn start(args: &[&str]) -> Devserver {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    Devserver::start_binary(Path::new(BINARY), &args).await
}

/// A bound on a hang at SIGTERM, not a way to wait for something to happen.
const STOP_LIMIT: Duration = Duration::from_secs(20);

#[cfg(unix)]
#[tokio::test]
async fn prints_its_port_logs_requests_without_secrets_and_stops_on_sigterm() {
    let mut server = start(&["--jwt-secret", "binary-test-secret"]).await;
    let base = server.base.clone();
    assert!(!base.ends_with(":0"), "the real port is printed: {base}");

    let http = reqwest::Client::new();
    let up = http.get(format!("{base}/up")).send().await.unwrap();
    assert_eq!(up.text().await.unwrap(), "OK");
    let login = http
        .post(format!("{base}/api/login"))
        .json(&serde_json::json!({"email": "user@acme.test", "password": "password"}))
        .send()
        .await
        .unwrap();
    let token = login.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let me = http.get(format!("{base}/api/me?token={token}")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200);
    drop(http);

    let status = server.process.terminate(STOP_LIMIT).await;
    assert!(status.success(), "a graceful exit on SIGTERM, got {status}");

    let log = server.process.log();
    assert!(log.lines().any(|line| line.starts_with("GET /up 200 ")), "{log}");
    assert!(log.lines().any(|line| line.starts_with("POST /api/login 200 ")), "{log}");
    assert!(log.lines().any(|line| line.starts_with("GET /api/me 200 ")), "{log}");
    assert!(!log.contains(&token), "the token is never logged:\n{log}");
    assert!(!log.contains("password"), "nor the password:\n{log}");
}

#[test]
fn help_and_bad_flags() {
    let help = Command::new(BINARY).arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--pusher-url"));

    let bad = Command::new(BINARY).arg("--no-such-flag").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unexpected argument '--no-such-flag'"));

    let public = Command::new(BINARY).args(["--addr", "0.0.0.0:8000"]).output().unwrap();
    assert_eq!(public.status.code(), Some(2), "only loopback addresses are allowed");
    assert!(String::from_utf8_lossy(&public.stderr).contains("only loopback addresses"));
}

#[test]
fn a_variable_stands_in_for_its_flag_and_the_flag_wins() {
    let from_variable = Command::new(BINARY).env("HERALD_ADDR", "0.0.0.0:8000").output().unwrap();
    assert_eq!(from_variable.status.code(), Some(2), "HERALD_ADDR is read and checked like --addr");
    assert!(String::from_utf8_lossy(&from_variable.stderr).contains("only loopback addresses"));

    let reset = Command::new(BINARY).env("HERALD_RESET", "maybe").output().unwrap();
    assert_eq!(reset.status.code(), Some(2), "HERALD_RESET takes 1 or 0");

    // The flag wins: the server starts on the flag's address despite the variable's.
    let mut child = Command::new(BINARY)
        .args(["--addr", "127.0.0.1:0", "--pusher-url", "http://127.0.0.1:9", "--data-dir", ":memory:"])
        .env("HERALD_ADDR", "0.0.0.0:8000")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("herald-devserver listening on http://127.0.0.1:"), "{line:?}");
}

/// Signs in as `email` with the seed's password.
async fn login(server: &Devserver, email: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/login", server.base))
        .json(&serde_json::json!({"email": email, "password": "password"}))
        .send()
        .await
        .unwrap()
}

/// The binary on the data folder `dir`, with `extra` flags.
async fn on_data(dir: &Path, extra: &[&str]) -> Devserver {
    let dir = dir.to_str().expect("a UTF-8 temp dir");
    start(&[&["--data-dir", dir], extra].concat()).await
}

/// SIGTERM, and a clean exit.
async fn stop(mut server: Devserver) {
    assert!(server.process.terminate(STOP_LIMIT).await.success());
}

#[tokio::test]
async fn data_survives_a_restart_and_reset_brings_back_the_seed() {
    let dir = std::env::temp_dir().join(format!("herald-devserver-binary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let server = on_data(&dir, &[]).await;
    let owner = login(&server, "owner@acme.test").await;
    let token = owner.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let member = serde_json::json!({"name": "Nia Njoroge", "email": "nia@acme.test", "role": "user",
                                    "password": "password", "password_confirmation": "password"});
    let created = reqwest::Client::new()
        .post(format!("{}/api/tenants/1/users", server.base))
        .bearer_auth(&token)
        .json(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.status(),
        201,
        "created even though Sockudo is unreachable: the event waits for catch-up"
    );
    stop(server).await;
    assert!(dir.join("herald.sqlite3").is_file());

    let restarted = on_data(&dir, &[]).await;
    assert_eq!(login(&restarted, "nia@acme.test").await.status(), 200, "the new user outlived the restart");
    let me = reqwest::Client::new()
        .get(format!("{}/api/me", restarted.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "so did the owner's token");
    let events = reqwest::Client::new()
        .get(format!("{}/api/notifications", restarted.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(events["data"][0]["event"], "App\\Events\\UserCreated", "and the event, for catch-up");
    stop(restarted).await;

    let reset = on_data(&dir, &["--reset"]).await;
    assert_eq!(login(&reset, "nia@acme.test").await.status(), 422, "--reset starts again from the seed");
    assert_eq!(login(&reset, "owner@acme.test").await.status(), 200);
    stop(reset).await;
    std::fs::remove_dir_all(&dir).unwrap();
}
