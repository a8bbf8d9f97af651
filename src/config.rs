//! The runtime configuration, fetched from `/config.json` at start-up so one build can be
//! pointed at any backend and Pusher-protocol server. Nothing here is compiled in, and the
//! app secret is never part of it. Its schema ([`Config`]) is `herald_contract`'s.

use wasm_bindgen::{JsCast, JsValue};

use crate::api::ApiError;

/// `config.json`'s schema is the contract's, shared with the backends that serve it.
pub use herald_contract::{Config, TransportKind};

/// Reads and parses `/config.json` from the app's origin: the text `public/start.js`
/// fetched while the wasm downloaded and compiled, or (when it got none) a fetch of its own,
/// which says what went wrong. `?debug=1` in the address the app was opened at turns the
/// debug log on, whatever the file says.
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

/// The Pusher server's WebSocket URL for the configured app key.
pub fn socket_url(config: &Config) -> String {
    let endpoint = config.pusher.endpoint();
    let version = env!("CARGO_PKG_VERSION");
    herald_protocol::socket_url(&endpoint.host, endpoint.port, endpoint.tls, &config.pusher.key, version)
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
