//! Command-line flags and environment variables, parsed by hand.
//!
//! Every flag has an environment variable beside it so `cargo xtask demo`, CI and the
//! end-to-end tests can configure the server either way; a flag wins over its variable, and
//! the variable over the default. The parser takes the arguments and a lookup function rather
//! than reading the process's own, so tests can check it without touching the environment.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::store::Location;

/// Everything the devserver is started with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Where to listen: `--addr` / `HERALD_ADDR`, default `127.0.0.1:8000`. Must be a loopback
    /// address, because this server holds demo credentials and an unauthenticated publish route.
    /// Port 0 picks a free port.
    pub addr: SocketAddr,
    /// Base URL of Sockudo's HTTP API: `--pusher-url` / `HERALD_PUSHER_URL`, default
    /// `http://127.0.0.1:6001`. Plain `http` only: the HTTP client is built without TLS.
    pub pusher_url: reqwest::Url,
    /// Pusher app id: `--app-id` / `HERALD_APP_ID`, default `herald`.
    pub app_id: String,
    /// Pusher app key, public: `--app-key` / `HERALD_APP_KEY`, default `herald-key`.
    pub app_key: String,
    /// Pusher app secret, never sent to a browser: `--app-secret` / `HERALD_APP_SECRET`,
    /// default `herald-secret`.
    pub app_secret: String,
    /// HS256 key for bearer tokens: `--jwt-secret` / `HERALD_JWT_SECRET`, default
    /// `herald-dev-jwt-secret`.
    pub jwt_secret: String,
    /// How long a token lives: `--token-ttl <seconds>` / `HERALD_TOKEN_TTL`, default 28800
    /// (8 hours). Tests of expiry use a few seconds or 0.
    pub token_ttl: Duration,
    /// The built app (Trunk's `dist/`) to serve as static files with an SPA fallback:
    /// `--serve-app <dir>` / `HERALD_SERVE_APP`, default none (Trunk serves the app and
    /// proxies `/api` here).
    pub serve_app: Option<PathBuf>,
    /// Where the database lives: `--data-dir DIR` / `HERALD_DATA_DIR`, default `.herald/data`
    /// (relative to the working directory; the file inside is `herald.sqlite3`). The value
    /// `:memory:` keeps the data in memory, gone when the server stops.
    pub data: Location,
    /// Delete the database and start from the seed: `--reset` / `HERALD_RESET=1`, default off.
    pub reset: bool,
    /// A Django Channels server (`channels_server/`) to publish every event to as well, through
    /// its `POST /broadcast`: `--channels-url` / `HERALD_CHANNELS_URL`, default none. Plain
    /// `http` only, like `pusher_url`. With `--serve-app`, `config.json` then chooses the
    /// `channels` transport with that server's `/ws/notifications/`.
    pub channels_url: Option<reqwest::Url>,
    /// The shared secret `POST /broadcast` wants in `X-Broadcast-Secret`, never sent to a
    /// browser: `--channels-secret` / `HERALD_CHANNELS_SECRET`, default `herald-channels-secret`.
    pub channels_secret: String,
    /// Print one line per request to stderr. Not a flag: tests turn it off to keep output quiet.
    pub log_requests: bool,
}

