//! The `herald-listen` binary's options and the lines it prints, as pure functions.
//!
//! Events go to stdout, one line each (`HH:MM:SS channel ShortName {json}`), so the output
//! can be piped or grepped; everything about the connection and the session (refreshes, and
//! why it ended) goes to stderr. clap parses the
//! options: a flag wins over its variable (only `HERALD_PASSWORD`), the variable over the default.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;
use herald_protocol::{AuthResult, ConnectionState, Event, Millis, SubscriptionError};

use crate::client::{ClientEvent, Direction};
use crate::session::SessionEvent;
use herald_contract::ChannelTemplates;

/// What `herald-listen` was asked to do.
#[derive(Clone, PartialEq, Eq, Parser)]
#[command(
    name = "herald-listen",
    args_override_self = true,
    about = "Signs in to Herald's backend, subscribes to that person's channels (or the ones given) \
             and prints one line per event on stdout: `HH:MM:SS channel ShortName {json}` (UTC). \
             Connection state, subscription results and token refreshes go to stderr. It keeps the \
             session alive by refreshing its tokens, and exits with 1 when the backend ends it. \
             Ctrl-C stops it."
)]
pub struct Options {
    /// Backend base URL.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8000")]
    pub api: String,
    /// Pusher server (Sockudo) base URL.
    #[arg(long, value_name = "URL", default_value = "ws://127.0.0.1:6001")]
    pub ws: String,
    /// Pusher app key.
    #[arg(long, value_name = "KEY", default_value = "herald-key")]
    pub key: String,
    /// Who to sign in as.
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Their password; the variable keeps it out of the process list.
    #[arg(long, value_name = "PASSWORD", env = "HERALD_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// A channel to subscribe instead of the person's own (repeatable).
    #[arg(long = "channel", value_name = "NAME")]
    pub channels: Vec<String>,
    /// Tenant channel template.
    #[arg(long, value_name = "T", default_value_t = ChannelTemplates::default().tenant)]
    pub tenant_channel: String,
    /// User channel template.
    #[arg(long, value_name = "T", default_value_t = ChannelTemplates::default().user)]
    pub user_channel: String,
    /// System admin channel template.
    #[arg(long, value_name = "T", default_value_t = ChannelTemplates::default().admin)]
    pub admin_channel: String,
    /// Also print frames, authorization requests and ignored events.
    #[arg(long)]
    pub debug: bool,
}

impl Options {
    /// The channel templates `--tenant-channel`, `--user-channel` and `--admin-channel` give.
    pub fn templates(&self) -> ChannelTemplates {
        ChannelTemplates {
            tenant: self.tenant_channel.clone(),
            user: self.user_channel.clone(),
            admin: self.admin_channel.clone(),
        }
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("api", &self.api)
            .field("ws", &self.ws)
            .field("key", &self.key)
            .field("email", &self.email)
            .field("password", &"<hidden>")
            .field("channels", &self.channels)
            .field("templates", &self.templates())
            .field("debug", &self.debug)
            .finish()
    }
}

/// One line of output, without its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// An application event, for stdout: `channel ShortName {json}`.
    Event(String),
    /// Anything about the connection, for stderr.
    Status(String),
}

