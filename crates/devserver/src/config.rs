//! The command line: the server's flags and environment variables, and the `fire` subcommand.
//!
//! Every flag has an environment variable beside it so `cargo xtask demo`, CI and the
//! end-to-end tests can configure the server either way; clap's `env` gives the order: a flag
//! wins over its variable, and the variable over the default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::fire::FireOptions;
use crate::store::Location;

/// `herald-devserver [OPTIONS]` runs the server; `herald-devserver fire ...` causes events on
/// a running one.
#[derive(Debug, Parser)]
#[command(
    name = "herald-devserver",
    about = "Herald's demo backend. Every option can also be set through the environment variable shown.",
    args_conflicts_with_subcommands = true,
    // The last occurrence of a flag wins: the end-to-end stack adds `--serve-app` to its own.
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub server: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cause contract events through a running devserver (for demos and load).
    Fire(FireOptions),
}

const DEFAULT_ADDR: &str = "127.0.0.1:8000";
const DEFAULT_PUSHER_URL: &str = "http://127.0.0.1:6001";
const DEFAULT_APP_ID: &str = "herald";
const DEFAULT_APP_KEY: &str = "herald-key";
const DEFAULT_APP_SECRET: &str = "herald-secret";
const DEFAULT_JWT_SECRET: &str = "herald-dev-jwt-secret";
const DEFAULT_TOKEN_TTL: &str = "900";
const DEFAULT_REFRESH_TTL: &str = "2592000";
const DEFAULT_DATA_DIR: &str = ".herald/data";
const DEFAULT_CHANNELS_SECRET: &str = "herald-channels-secret";

/// Everything the devserver is started with. Each field's default is the one its flag shows
/// in `--help`; [`Config::default`] is the same values without reading the environment.
#[derive(Clone, Debug, PartialEq, Eq, clap::Args)]
pub struct Config {
    /// Listen address, loopback only (this server holds demo credentials and an
    /// unauthenticated publish route); port 0 picks a free port.
    #[arg(long, env = "HERALD_ADDR", value_name = "ADDR", default_value = DEFAULT_ADDR, value_parser = parse_addr)]
    pub addr: SocketAddr,
    /// Base URL of Sockudo's HTTP API; plain http only (the client is built without TLS).
    #[arg(long, env = "HERALD_PUSHER_URL", value_name = "URL", default_value = DEFAULT_PUSHER_URL, value_parser = parse_http_url)]
    pub pusher_url: reqwest::Url,
    /// Pusher app id.
    #[arg(long, env = "HERALD_APP_ID", value_name = "ID", default_value = DEFAULT_APP_ID)]
    pub app_id: String,
    /// Pusher app key, public.
    #[arg(long, env = "HERALD_APP_KEY", value_name = "KEY", default_value = DEFAULT_APP_KEY)]
    pub app_key: String,
    /// Pusher app secret, never sent to a browser.
    #[arg(long, env = "HERALD_APP_SECRET", value_name = "SECRET", default_value = DEFAULT_APP_SECRET)]
    pub app_secret: String,
    /// HS256 key for bearer tokens.
    #[arg(long, env = "HERALD_JWT_SECRET", value_name = "SECRET", default_value = DEFAULT_JWT_SECRET)]
    pub jwt_secret: String,
    /// Access token lifetime in seconds, 15 minutes by default: a client keeps its session by
    /// refreshing (tests of expiry and refresh use a few seconds or 0).
    #[arg(long, env = "HERALD_TOKEN_TTL", value_name = "SECONDS", default_value = DEFAULT_TOKEN_TTL, value_parser = parse_seconds)]
    pub token_ttl: Duration,
    /// Refresh token lifetime in seconds, 30 days by default, for a sign-in with "keep me
    /// signed in" (`remember`); without it, at most 12 hours. Each refresh starts a new
    /// lifetime, so a session lasts as long as it is used at least this often. 0: no refresh
    /// tokens, as a backend without /api/refresh (clients sign out at the token's expiry).
    #[arg(long, env = "HERALD_REFRESH_TTL", value_name = "SECONDS", default_value = DEFAULT_REFRESH_TTL, value_parser = parse_seconds)]
    pub refresh_ttl: Duration,
    /// Serve a built app (Trunk's dist/) as static files with an SPA fallback. Off: Trunk
    /// serves the app and proxies /api here.
    #[arg(long, env = "HERALD_SERVE_APP", value_name = "DIR")]
    pub serve_app: Option<PathBuf>,
    /// Database folder (the file inside is herald.sqlite3), relative to the working
    /// directory; `:memory:` keeps the data in memory, gone when the server stops.
    #[arg(long = "data-dir", env = "HERALD_DATA_DIR", value_name = "DIR", default_value = DEFAULT_DATA_DIR, value_parser = parse_location)]
    pub data: Location,
    /// Delete the database and start from the seed (the variable takes 1 or 0).
    #[arg(long, env = "HERALD_RESET", value_parser = clap::builder::BoolishValueParser::new())]
    pub reset: bool,
    /// Also publish every event to this Django Channels server (`POST /broadcast`); plain
    /// http only. With --serve-app, config.json then chooses the `channels` transport.
    #[arg(long, env = "HERALD_CHANNELS_URL", value_name = "URL", value_parser = parse_http_url)]
    pub channels_url: Option<reqwest::Url>,
    /// The X-Broadcast-Secret the Channels server wants, never sent to a browser.
    #[arg(long, env = "HERALD_CHANNELS_SECRET", value_name = "SECRET", default_value = DEFAULT_CHANNELS_SECRET)]
    pub channels_secret: String,
    /// Fill tenant 1 (Acme) up to N members, with realistic names, emails and statuses and the
    /// seeded password, at start; starting again with the same N adds none.
    #[arg(long, env = "HERALD_SEED_USERS", value_name = "N", default_value_t = 0)]
    pub seed_users: u64,
    /// Fill the database up to N events (Acme's, its seeded people's and the system admins'),
    /// spread over the past year, at start; starting again with the same N adds none.
    #[arg(long, env = "HERALD_SEED_EVENTS", value_name = "N", default_value_t = 0)]
    pub seed_events: u64,
    /// Print one line per request to stderr. Not a flag: tests turn it off to keep output quiet.
    #[arg(skip = true)]
    pub log_requests: bool,
}