/// Why the command line or environment could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// `--help` or `-h`: not an error, but the caller prints [`USAGE`] and stops.
    HelpRequested,
    /// A flag this program does not have.
    UnknownFlag(String),
    /// A flag given last, with no value after it.
    MissingValue(&'static str),
    /// A value that does not parse, with the reason.
    InvalidValue { flag: &'static str, value: String, reason: String },
}

pub const USAGE: &str = "\
usage: herald-devserver [OPTIONS]

Herald's demo backend. Every option can also be set through the environment variable shown.

  --addr ADDR            listen address, loopback only      HERALD_ADDR        127.0.0.1:8000
  --pusher-url URL       Sockudo's HTTP API base            HERALD_PUSHER_URL  http://127.0.0.1:6001
  --app-id ID            Pusher app id                      HERALD_APP_ID      herald
  --app-key KEY          Pusher app key                     HERALD_APP_KEY     herald-key
  --app-secret SECRET    Pusher app secret                  HERALD_APP_SECRET  herald-secret
  --jwt-secret SECRET    HS256 key for bearer tokens        HERALD_JWT_SECRET  herald-dev-jwt-secret
  --token-ttl SECONDS    bearer token lifetime              HERALD_TOKEN_TTL   28800
  --serve-app DIR        serve a built app (Trunk's dist/)  HERALD_SERVE_APP   (off)
  --data-dir DIR         database folder, or :memory:       HERALD_DATA_DIR    .herald/data
  --reset                delete the data and re-seed        HERALD_RESET=1     (off)
  --channels-url URL     also publish to a Django Channels  HERALD_CHANNELS_URL     (off)
                         server; the served app then uses it
  --channels-secret S    its X-Broadcast-Secret             HERALD_CHANNELS_SECRET  herald-channels-secret

  herald-devserver fire --help   describes the subcommand that causes events on a running server
  -h, --help             print this help
";

/// One flag: its name on the command line and the variable that stands in for it.
struct Flag {
    name: &'static str,
    env: &'static str,
}

const ADDR: Flag = Flag { name: "--addr", env: "HERALD_ADDR" };
const PUSHER_URL: Flag = Flag { name: "--pusher-url", env: "HERALD_PUSHER_URL" };
const APP_ID: Flag = Flag { name: "--app-id", env: "HERALD_APP_ID" };
const APP_KEY: Flag = Flag { name: "--app-key", env: "HERALD_APP_KEY" };
const APP_SECRET: Flag = Flag { name: "--app-secret", env: "HERALD_APP_SECRET" };
const JWT_SECRET: Flag = Flag { name: "--jwt-secret", env: "HERALD_JWT_SECRET" };
const TOKEN_TTL: Flag = Flag { name: "--token-ttl", env: "HERALD_TOKEN_TTL" };
const SERVE_APP: Flag = Flag { name: "--serve-app", env: "HERALD_SERVE_APP" };
const DATA_DIR: Flag = Flag { name: "--data-dir", env: "HERALD_DATA_DIR" };
/// A switch: it takes no value on the command line; its variable is on when set to `1`.
const RESET: Flag = Flag { name: "--reset", env: "HERALD_RESET" };
const CHANNELS_URL: Flag = Flag { name: "--channels-url", env: "HERALD_CHANNELS_URL" };
const CHANNELS_SECRET: Flag = Flag { name: "--channels-secret", env: "HERALD_CHANNELS_SECRET" };

const FLAGS: [&Flag; 12] = [
    &ADDR,
    &PUSHER_URL,
    &APP_ID,
    &APP_KEY,
    &APP_SECRET,
    &JWT_SECRET,
    &TOKEN_TTL,
    &SERVE_APP,
    &DATA_DIR,
    &RESET,
    &CHANNELS_URL,
    &CHANNELS_SECRET,
];

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
            pusher_url: reqwest::Url::parse("http://127.0.0.1:6001").expect("a valid literal URL"),
            app_id: "herald".to_owned(),
            app_key: "herald-key".to_owned(),
            app_secret: "herald-secret".to_owned(),
            jwt_secret: "herald-dev-jwt-secret".to_owned(),
            token_ttl: Duration::from_secs(28_800),
            serve_app: None,
            data: Location::Folder(PathBuf::from(".herald/data")),
            reset: false,
            channels_url: None,
            channels_secret: "herald-channels-secret".to_owned(),
            log_requests: true,
        }
    }
}

impl Config {
    /// Reads the process's own arguments (without the program name) and environment.
    pub fn from_process() -> Result<Config, ConfigError> {
        Config::parse(std::env::args().skip(1), |name| std::env::var(name).ok())
    }