/// The line for `event`, if it gets one. `now` is the client's clock ([`crate::Client::now`]),
/// to turn `retry_at` into a wait; `debug` adds frames, authorization requests and ignored
/// events.
pub fn render(event: &ClientEvent, now: Millis, debug: bool) -> Option<Line> {
    let status = |text: String| Some(Line::Status(text));
    match event {
        ClientEvent::Protocol(event) => match event {
            Event::Message { channel, name, data, .. } => {
                let channel = channel.as_deref().unwrap_or("-");
                Some(Line::Event(format!("{channel} {name} {data}")))
            }
            Event::StateChanged(state) => status(format!("state {}", describe_state(state, now))),
            Event::Subscribed { channel } => status(format!("subscribed {channel}")),
            Event::SubscriptionFailed { channel, error } => {
                status(format!("subscription to {channel} failed: {}", describe_subscription_error(error)))
            }
            Event::AuthorizationRetry { channel, attempt, retry_at, reason } => {
                let wait = retry_at.since(now).0;
                status(format!("authorizing {channel} failed ({reason}); attempt {attempt} in {wait} ms"))
            }
            Event::ServerError { code, message } => match code {
                Some(code) => status(format!("server error {code}: {message}")),
                None => status(format!("server error: {message}")),
            },
            Event::FrameRejected(error) => status(format!("frame rejected: {error}")),
            Event::Settled if debug => status("every channel answered".to_owned()),
            Event::Interrupted if debug => {
                status("interrupted: events may be missed until settled".to_owned())
            }
            Event::Settled | Event::Interrupted => None,
            Event::Ignored { event, channel, reason } if debug => {
                let channel = channel.as_deref().unwrap_or("-");
                status(format!("ignored {event} on {channel}: {reason}"))
            }
            Event::Ignored { .. } => None,
        },
        ClientEvent::SocketClosed { code, reason } => {
            status(format!("socket closed (code {code}): {reason}"))
        }
        ClientEvent::AuthorizationRequested { channel, socket_id } if debug => {
            status(format!("auth {channel}: asking for a signature for socket {socket_id}"))
        }
        ClientEvent::AuthorizationAnswered { channel, result, .. } if debug => {
            let outcome = match result {
                AuthResult::Authorized { .. } => "authorized".to_owned(),
                AuthResult::Unauthorized => "401 unauthorized".to_owned(),
                AuthResult::Forbidden => "403 forbidden".to_owned(),
                AuthResult::Failed { reason } => format!("failed: {reason}"),
            };
            status(format!("auth {channel}: {outcome}"))
        }
        ClientEvent::Frame { direction, text } if debug => {
            let arrow = match direction {
                Direction::Sent => '>',
                Direction::Received => '<',
            };
            let shown: String = text.chars().take(500).collect();
            status(format!("{arrow} {shown}"))
        }
        ClientEvent::AuthorizationRequested { .. }
        | ClientEvent::AuthorizationAnswered { .. }
        | ClientEvent::Frame { .. } => None,
    }
}

/// The line for a session's `event`, always a status line.
pub fn render_session(event: &SessionEvent) -> Line {
    Line::Status(match event {
        SessionEvent::Refreshed { expires_in: Some(life) } => {
            format!("session refreshed; the new token lives {} s", life.as_secs())
        }
        SessionEvent::Refreshed { expires_in: None } => "session refreshed".to_owned(),
        SessionEvent::RefreshFailed { reason } => {
            format!("refreshing the session failed ({reason}); trying again")
        }
        SessionEvent::Ended { notice } => format!("session ended: {notice}"),
    })
}

fn describe_state(state: &ConnectionState, now: Millis) -> String {
    match state {
        ConnectionState::Initialized => "initialized".to_owned(),
        ConnectionState::Connecting => "connecting".to_owned(),
        ConnectionState::Connected { socket_id } => format!("connected (socket {socket_id})"),
        ConnectionState::Reconnecting { attempt, retry_at } => {
            format!("reconnecting (attempt {attempt} in {} ms)", retry_at.since(now).0)
        }
        ConnectionState::Unavailable => "unavailable (no network)".to_owned(),
        ConnectionState::Failed { reason } => format!("failed: {reason}"),
        ConnectionState::Disconnected => "disconnected".to_owned(),
    }
}

fn describe_subscription_error(error: &SubscriptionError) -> String {
    match error {
        SubscriptionError::Unauthorized => "401 unauthorized: the session is no longer valid".to_owned(),
        SubscriptionError::Forbidden => "403 forbidden: this person may not join it".to_owned(),
        SubscriptionError::Rejected { code: Some(code), message } => {
            format!("refused by the server (code {code}): {message}")
        }
        SubscriptionError::Rejected { code: None, message } => format!("refused by the server: {message}"),
    }
}

