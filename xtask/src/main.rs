//! Herald's developer commands, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! Every command installs what it needs on first use ([`tools`]) and costs only a few file
//! checks once it is there, so a second run starts at once.

mod app_build;
mod bench;
mod channels_server;
mod demo;
mod dist;
mod process;
mod test;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Every failure is reported as one message that says what failed and what to do about it.
pub type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  demo [--transport pusher|channels]
                run Sockudo, the demo backend and `trunk serve` at http://127.0.0.1:8080 until Ctrl-C;
                `channels`: the Django Channels server too, the app at http://127.0.0.1:8000
  test [ARGS]   run every test suite as CI does: native, browser unit, build, end-to-end;
                ARGS go to `playwright test` (for example a spec file name)
  build         build the release app, split into chunks, into dist/ (what `test`, `bench`
                and a deployment serve)
  bench [--runs N] [--smoke]
                measure Herald against the Vue + Echo reference client (bench/README.md);
                N runs (default 5); --smoke: one tiny run that checks the bench works;
                with HERALD_DIST=<folder>, that built app is measured instead of building dist/
  fire EVENT [--tenant N] [--user N] [--count N] [--rate R]
                cause contract events through the running demo backend, for demos and load

Tools are installed once per machine into $HERALD_TOOLS (default ~/.cache/herald/tools).
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_none_or(|command| ["help", "-h", "--help"].contains(&command.as_str())) {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let root = repo_root();
    let outcome = match args.split_first() {
        Some((command, demo_args)) if command == "demo" => demo::run(&root, demo_args),
        Some((command, playwright_args)) if command == "test" => test::run_all(&root, playwright_args),
        Some((command, bench_args)) if command == "bench" => bench::run(&root, bench_args),
        Some((command, [])) if command == "build" => tools::Tools::ensure(&root, &mut tools::Apt::default())
            .and_then(|tools| app_build::build(&root, &tools)),
        Some((command, fire_args)) if command == "fire" => fire(&root, fire_args),
        _ => Err(format!("cannot run `cargo xtask {}`\n\n{USAGE}", args.join(" "))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask fire ...`: `herald-devserver fire ...`, built first if needed.
fn fire(root: &Path, args: &[String]) -> Result {
    process::run(tools::cargo_command(root).args(["build", "--quiet", "--package", "herald-devserver"]))?;
    process::run(
        std::process::Command::new(target_dir(root).join("debug/herald-devserver")).arg("fire").args(args),
    )
}

/// The checkout xtask runs for: the parent of `xtask/`. `cargo run` sets CARGO_MANIFEST_DIR
/// when it starts xtask; the value compiled in can name another checkout, because cargo keeps
/// a copied or moved target directory's build of xtask as fresh.
fn repo_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().expect("xtask/ lives inside the repository").to_path_buf()
}

/// Cargo's target directory, where the devserver binary and xtask's scratch files go.
/// Absolute, as the root is.
fn target_dir(root: &Path) -> PathBuf {
    ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"]
        .iter()
        .find_map(std::env::var_os)
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("target"))
}
