//! `config.json`, the app's runtime configuration: what the app reads at start-up and what
//! a backend serves it. Nothing in it is secret; the app secret is never part of it.

use serde::{Deserialize, Serialize};

use crate::channel::ChannelKind;
use crate::event::NAMESPACE;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Prefix of every API request; "" means the app's own origin.
    #[serde(default)]
    pub api_base: String,
    /// The channel authorizer, relative to `api_base`. Default: `/broadcasting/auth`.
    #[serde(default = "default_auth_endpoint")]
    pub auth_endpoint: String,
    /// Which realtime protocol the backend speaks. Default: `pusher`.
    #[serde(default)]
    pub transport: TransportKind,
    /// The Pusher server; required (its `key` at least) with `"transport": "pusher"`.
    #[serde(default)]
    pub pusher: PusherConfig,
    /// The Django Channels WebSocket URL, such as `ws://host/ws/notifications/`; required
    /// with `"transport": "channels"`. The app adds `?token=<JWT>` when it connects, and
    /// never logs the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ws_url: Option<String>,
    #[serde(default)]
    pub channels: ChannelTemplates,
    /// The namespace of the backend's event classes. Default: `App\Events`.
    #[serde(default = "default_event_namespace")]
    pub event_namespace: String,
    /// Where missed events are fetched after a reconnect; `null` when the backend has none.
    #[serde(default)]
    pub catch_up_endpoint: Option<String>,
    /// Logs every realtime step to the console, like `Pusher.logToConsole`. Default: false.
    #[serde(default)]
    pub debug: bool,
}

/// The realtime protocols Herald speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// Pusher protocol 7: Sockudo, Soketi, Laravel Reverb, Pusher Channels.
    #[default]
    Pusher,
    /// Django Channels (Daphne) with the token in the socket's URL.
    Channels,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PusherConfig {
    /// The app key. Default: none, which `"transport": "pusher"` refuses.
    #[serde(default)]
    pub key: String,
    /// Default: `127.0.0.1`.
    #[serde(default = "default_ws_host")]
    pub ws_host: String,
    /// Default: 6001.
    #[serde(default = "default_ws_port")]
    pub ws_port: u16,
    /// `wss://` instead of `ws://`. Default: false.
    #[serde(default)]
    pub force_tls: bool,
    /// Pusher Channels' cluster (e.g. `eu`): when set, the host is `ws-{cluster}.pusher.com`.
    #[serde(default)]
    pub cluster: Option<String>,
    /// Seconds of silence before the client pings. Default: 120.
    #[serde(default = "default_activity_timeout")]
    pub activity_timeout_s: u64,
}

/// Channel names with `{tenant_id}` and `{user_id}` placeholders, one per [`ChannelKind`].
/// Defaults: `private-tenant.{tenant_id}`, `private-user.{user_id}`, `private-system.admin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelTemplates {
    pub tenant: String,
    pub user: String,
    pub admin: String,
}

/// Where a Pusher client connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketEndpoint {
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

impl Config {
    /// What the chosen transport needs is there.
    pub fn check(&self) -> Result<(), String> {
        match self.transport {
            TransportKind::Pusher if self.pusher.key.is_empty() => {
                Err("\"transport\": \"pusher\" needs \"pusher\": {\"key\": …}".into())
            }
            TransportKind::Channels if self.ws_url.as_deref().is_none_or(str::is_empty) => {
                Err("\"transport\": \"channels\" needs \"ws_url\"".into())
            }
            _ => Ok(()),
        }
    }

    /// An API URL for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.api_base.trim_end_matches('/'), path)
    }
}

impl PusherConfig {
    /// The host, port and scheme to connect to: Pusher Channels' cluster host when a cluster
    /// is set, `ws_host`:`ws_port` otherwise.
    pub fn endpoint(&self) -> SocketEndpoint {
        match &self.cluster {
            Some(cluster) if !cluster.is_empty() => {
                SocketEndpoint { host: format!("ws-{cluster}.pusher.com"), port: 443, tls: true }
            }
            _ => SocketEndpoint { host: self.ws_host.clone(), port: self.ws_port, tls: self.force_tls },
        }
    }
}

impl ChannelTemplates {
    pub fn template(&self, kind: ChannelKind) -> &str {
        match kind {
            ChannelKind::Tenant => &self.tenant,
            ChannelKind::User => &self.user,
            ChannelKind::Admin => &self.admin,
        }
    }

    /// The kind of the channel named `channel`: the one whose template it fills, with a
    /// number in each placeholder; `None` for a name no template makes.
    pub fn kind_of(&self, channel: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|&kind| fills(self.template(kind), channel))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api_base: String::new(),
            auth_endpoint: default_auth_endpoint(),
            transport: TransportKind::default(),
            pusher: PusherConfig::default(),
            ws_url: None,
            channels: ChannelTemplates::default(),
            event_namespace: default_event_namespace(),
            catch_up_endpoint: None,
            debug: false,
        }
    }
}