/// `HH:MM:SS` in UTC.
pub fn clock(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs()) % 86_400;
    format!("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use herald_protocol::{AuthResult, ConnectionState, Event, Millis, SubscriptionError};
    use serde_json::json;

    use clap::error::ErrorKind;
    use clap::{CommandFactory, FromArgMatches};
    use herald_contract::ChannelTemplates;

    use crate::cli::{Line, Options, clock, render, render_session};
    use crate::client::{ClientEvent, Direction};
    use crate::session::SessionEvent;

    /// The options from `args`, with `password_env` as the only environment: the command's
    /// variable is replaced by a default value so the test's own environment cannot matter.
    fn parse(args: &[&str], password_env: Option<&'static str>) -> Result<Options, ErrorKind> {
        let command = Options::command().mut_arg("password", |arg| match password_env {
            Some(password) => arg.env(None).required(false).default_value(password),
            None => arg.env(None),
        });
        let matches = command
            .try_get_matches_from(std::iter::once("herald-listen").chain(args.iter().copied()))
            .map_err(|error| error.kind())?;
        Options::from_arg_matches(&matches).map_err(|error| error.kind())
    }

    #[test]
    fn options_parse_with_defaults_flags_and_the_password_variable() {
        let options = parse(&["--email", "user@acme.test", "--password", "pw"], None).unwrap();
        assert_eq!(
            (options.api.as_str(), options.ws.as_str(), options.key.as_str()),
            ("http://127.0.0.1:8000", "ws://127.0.0.1:6001", "herald-key")
        );
        assert_eq!((options.email.as_str(), options.password.as_str()), ("user@acme.test", "pw"));
        assert!(options.channels.is_empty() && !options.debug);
        assert_eq!(options.templates(), ChannelTemplates::default());
        let options = parse(
            &[
                "--api=http://127.0.0.1:9000",
                "--ws",
                "ws://127.0.0.1:7001",
                "--key",
                "k",
                "--email=a@b",
                "--channel",
                "tenant.1",
                "--channel=private-user.2",
                "--tenant-channel",
                "tenant.{tenant_id}",
                "--debug",
            ],
            Some("from-env"),
        )
        .unwrap();
        assert_eq!(options.api, "http://127.0.0.1:9000");
        assert_eq!(options.ws, "ws://127.0.0.1:7001");
        assert_eq!(options.key, "k");
        assert_eq!(options.password, "from-env");
        assert_eq!(options.channels, ["tenant.1", "private-user.2"]);
        assert_eq!(options.templates().tenant, "tenant.{tenant_id}");
        assert!(options.debug);
        // The flag wins over the variable.
        assert_eq!(parse(&["--email", "a@b", "--password", "flag"], Some("env")).unwrap().password, "flag");
    }

    #[test]
    fn bad_command_lines_say_what_is_wrong() {
        assert_eq!(parse(&["--help"], None), Err(ErrorKind::DisplayHelp));
        assert_eq!(parse(&["--email", "a@b", "--verbose"], Some("pw")), Err(ErrorKind::UnknownArgument));
        assert_eq!(parse(&["--email"], Some("pw")), Err(ErrorKind::InvalidValue));
        assert_eq!(parse(&["--password", "pw"], None), Err(ErrorKind::MissingRequiredArgument));
        assert_eq!(parse(&["--email", "a@b"], None), Err(ErrorKind::MissingRequiredArgument));
        let error = Options::command()
            .mut_arg("password", |arg| arg.env(None))
            .try_get_matches_from(["herald-listen", "--email", "a@b"])
            .unwrap_err();
        assert!(error.to_string().contains("--password <PASSWORD>"), "{error}");
        assert!(Options::command().render_help().to_string().contains("HERALD_PASSWORD"));
    }

    #[test]
    fn the_password_never_shows_in_debug_output() {
        let options = parse(&["--email", "a@b", "--password", "hunter2"], None).unwrap();
        assert!(!format!("{options:?}").contains("hunter2"));
    }

    #[test]
    fn events_render_as_one_line_each() {
        let check = |event: ClientEvent, debug: bool, expect: Option<Line>| {
            assert_eq!(render(&event, Millis(1_000), debug), expect, "{event:?}");
        };
        let protocol = ClientEvent::Protocol;
        let status = |text: &str| Some(Line::Status(text.to_owned()));
        check(
            protocol(Event::Message {
                channel: Some("private-tenant.1".into()),
                name: "UserCreated".into(),
                raw_name: "App\\Events\\UserCreated".into(),
                data: json!({"id": "e1", "user": {"name": "Ann"}}),
            }),
            false,
            Some(Line::Event(r#"private-tenant.1 UserCreated {"id":"e1","user":{"name":"Ann"}}"#.into())),
        );
        check(
            protocol(Event::Message {
                channel: None,
                name: "Note".into(),
                raw_name: "Note".into(),
                data: json!("hi"),
            }),
            false,
            Some(Line::Event(r#"- Note "hi""#.into())),
        );
        check(
            protocol(Event::StateChanged(ConnectionState::Connected { socket_id: "1.2".into() })),
            false,
            status("state connected (socket 1.2)"),
        );
        check(
            protocol(Event::StateChanged(ConnectionState::Reconnecting {
                attempt: 2,
                retry_at: Millis(1_750),
            })),
            false,
            status("state reconnecting (attempt 2 in 750 ms)"),
        );
        check(
            protocol(Event::Subscribed { channel: "private-user.2".into() }),
            false,
            status("subscribed private-user.2"),
        );
        check(
            protocol(Event::SubscriptionFailed {
                channel: "private-tenant.2".into(),
                error: SubscriptionError::Forbidden,
            }),
            false,
            status("subscription to private-tenant.2 failed: 403 forbidden: this person may not join it"),
        );
        check(
            protocol(Event::SubscriptionFailed {
                channel: "private-x".into(),
                error: SubscriptionError::Rejected { code: Some(4009), message: "Invalid signature".into() },
            }),
            false,
            status("subscription to private-x failed: refused by the server (code 4009): Invalid signature"),
        );
        check(
            protocol(Event::AuthorizationRetry {
                channel: "private-user.2".into(),
                attempt: 1,
                retry_at: Millis(1_400),
                reason: "HTTP 502".into(),
            }),
            false,
            status("authorizing private-user.2 failed (HTTP 502); attempt 1 in 400 ms"),
        );
        let ignored =
            protocol(Event::Ignored { event: "pusher:pong".into(), channel: None, reason: "unused" });
        check(ignored.clone(), false, None);
        check(ignored, true, status("ignored pusher:pong on -: unused"));
        let requested =
            ClientEvent::AuthorizationRequested { channel: "private-user.2".into(), socket_id: "1.2".into() };
        check(requested.clone(), false, None);
        check(requested, true, status("auth private-user.2: asking for a signature for socket 1.2"));
        let answered = ClientEvent::AuthorizationAnswered {
            channel: "private-tenant.2".into(),
            socket_id: "1.2".into(),
            result: AuthResult::Forbidden,
        };
        check(answered, true, status("auth private-tenant.2: 403 forbidden"));
        check(
            ClientEvent::SocketClosed { code: 1006, reason: "cannot connect: refused".into() },
            false,
            status("socket closed (code 1006): cannot connect: refused"),
        );
        let frame = ClientEvent::Frame { direction: Direction::Received, text: "{}".into() };
        check(frame.clone(), false, None);
        check(frame, true, status("< {}"));
    }

    #[test]
    fn session_events_render_as_status_lines() {
        let check = |event: SessionEvent, expect: &str| {
            assert_eq!(render_session(&event), Line::Status(expect.to_owned()), "{event:?}");
        };
        check(
            SessionEvent::Refreshed { expires_in: Some(Duration::from_secs(900)) },
            "session refreshed; the new token lives 900 s",
        );
        check(SessionEvent::Refreshed { expires_in: None }, "session refreshed");
        check(
            SessionEvent::RefreshFailed { reason: "HTTP 502 Bad Gateway: (empty body)".into() },
            "refreshing the session failed (HTTP 502 Bad Gateway: (empty body)); trying again",
        );
        check(
            SessionEvent::Ended { notice: "Your session expired. Please sign in again.".into() },
            "session ended: Your session expired. Please sign in again.",
        );
    }

    #[test]
    fn the_clock_shows_utc_hours_minutes_and_seconds() {
        assert_eq!(clock(UNIX_EPOCH), "00:00:00");
        assert_eq!(
            clock(UNIX_EPOCH + Duration::from_secs(1_735_689_600 + 13 * 3600 + 5 * 60 + 9)),
            "13:05:09"
        );
    }
}
