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

use clap::Parser;

/// Every failure is reported as one message that says what failed and what to do about it.
pub type Result<T = ()> = std::result::Result<T, String>;

/// `cargo xtask <command>`.
#[derive(Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    about = "Herald's developer commands.",
    after_help = "Tools are installed once per machine into $HERALD_TOOLS (default ~/.cache/herald/tools).",
    arg_required_else_help = true
)]
enum Xtask {
    /// Run Sockudo, the demo backend and `trunk serve` at http://127.0.0.1:8080 until Ctrl-C;
    /// with `--transport channels`, the Django Channels server too, the app at
    /// http://127.0.0.1:8000.
    Demo {
        /// The WebSocket server the demo's app uses.
        #[arg(long, value_enum, default_value = "pusher")]
        transport: demo::Transport,
    },
    /// Run every test suite as CI does: native, browser unit, build, end-to-end.
    Test {
        /// Arguments for `playwright test` (for example a spec file name).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
        playwright_args: Vec<String>,
    },
    /// Build the release app, split into chunks, into dist/ (what `test`, `bench` and a
    /// deployment serve).
    Build,
    /// Measure Herald against the Vue + Echo reference client (bench/README.md); with
    /// HERALD_DIST=<folder>, that built app is measured instead of building dist/.
    Bench(bench::BenchArgs),
    /// Cause contract events through the running demo backend, for demos and load:
    /// `herald-devserver fire` (see `cargo xtask fire --help`).
    #[command(disable_help_flag = true)]
    Fire {
        /// EVENT [--tenant N] [--user N] [--count N] [--rate R], for `herald-devserver fire`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let command = Xtask::parse();
    let root = repo_root();
    let outcome = match command {
        Xtask::Demo { transport } => demo::run(&root, transport),
        Xtask::Test { playwright_args } => test::run_all(&root, &playwright_args),
        Xtask::Bench(args) => bench::run(&root, &args.options()),
        Xtask::Build => tools::Tools::ensure(&root, &mut tools::Apt::default())
            .and_then(|tools| app_build::build(&root, &tools)),
        Xtask::Fire { args } => fire(&root, &args),
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::Xtask;

    #[test]
    fn test_and_fire_pass_their_arguments_on_untouched() {
        let args = ["--project", "channels", "reconnect.spec.ts"];
        let Ok(Xtask::Test { playwright_args }) =
            Xtask::try_parse_from(["xtask", "test"].iter().chain(&args))
        else {
            panic!("not the test command");
        };
        assert_eq!(playwright_args, args);
        let args = ["PaymentCompleted", "--tenant", "1", "--help"];
        let Ok(Xtask::Fire { args: fire_args }) =
            Xtask::try_parse_from(["xtask", "fire"].iter().chain(&args))
        else {
            panic!("not the fire command");
        };
        assert_eq!(fire_args, args, "--help is the devserver's to answer");
        assert!(Xtask::try_parse_from(["xtask", "demo", "--transport", "websocket"]).is_err());
    }
}