    /// Parses `args` (without the program name), falling back to `env` for flags not given.
    /// Flags take their value as the next argument or after `=`.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut given: Vec<(&'static Flag, String)> = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "-h" || arg == "--help" {
                return Err(ConfigError::HelpRequested);
            }
            let (name, inline_value) = match arg.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (arg.clone(), None),
            };
            let Some(flag) = FLAGS.iter().copied().find(|flag| flag.name == name) else {
                return Err(ConfigError::UnknownFlag(arg));
            };
            let value = match inline_value {
                Some(value) => value,
                None if flag.name == RESET.name => "1".to_owned(),
                None => args.next().ok_or(ConfigError::MissingValue(flag.name))?,
            };
            given.push((flag, value));
        }
        // The last occurrence of a flag wins, as with most command-line tools.
        let value_of = |flag: &Flag| -> Option<String> {
            given
                .iter()
                .rev()
                .find(|(given_flag, _)| given_flag.name == flag.name)
                .map(|(_, value)| value.clone())
                .or_else(|| env(flag.env).filter(|value| !value.is_empty()))
        };

        let mut config = Config::default();
        if let Some(value) = value_of(&ADDR) {
            config.addr = parse_addr(&value)?;
        }
        if let Some(value) = value_of(&PUSHER_URL) {
            config.pusher_url = parse_http_url(&PUSHER_URL, &value)?;
        }
        if let Some(value) = value_of(&CHANNELS_URL) {
            config.channels_url = Some(parse_http_url(&CHANNELS_URL, &value)?);
        }
        if let Some(value) = value_of(&CHANNELS_SECRET) {
            config.channels_secret = value;
        }
        if let Some(value) = value_of(&APP_ID) {
            config.app_id = value;
        }
        if let Some(value) = value_of(&APP_KEY) {
            config.app_key = value;
        }
        if let Some(value) = value_of(&APP_SECRET) {
            config.app_secret = value;
        }
        if let Some(value) = value_of(&JWT_SECRET) {
            config.jwt_secret = value;
        }
        if let Some(value) = value_of(&TOKEN_TTL) {
            let seconds = value.parse::<u64>().map_err(|error| ConfigError::InvalidValue {
                flag: TOKEN_TTL.name,
                value: value.clone(),
                reason: error.to_string(),
            })?;
            config.token_ttl = Duration::from_secs(seconds);
        }
        if let Some(value) = value_of(&SERVE_APP) {
            config.serve_app = Some(PathBuf::from(value));
        }
        if let Some(value) = value_of(&DATA_DIR) {
            config.data =
                if value == ":memory:" { Location::Memory } else { Location::Folder(PathBuf::from(value)) };
        }
        if let Some(value) = value_of(&RESET) {
            config.reset = match value.as_str() {
                "1" | "true" => true,
                "0" | "false" => false,
                _ => {
                    return Err(ConfigError::InvalidValue {
                        flag: RESET.name,
                        value,
                        reason: "use 1 or 0".to_owned(),
                    });
                }
            };
        }
        Ok(config)
    }
}

fn parse_addr(value: &str) -> Result<SocketAddr, ConfigError> {
    let invalid =
        |reason: String| ConfigError::InvalidValue { flag: ADDR.name, value: value.to_owned(), reason };
    let addr: SocketAddr = value.parse().map_err(|error| invalid(format!("{error}")))?;
    if !addr.ip().is_loopback() {
        return Err(invalid("only loopback addresses such as 127.0.0.1 are allowed".to_owned()));
    }
    Ok(addr)
}

