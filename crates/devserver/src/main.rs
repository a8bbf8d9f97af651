//! `herald-devserver`: parses flags and environment, then runs the server until a signal.
//! `herald-devserver fire ...` instead causes events on a running server (see `fire.rs`).

use std::process::ExitCode;

use herald_devserver::fire::{FIRE_USAGE, FireOptions, fire};
use herald_devserver::{Config, ConfigError, USAGE};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|command| command == "fire") {
        return fire_command(&args[1..]);
    }
    let config = match Config::from_process() {
        Ok(config) => config,
        Err(ConfigError::HelpRequested) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("herald-devserver: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("herald-devserver: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(herald_devserver::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("herald-devserver: {error}");
            ExitCode::FAILURE
        }
    }
}

fn fire_command(args: &[String]) -> ExitCode {
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        print!("{FIRE_USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match FireOptions::parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("herald-devserver fire: {message}\n\n{FIRE_USAGE}");
            return ExitCode::from(2);
        }
    };
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the async runtime: {error}"))
        .and_then(|runtime| runtime.block_on(fire(&options)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("herald-devserver fire: {message}");
            ExitCode::FAILURE
        }
    }
}