impl Default for PusherConfig {
    fn default() -> Self {
        PusherConfig {
            key: String::new(),
            ws_host: default_ws_host(),
            ws_port: default_ws_port(),
            force_tls: false,
            cluster: None,
            activity_timeout_s: default_activity_timeout(),
        }
    }
}

impl Default for ChannelTemplates {
    fn default() -> Self {
        ChannelTemplates {
            tenant: "private-tenant.{tenant_id}".into(),
            user: "private-user.{user_id}".into(),
            admin: "private-system.admin".into(),
        }
    }
}

/// Whether `name` is `template` with a decimal number in each `{placeholder}`.
fn fills(template: &str, name: &str) -> bool {
    let Some((literal, rest)) = template.split_once('{') else {
        return template == name;
    };
    let Some((_placeholder, rest)) = rest.split_once('}') else {
        return template == name;
    };
    let Some(name) = name.strip_prefix(literal) else {
        return false;
    };
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    (1..=digits).any(|taken| fills(rest, &name[taken..]))
}

fn default_auth_endpoint() -> String {
    "/broadcasting/auth".into()
}
fn default_event_namespace() -> String {
    NAMESPACE.into()
}
fn default_ws_host() -> String {
    "127.0.0.1".into()
}
fn default_ws_port() -> u16 {
    6001
}
fn default_activity_timeout() -> u64 {
    120
}

#[cfg(test)]
mod tests {
    use crate::channel::ChannelKind;
    use crate::config::{ChannelTemplates, Config, SocketEndpoint, TransportKind};

    #[test]
    fn the_repositorys_config_json_reads_and_checks() {
        let config: Config = serde_json::from_str(include_str!("../../../public/config.json")).unwrap();
        assert_eq!(config.check(), Ok(()));
        assert_eq!((config.transport, config.pusher.key.as_str()), (TransportKind::Pusher, "herald-key"));
        assert_eq!(config.event_namespace, "App\\Events");
        let written = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<Config>(&written).unwrap(), config, "it round-trips");
    }

    #[test]
    fn a_transport_without_what_it_needs_is_refused() {
        let check = |json: &str| serde_json::from_str::<Config>(json).unwrap().check();
        assert!(check("{}").is_err());
        assert!(check(r#"{"transport": "channels"}"#).is_err());
        assert_eq!(check(r#"{"transport": "channels", "ws_url": "ws://h/ws/"}"#), Ok(()));
        assert!(serde_json::from_str::<Config>(r#"{"transport": "mqtt"}"#).is_err());
    }

    #[test]
    fn urls_and_endpoints() {
        let mut config: Config = serde_json::from_str(r#"{"api_base": "http://api.test/"}"#).unwrap();
        assert_eq!(config.url("/api/me"), "http://api.test/api/me");
        assert_eq!(
            config.pusher.endpoint(),
            SocketEndpoint { host: "127.0.0.1".into(), port: 6001, tls: false }
        );
        config.pusher.cluster = Some("eu".into());
        assert_eq!(
            config.pusher.endpoint(),
            SocketEndpoint { host: "ws-eu.pusher.com".into(), port: 443, tls: true }
        );
    }

    /// Regression: the history's channel filter once guessed a kind from the words in a
    /// name, so `private-system.alerts` counted as admin and a template such as
    /// `private-org.{tenant_id}` as nothing. The configured templates decide now.
    #[test]
    fn a_channels_kind_is_the_template_it_fills() {
        let check = |templates: &ChannelTemplates, name: &str, expect: Option<ChannelKind>| {
            assert_eq!(templates.kind_of(name), expect, "{name} under {templates:?}");
        };
        let defaults = ChannelTemplates::default();
        check(&defaults, "private-tenant.1", Some(ChannelKind::Tenant));
        check(&defaults, "private-user.42", Some(ChannelKind::User));
        check(&defaults, "private-system.admin", Some(ChannelKind::Admin));
        check(&defaults, "private-tenant.", None);
        check(&defaults, "private-tenant.1x", None);
        check(&defaults, "tenant.1", None);
        check(&defaults, "presence-system.alerts", None);
        check(&defaults, "", None);
        let custom = ChannelTemplates {
            tenant: "org-{tenant_id}.feed".into(),
            user: "people.{tenant_id}.{user_id}".into(),
            admin: "ops".into(),
        };
        check(&custom, "org-7.feed", Some(ChannelKind::Tenant));
        check(&custom, "people.7.12", Some(ChannelKind::User));
        check(&custom, "ops", Some(ChannelKind::Admin));
        check(&custom, "private-tenant.7", None);
        check(&custom, "people.7.", None);
    }
}
