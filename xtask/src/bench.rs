//! `cargo xtask bench [--runs N] [--smoke]`: Herald against the reference client a team would
//! otherwise build (`bench/reference`: Vue, Pinia, Laravel Echo, pusher-js), measured side by
//! side in headless Chromium against a real Sockudo and the demo backend. `bench/README.md`
//! says what each figure means; `bench/run.ts` measures them.
//!
//! This builds what the measurement needs (the release app, the devserver, the reference's
//! bundle), then runs `bench/run.ts` under Playwright, which starts the stacks itself with
//! `e2e/support/stack.ts` and writes `bench/results/latest.{json,md}` (`smoke.*` for `--smoke`).
//!
//! With `HERALD_DIST=DIR` (the variable the end-to-end tests take), it measures the app already
//! built in `DIR` and builds no app: an older build kept aside, or one made while the code in
//! `src/` does not compile.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime};

use crate::Result;
use crate::app_build;
use crate::process;
use crate::tools::{self, Apt, Tools};

/// How many runs each figure's median is taken over, unless `--runs` says otherwise.
const DEFAULT_RUNS: u32 = 5;

/// What `cargo xtask bench` was asked for.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    /// Runs of the whole measurement; each figure is their median. Default: [`DEFAULT_RUNS`],
    /// and 1 for a smoke run.
    pub runs: u32,
    /// One run with tiny event counts, to check that the bench still works. Default: false.
    pub smoke: bool,
}

/// `cargo xtask bench`'s flags.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Runs of the whole measurement; each figure is their median [default: 5].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), conflicts_with = "smoke")]
    runs: Option<u32>,
    /// One tiny run that checks the bench works.
    #[arg(long)]
    smoke: bool,
}

impl BenchArgs {
    pub fn options(&self) -> Options {
        let runs = if self.smoke { 1 } else { self.runs.unwrap_or(DEFAULT_RUNS) };
        Options { runs, smoke: self.smoke }
    }
}

pub fn run(root: &Path, options: &Options) -> Result {
    let started = Instant::now();
    let began = SystemTime::now();
    let mut apt = Apt::default();
    let tools = Tools::ensure(root, &mut apt)?;
    tools::ensure_chromium(&mut apt)?;
    process::run(tools::cargo_command(root).args(["build", "--package", "herald-devserver"]))?;
    let dist = app_to_measure(root, &tools)?;
    // A full run that misses a size target fails once its results are written: print them anyway.
    let measured = measure(root, &tools, &dist, options);
    let table = root.join("bench/results").join(if options.smoke { "smoke.md" } else { "latest.md" });
    let written_now = fs::metadata(&table).and_then(|file| file.modified()).is_ok_and(|at| at >= began);
    if written_now && let Ok(text) = fs::read_to_string(&table) {
        println!("\n{text}");
    }
    let took = started.elapsed().as_secs();
    println!(
        "xtask bench: {} in {}m{:02}s",
        if measured.is_ok() { "done" } else { "FAILED" },
        took / 60,
        took % 60
    );
    measured
}

/// The smoke run `cargo xtask test` makes, once it has built the devserver and the app: one
/// run with tiny counts, which fails if a figure could not be measured or Herald lost an event.
pub fn smoke(root: &Path, tools: &Tools) -> Result {
    measure(root, tools, &root.join("dist"), &Options { runs: 1, smoke: true })
}

/// The built app to measure: `HERALD_DIST` when set (checked, not built), else `dist/`, built
/// now as `cargo xtask test` builds it.
fn app_to_measure(root: &Path, tools: &Tools) -> Result<PathBuf> {
    let Some(dir) = std::env::var_os("HERALD_DIST").filter(|dir| !dir.is_empty()) else {
        app_build::build(root, tools)?;
        return Ok(root.join("dist"));
    };
    // Absolute: Playwright runs in bench/, and a relative path means the caller's folder.
    let dist = std::path::absolute(PathBuf::from(&dir)).map_err(|error| format!("HERALD_DIST: {error}"))?;
    if !dist.join("index.html").is_file() {
        return Err(format!("HERALD_DIST is {}: it has no index.html, so no built app", dist.display()));
    }
    println!("xtask: measuring the app built in {} (HERALD_DIST); not building dist/", dist.display());
    Ok(dist)
}

/// Measures the app in `dist` and the reference side by side (the devserver and the app are
/// built already), writing `bench/results/`.
fn measure(root: &Path, tools: &Tools, dist: &Path, options: &Options) -> Result {
    let bench = root.join("bench");
    let reference = bench.join("reference");
    // `ensure_playwright` is `npm ci` from a folder's lockfile, skipped while node_modules
    // matches it: the bench's Playwright and the reference's npm packages install alike.
    tools::ensure_playwright(&bench)?;
    tools::ensure_playwright(&reference)?;
    process::run(Command::new("node").arg("build.mjs").current_dir(&reference))?;
    process::run(
        Command::new(bench.join("node_modules/.bin/playwright"))
            .arg("test")
            .current_dir(&bench)
            .env("HERALD_SOCKUDO_BIN", &tools.sockudo)
            .env("HERALD_DEVSERVER_BIN", crate::target_dir(root).join("debug/herald-devserver"))
            .env("HERALD_DIST", dist)
            .env("HERALD_BENCH_REFERENCE_DIST", reference.join("dist"))
            .env("HERALD_BENCH_RESULTS", bench.join("results"))
            .env("HERALD_BENCH_RUNS", options.runs.to_string())
            .env("HERALD_BENCH_SMOKE", if options.smoke { "1" } else { "0" }),
    )
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::bench::{BenchArgs, DEFAULT_RUNS, Options};

    #[derive(Parser)]
    struct Bench {
        #[command(flatten)]
        args: BenchArgs,
    }

    fn check(args: &[&str], expect: Result<Options, ()>) {
        let parsed = Bench::try_parse_from(std::iter::once("bench").chain(args.iter().copied()));
        assert_eq!(parsed.map(|bench| bench.args.options()).map_err(|_| ()), expect, "{args:?}");
    }

    #[test]
    fn arguments() {
        check(&[], Ok(Options { runs: DEFAULT_RUNS, smoke: false }));
        check(&["--runs", "7"], Ok(Options { runs: 7, smoke: false }));
        check(&["--smoke"], Ok(Options { runs: 1, smoke: true }));
        check(&["--runs"], Err(()));
        check(&["--runs", "0"], Err(()));
        check(&["--runs", "many"], Err(()));
        check(&["--smoke", "--runs", "5"], Err(()));
        check(&["--fast"], Err(()));
    }
}
