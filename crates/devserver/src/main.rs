//! `herald-devserver`: parses flags and environment, then runs the server until a signal.

use std::process::ExitCode;

use herald_devserver::{Config, ConfigError, USAGE};

fn main() -> ExitCode {
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
