//! The runtime configuration, fetched from `/config.json` at start-up so one build can be
//! pointed at any backend and Pusher-protocol server. Nothing here is compiled in, and the
//! app secret is never part of it.

pub use herald_client::ChannelTemplates;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::api::ApiError;

#[derive(Debug, Clone, PartialEq, Deserialize)]
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
    #[serde(default)]
    pub ws_url: Option<String>,
    #[serde(default)]
    pub channels: ChannelTemplates,
    /// Where missed events are fetched after a reconnect; `null` when the backend has none.
    #[serde(default)]
    pub catch_up_endpoint: Option<String>,
    /// Logs every realtime step to the console, like `Pusher.logToConsole`. `?debug=1` in
    /// the address the app was opened at turns it on too.
    #[serde(default)]
    pub debug: bool,
}

/// The realtime protocols Herald speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// Pusher protocol 7: Sockudo, Soketi, Laravel Reverb, Pusher Channels.
    #[default]
    Pusher,
    /// Django Channels (Daphne) with the token in the socket's URL.
    Channels,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PusherConfig {
    #[serde(default)]
    pub key: String,
    #[serde(default = "default_ws_host")]
    pub ws_host: String,
    #[serde(default = "default_ws_port")]
    pub ws_port: u16,
    #[serde(default)]
    pub force_tls: bool,
    /// Pusher Channels' cluster (e.g. `eu`): when set, the host is `ws-{cluster}.pusher.com`.
    #[serde(default)]
    pub cluster: Option<String>,
    /// Seconds of silence before the client pings. Default: 120.
    #[serde(default = "default_activity_timeout")]
    pub activity_timeout_s: u64,
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

fn default_auth_endpoint() -> String {
    "/broadcasting/auth".into()
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

impl Config {
    /// Reads and parses `/config.json` from the app's origin: the text `public/start.js`
    /// fetched while the wasm downloaded and compiled, or (when it got none) a fetch of its own,
    /// which says what went wrong.
    pub async fn load() -> Result<Config, ApiError> {
        let text = match prefetched().await {
            Some(text) => text,
            None => fetch_config().await?,
        };
        let mut config: Config = serde_json::from_str(&text)
            .map_err(|e| ApiError::Decode(format!("/config.json is not a valid configuration: {e}")))?;
        config.check().map_err(|problem| ApiError::Decode(format!("/config.json: {problem}")))?;
        // Read from the address the app was opened at: the realtime service starts later
        // (after sign-in, `crate::services`), when a redirect may have dropped the query.
        config.debug |= opened_with_debug();
        Ok(config)
    }

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

    /// The Pusher server's WebSocket URL for this app key.
    pub fn socket_url(&self) -> String {
        let p = &self.pusher;
        let (host, port, tls) = match &p.cluster {
            Some(cluster) if !cluster.is_empty() => (format!("ws-{cluster}.pusher.com"), 443, true),
            _ => (p.ws_host.clone(), p.ws_port, p.force_tls),
        };
        herald_protocol::socket_url(&host, port, tls, &p.key, env!("CARGO_PKG_VERSION"))
    }
}

/// Whether the page's address asks for the debug log (`?debug=1`).
fn opened_with_debug() -> bool {
    web_sys::window().and_then(|w| w.location().search().ok()).is_some_and(|q| q.contains("debug=1"))
}

/// `window.heraldConfig`, the text of `/config.json` that `public/start.js` fetched, taken
/// once; `None` without it, or when that fetch failed.
async fn prefetched() -> Option<String> {
    let window = web_sys::window()?;
    let key = JsValue::from_str("heraldConfig");
    let promise: js_sys::Promise = js_sys::Reflect::get(&window, &key).ok()?.dyn_into().ok()?;
    let _ = js_sys::Reflect::delete_property(&window, &key);
    wasm_bindgen_futures::JsFuture::from(promise).await.ok()?.as_string()
}

/// `/config.json` fetched by the app itself.
async fn fetch_config() -> Result<String, ApiError> {
    let response = gloo_net::http::Request::get("/config.json")
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if !response.ok() {
        return Err(ApiError::Server {
            status: response.status(),
            message: "The app's configuration (/config.json) could not be loaded.".into(),
        });
    }
    response.text().await.map_err(|e| ApiError::Network(e.to_string()))
}
