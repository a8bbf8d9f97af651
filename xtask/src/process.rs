//! Running commands and supervising long-lived services.
//!
//! A [`Service`] runs in a process group of its own, for two reasons: Ctrl-C at the terminal
//! reaches only xtask, which then stops the services in order, and stopping a service stops
//! everything it started too (`trunk serve` runs cargo, for example).

use std::ffi::OsStr;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::Result;

/// How often readiness and liveness are polled.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How long a service gets to exit after SIGTERM before its group is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Runs `command` to completion, echoing it first; fails unless it exits successfully.
pub fn run(command: &mut Command) -> Result {
    println!("$ {}", display(command));
    let status =
        command.status().map_err(|error| format!("could not start `{}`: {error}", display(command)))?;
    if status.success() { Ok(()) } else { Err(format!("`{}` failed ({status})", display(command))) }
}

/// The command line as a person would type it (environment left out).
pub fn display(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A long-lived child process in its own process group, stopped (with everything it started)
/// when dropped.
pub struct Service {
    name: &'static str,
    child: Child,
    stopped: bool,
}

impl Service {
    pub fn spawn(name: &'static str, command: &mut Command) -> Result<Service> {
        println!("$ {}", display(command));
        let child = command
            .process_group(0)
            .spawn()
            .map_err(|error| format!("could not start {name} (`{}`): {error}", display(command)))?;
        Ok(Service { name, child, stopped: false })
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The exit status, if the process has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Polls `GET http://127.0.0.1:{port}{path}` until it answers 200. Fails if the service
    /// exits first, if Ctrl-C was pressed, or after `timeout`.
    pub fn wait_until_up(&mut self, port: u16, path: &str, timeout: Duration) -> Result {
        let deadline = Instant::now() + timeout;
        loop {
            if stop_requested() {
                return Err("interrupted".into());
            }
            if let Some(status) = self.exited() {
                return Err(format!("{} exited ({status}) before it answered on port {port}", self.name));
            }
            if http_get_is_ok(port, path) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{} did not answer GET http://127.0.0.1:{port}{path} within {}s",
                    self.name,
                    timeout.as_secs()
                ));
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// Sends SIGTERM to the service's process group, waits up to [`STOP_GRACE`] for the
    /// service to exit, then kills whatever is left of the group.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let group = self.child.id() as libc::pid_t;
        signal_group(group, libc::SIGTERM);
        let deadline = Instant::now() + STOP_GRACE;
        while self.exited().is_none() && Instant::now() < deadline {
            thread::sleep(POLL_INTERVAL);
        }
        // Also reaches processes of the group that outlived its leader.
        signal_group(group, libc::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal_group(group: libc::pid_t, signal: libc::c_int) {
    // SAFETY: kill(2) has no memory-safety preconditions; a group that is gone gives ESRCH.
    unsafe {
        libc::kill(-group, signal);
    }
}

static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_signal: libc::c_int) {
    // An atomic store is async-signal-safe; everything else happens in the polling loops.
    STOP_REQUESTED.store(true, Ordering::SeqCst);
}

/// From now on SIGINT (Ctrl-C) and SIGTERM only set a flag that [`stop_requested`] reads, so
/// that xtask can stop its services before it exits.
pub fn handle_stop_signals() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(signal, request_stop as extern "C" fn(libc::c_int) as libc::sighandler_t);
        }
    }
}

pub fn stop_requested() -> bool {
    STOP_REQUESTED.load(Ordering::SeqCst)
}

/// Whether `GET http://127.0.0.1:{port}{path}` answers with status 200.
pub fn http_get_is_ok(port: u16, path: &str) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let mut status_line = [0u8; 12]; // "HTTP/1.1 200"
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut status_line).is_ok()
        && status_line.starts_with(b"HTTP/1.")
        && status_line.ends_with(b" 200")
}

/// Fails with a message naming `user` when something already listens on 127.0.0.1:`port`.
pub fn ensure_port_free(port: u16, user: &str) -> Result {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == ErrorKind::AddrInUse => Err(format!(
            "port {port} is busy, and {user} needs it. Is another `cargo xtask demo` running? \
             `ss -ltnp 'sport = :{port}'` shows which process holds it."
        )),
        Err(error) => Err(format!("cannot check port {port} ({user}): {error}")),
    }
}

/// A port nothing listens on right now, picked by the kernel.
pub fn free_port() -> Result<u16> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| format!("cannot find a free port: {error}"))
}
