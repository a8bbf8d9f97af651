//! The `herald-devserver` binary as xtask and CI start it: the "listening" line with the real
//! port, one log line per request without secrets, and a clean exit on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_herald-devserver");

/// Waits for the child to exit, failing the test if that takes longer than `limit` (a bound
/// on a hang, not a way to wait for something to happen).
fn wait_with_limit(mut child: Child, limit: Duration) -> std::process::ExitStatus {
    let (sender, receiver) = mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait());
    });
    match receiver.recv_timeout(limit) {
        Ok(status) => status.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            panic!("herald-devserver did not exit within {limit:?}");
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn prints_its_port_logs_requests_without_secrets_and_stops_on_sigterm() {
    let mut child = Command::new(BINARY)
        .args(["--addr", "127.0.0.1:0", "--pusher-url", "http://127.0.0.1:9"])
        .env("HERALD_JWT_SECRET", "binary-test-secret")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("herald-devserver listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
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

    let mut stderr = child.stderr.take().unwrap();
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = wait_with_limit(child, Duration::from_secs(20));
    assert!(status.success(), "a graceful exit on SIGTERM, got {status}");

    let mut log = String::new();
    stderr.read_to_string(&mut log).unwrap();
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
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown option `--no-such-flag`"));

    let public = Command::new(BINARY).args(["--addr", "0.0.0.0:8000"]).output().unwrap();
    assert_eq!(public.status.code(), Some(2), "only loopback addresses are allowed");
}