/// A base URL for one of the servers this one publishes to.
fn parse_http_url(flag: &Flag, value: &str) -> Result<reqwest::Url, ConfigError> {
    let invalid =
        |reason: String| ConfigError::InvalidValue { flag: flag.name, value: value.to_owned(), reason };
    let url = reqwest::Url::parse(value).map_err(|error| invalid(error.to_string()))?;
    if url.scheme() != "http" {
        return Err(invalid("only http:// is supported (the client is built without TLS)".into()));
    }
    if url.host_str().is_none() {
        return Err(invalid("the URL has no host".to_owned()));
    }
    Ok(url)
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::HelpRequested => f.write_str("help requested"),
            ConfigError::UnknownFlag(flag) => write!(f, "unknown option `{flag}`"),
            ConfigError::MissingValue(flag) => write!(f, "option `{flag}` needs a value"),
            ConfigError::InvalidValue { flag, value, reason } => {
                write!(f, "invalid value `{value}` for `{flag}`: {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use crate::config::{Config, ConfigError};
    use crate::store::Location;
    use std::time::Duration;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> =
            env.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
        Config::parse(args.iter().map(|arg| arg.to_string()), move |name| {
            env.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
        })
    }

    #[test]
    fn nothing_given_means_the_contract_defaults() {
        assert_eq!(parse(&[], &[]), Ok(Config::default()));
        let config = Config::default();
        assert_eq!(config.addr.to_string(), "127.0.0.1:8000");
        assert_eq!(config.pusher_url.as_str(), "http://127.0.0.1:6001/");
        assert_eq!(config.token_ttl, Duration::from_secs(28_800));
    }

    #[test]
    fn a_flag_wins_over_its_environment_variable() {
        let config = parse(
            &["--addr", "127.0.0.1:0", "--token-ttl=5"],
            &[("HERALD_ADDR", "127.0.0.1:9000"), ("HERALD_APP_ID", "from-env")],
        )
        .unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:0");
        assert_eq!(config.token_ttl, Duration::from_secs(5));
        assert_eq!(config.app_id, "from-env");
    }

    #[test]
    fn every_flag_is_read() {
        let config = parse(
            &[
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
            ],
            &[],
        )
        .unwrap();
        assert_eq!(config.data, Location::Folder("var/data".into()));
        assert!(config.reset, "--reset is a switch: it did not take --data-dir as its value");
        assert_eq!(parse(&["--data-dir", ":memory:"], &[]).unwrap().data, Location::Memory);
        assert!(parse(&[], &[("HERALD_RESET", "1")]).unwrap().reset);
        assert!(!parse(&[], &[]).unwrap().reset);
        assert_eq!(config.pusher_url.port(), Some(7001));
        assert_eq!((config.app_id.as_str(), config.app_key.as_str()), ("a", "k"));
        assert_eq!((config.app_secret.as_str(), config.jwt_secret.as_str()), ("s", "j"));
        assert_eq!(config.serve_app.as_deref(), Some(std::path::Path::new("dist")));
        assert_eq!(config.channels_url.as_ref().map(|url| url.as_str()), Some("http://127.0.0.1:8001/"));
        assert_eq!(config.channels_secret, "c");
    }

    #[test]
    fn the_channels_server_is_off_unless_named() {
        let config = parse(&[], &[]).unwrap();
        assert_eq!((config.channels_url, config.channels_secret.as_str()), (None, "herald-channels-secret"));
        let config = parse(&[], &[("HERALD_CHANNELS_URL", "http://127.0.0.1:9001")]).unwrap();
        assert_eq!(config.channels_url.map(|url| url.port()), Some(Some(9001)));
        assert!(matches!(
            parse(&["--channels-url", "ws://127.0.0.1:9001"], &[]),
            Err(ConfigError::InvalidValue { flag: "--channels-url", .. })
        ));
    }

    #[test]
    fn mistakes_are_reported_not_ignored() {
        assert_eq!(parse(&["--port", "1"], &[]), Err(ConfigError::UnknownFlag("--port".into())));
        assert_eq!(parse(&["--addr"], &[]), Err(ConfigError::MissingValue("--addr")));
        assert_eq!(parse(&["-h"], &[]), Err(ConfigError::HelpRequested));
        assert!(matches!(parse(&["--token-ttl", "soon"], &[]), Err(ConfigError::InvalidValue { .. })));
        assert!(matches!(parse(&["--addr", "0.0.0.0:8000"], &[]), Err(ConfigError::InvalidValue { .. })));
        assert!(matches!(
            parse(&[], &[("HERALD_PUSHER_URL", "https://127.0.0.1:6001")]),
            Err(ConfigError::InvalidValue { .. })
        ));
    }
}