impl Default for Config {
    fn default() -> Config {
        let valid = "the default is valid";
        Config {
            addr: parse_addr(DEFAULT_ADDR).expect(valid),
            pusher_url: parse_http_url(DEFAULT_PUSHER_URL).expect(valid),
            app_id: DEFAULT_APP_ID.to_owned(),
            app_key: DEFAULT_APP_KEY.to_owned(),
            app_secret: DEFAULT_APP_SECRET.to_owned(),
            jwt_secret: DEFAULT_JWT_SECRET.to_owned(),
            token_ttl: parse_seconds(DEFAULT_TOKEN_TTL).expect(valid),
            refresh_ttl: parse_seconds(DEFAULT_REFRESH_TTL).expect(valid),
            serve_app: None,
            data: parse_location(DEFAULT_DATA_DIR).expect(valid),
            reset: false,
            channels_url: None,
            channels_secret: DEFAULT_CHANNELS_SECRET.to_owned(),
            seed_users: 0,
            seed_events: 0,
            log_requests: true,
        }
    }
}

fn parse_addr(value: &str) -> Result<SocketAddr, String> {
    let addr: SocketAddr = value.parse().map_err(|error| format!("{error}"))?;
    if !addr.ip().is_loopback() {
        return Err("only loopback addresses such as 127.0.0.1 are allowed".to_owned());
    }
    Ok(addr)
}

/// A base URL for one of the servers this one publishes to.
fn parse_http_url(value: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(value).map_err(|error| error.to_string())?;
    if url.scheme() != "http" {
        return Err("only http:// is supported (the client is built without TLS)".to_owned());
    }
    if url.host_str().is_none() {
        return Err("the URL has no host".to_owned());
    }
    Ok(url)
}

fn parse_seconds(value: &str) -> Result<Duration, String> {
    value.parse::<u64>().map(Duration::from_secs).map_err(|error| format!("not a number of seconds: {error}"))
}

