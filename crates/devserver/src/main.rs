//! `herald-devserver`: parses flags and environment, then runs the server until a signal.
//! `herald-devserver fire ...` instead causes events on a running server (see `fire.rs`).

use std::process::ExitCode;

use clap::Parser;
use herald_devserver::fire::fire;
use herald_devserver::{Cli, Command};

fn main() -> ExitCode {
    // clap prints help or the mistake with the usage, and exits with 2 on a mistake.
    let cli = Cli::parse();
    let runtime = match cli.command {
        Some(_) => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        None => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("herald-devserver: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match cli.command {
        Some(Command::Fire(options)) => {
            runtime.block_on(fire(&options)).map_err(|message| format!("fire: {message}"))
        }
        None => runtime.block_on(herald_devserver::run(cli.server)).map_err(|error| error.to_string()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("herald-devserver: {message}");
            ExitCode::FAILURE
        }
    }
}
