//! `cargo xtask test`: every suite, in the order CI runs them, stopping at the first failure,
//! then a smoke run of the bench.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::Result;
use crate::app_build;
use crate::bench;
use crate::channels_server::ChannelsServer;
use crate::process::run;
use crate::tools::{self, Apt, Tools};

pub fn run_all(root: &Path, playwright_args: &[String]) -> Result {
    let mut steps = Steps::default();
    let outcome = run_steps(root, playwright_args, &mut steps);
    steps.print_summary(outcome.is_ok());
    outcome
}

fn run_steps(root: &Path, playwright_args: &[String], steps: &mut Steps) -> Result {
    let mut apt = Apt::default();
    let e2e = root.join("e2e");
    let tools = steps.run("tools", || Tools::ensure(root, &mut apt))?;
    steps.run("browser tools", || {
        tools::ensure_chromium(&mut apt)?;
        tools::ensure_playwright(&e2e)
    })?;
    // The Django Channels server's virtualenv: its native test and the e2e stack start Daphne.
    let channels_server = steps.run("channels server", || ChannelsServer::ensure(root, &mut apt))?;

    // The devserver first: the listener's live tests run it against a real Sockudo.
    steps.run("build devserver", || {
        run(tools::cargo_command(root).args(["build", "--package", "herald-devserver"]))
    })?;
    let devserver = crate::target_dir(root).join("debug/herald-devserver");
    // Every native crate; the app crate is wasm-only and is tested in the browser below.
    steps.run("native tests", || {
        run(tools::cargo_command(root)
            .args(["test", "--workspace", "--exclude", "herald"])
            .env("HERALD_SOCKUDO_BIN", &tools.sockudo)
            .env("HERALD_DEVSERVER_BIN", &devserver)
            .env("HERALD_DAPHNE_BIN", &channels_server.daphne)
            .env("HERALD_CHANNELS_SERVER_DIR", &channels_server.dir))
    })?;
    steps.run("browser unit tests", || {
        // ChromeDriver gives each session a ~100 MB Chromium profile in the temporary folder
        // and leaves it there when the test runner stops it: they go into a folder of their
        // own, removed afterwards, instead of piling up in /tmp run after run.
        let scratch = crate::target_dir(root).join("herald/browser-unit-tmp");
        fs::create_dir_all(&scratch).map_err(|error| format!("{}: {error}", scratch.display()))?;
        let outcome = run(tools::cargo_command(root)
            .args(["test", "--package", "herald", "--target", "wasm32-unknown-unknown"])
            .env("CHROMEDRIVER", tools::CHROMEDRIVER)
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", tools.wasm_bindgen_test_runner())
            .env("TMPDIR", &scratch));
        let _ = fs::remove_dir_all(&scratch);
        outcome
    })?;
    steps.run("build app", || app_build::build(root, &tools))?;
    steps.run("end-to-end tests", || {
        run(Command::new(e2e.join("node_modules/.bin/playwright"))
            .arg("test")
            .args(playwright_args)
            .current_dir(&e2e)
            .env("HERALD_SOCKUDO_BIN", &tools.sockudo)
            .env("HERALD_DEVSERVER_BIN", &devserver)
            .env("HERALD_DAPHNE_BIN", &channels_server.daphne)
            .env("HERALD_CHANNELS_SERVER_DIR", &channels_server.dir)
            .env("HERALD_DIST", root.join("dist")))
    })?;
    // The bench is not a test, but its smoke run is, so it keeps working. Asked for a few
    // end-to-end specs only, the person wants those quickly: the smoke run is left out.
    if playwright_args.is_empty() {
        steps.run("bench smoke run", || bench::smoke(root, &tools))?;
    }
    Ok(())
}

/// Runs the steps and remembers how long each took.
#[derive(Default)]
struct Steps {
    done: Vec<(&'static str, Duration, bool)>,
}

impl Steps {
    fn run<T>(&mut self, name: &'static str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        println!("\n==> {name}");
        let started = Instant::now();
        let outcome = step();
        let took = started.elapsed();
        self.done.push((name, took, outcome.is_ok()));
        match &outcome {
            Ok(_) => println!("==> {name}: ok in {}", seconds(took)),
            Err(_) => println!("==> {name}: FAILED after {}", seconds(took)),
        }
        outcome.map_err(|error| format!("step `{name}` failed: {error}"))
    }

    fn print_summary(&self, passed: bool) {
        let total: Duration = self.done.iter().map(|(_, took, _)| *took).sum();
        println!("\nxtask test: {} in {}", if passed { "passed" } else { "FAILED" }, seconds(total));
        for (name, took, ok) in &self.done {
            println!("  {:<20} {:>8}  {}", name, seconds(*took), if *ok { "ok" } else { "FAILED" });
        }
    }
}

fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        format!("{}m{:02}s", duration.as_secs() / 60, duration.as_secs() % 60)
    }
}