fn parse_location(value: &str) -> Result<Location, String> {
    Ok(if value == ":memory:" { Location::Memory } else { Location::Folder(PathBuf::from(value)) })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::error::ErrorKind;
    use clap::{CommandFactory, FromArgMatches, Parser};

    use crate::config::{Cli, Command, Config};
    use crate::store::Location;

    /// The server's configuration from `args` alone: the variables are taken off so the test's
    /// own environment cannot change the answer (`tests/binary.rs` checks them on the binary).
    fn parse(args: &[&str]) -> Result<Config, ErrorKind> {
        let command = Cli::command().mut_args(|arg| arg.env(None));
        let matches = command
            .try_get_matches_from(std::iter::once("herald-devserver").chain(args.iter().copied()))
            .map_err(|error| error.kind())?;
        let cli = Cli::from_arg_matches(&matches).map_err(|error| error.kind())?;
        assert!(cli.command.is_none());
        Ok(cli.server)
    }

    #[test]
    fn nothing_given_means_the_contract_defaults() {
        assert_eq!(parse(&[]), Ok(Config::default()));
        let config = Config::default();
        assert_eq!(config.addr.to_string(), "127.0.0.1:8000");
        assert_eq!(config.pusher_url.as_str(), "http://127.0.0.1:6001/");
        assert_eq!(config.token_ttl, Duration::from_secs(900));
        assert_eq!(config.refresh_ttl, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(config.data, Location::Folder(".herald/data".into()));
        assert_eq!((config.channels_url, config.channels_secret.as_str()), (None, "herald-channels-secret"));
        assert!(!config.reset && config.log_requests);
    }

    #[test]
    fn every_flag_is_read() {
        let config = parse(&[
            "--addr",
            "127.0.0.1:0",
            "--token-ttl=5",
            "--refresh-ttl",
            "60",
            "--pusher-url",
            "http://127.0.0.1:7001",
            "--app-id",
            "a",
            "--app-key",
            "k",
            "--app-secret",
            "s",
            "--jwt-secret",
            "j",
            "--serve-app",
            "dist",
            "--reset",
            "--data-dir",
            "var/data",
            "--channels-url",
            "http://127.0.0.1:8001",
            "--channels-secret",
            "c",
            "--seed-users",
            "50000",
            "--seed-events=100000",
        ])
        .unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:0");
        assert_eq!(config.token_ttl, Duration::from_secs(5));
        assert_eq!(config.refresh_ttl, Duration::from_secs(60));
        assert_eq!(config.data, Location::Folder("var/data".into()));
        assert!(config.reset, "--reset is a switch: it did not take --data-dir as its value");
        assert_eq!(parse(&["--data-dir", ":memory:"]).unwrap().data, Location::Memory);
        assert_eq!(config.pusher_url.port(), Some(7001));
        assert_eq!((config.app_id.as_str(), config.app_key.as_str()), ("a", "k"));
        assert_eq!((config.app_secret.as_str(), config.jwt_secret.as_str()), ("s", "j"));
        assert_eq!(config.serve_app.as_deref(), Some(std::path::Path::new("dist")));
        assert_eq!(config.channels_url.as_ref().map(|url| url.as_str()), Some("http://127.0.0.1:8001/"));
        assert_eq!(config.channels_secret, "c");
        assert_eq!((config.seed_users, config.seed_events), (50_000, 100_000));
        assert!(config.log_requests, "not a flag");
    }

    #[test]
    fn the_last_occurrence_of_a_flag_wins() {
        let config = parse(&["--serve-app", "dist", "--token-ttl", "5", "--serve-app", "copy"]).unwrap();
        assert_eq!(config.serve_app.as_deref(), Some(std::path::Path::new("copy")));
        assert_eq!(config.token_ttl, Duration::from_secs(5));
    }

    #[test]
    fn mistakes_are_reported_not_ignored() {
        assert_eq!(parse(&["--port", "1"]), Err(ErrorKind::UnknownArgument));
        assert_eq!(parse(&["--addr"]), Err(ErrorKind::InvalidValue));
        assert_eq!(parse(&["-h"]), Err(ErrorKind::DisplayHelp));
        assert_eq!(parse(&["--token-ttl", "soon"]), Err(ErrorKind::ValueValidation));
        assert_eq!(parse(&["--refresh-ttl", "a month"]), Err(ErrorKind::ValueValidation));
        assert_eq!(parse(&["--addr", "0.0.0.0:8000"]), Err(ErrorKind::ValueValidation));
        assert_eq!(parse(&["--pusher-url", "https://127.0.0.1:6001"]), Err(ErrorKind::ValueValidation));
        assert_eq!(parse(&["--channels-url", "ws://127.0.0.1:9001"]), Err(ErrorKind::ValueValidation));
        let error = Cli::try_parse_from(["herald-devserver", "--addr", "0.0.0.0:8000"]).unwrap_err();
        assert!(error.to_string().contains("only loopback addresses"), "{error}");
    }

    #[test]
    fn fire_is_a_subcommand_that_takes_no_server_flags() {
        let cli = Cli::try_parse_from(["herald-devserver", "fire", "UserCreated", "--count", "3"]).unwrap();
        let Some(Command::Fire(options)) = cli.command else { panic!("not the fire command") };
        assert_eq!(options.count, 3);
        let mixed = Cli::try_parse_from(["herald-devserver", "--reset", "fire", "UserCreated"]);
        assert!(mixed.is_err());
    }
}
