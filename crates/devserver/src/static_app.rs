//! Serving the built app (`dist/`, made by `cargo xtask`) from the devserver itself, for `--serve-app`.
//!
//! End-to-end tests run everything on random ports. Serving the app from the API's own origin
//! avoids a proxy and CORS; rewriting `config.json`'s `ws_host`/`ws_port` to the Sockudo this
//! server publishes to means the app connects to that same Sockudo without a rebuild. With
//! `--channels-url`, the served `config.json` chooses the Channels transport instead
//! (`"transport": "channels"`, `"ws_url"`: that server's `/ws/notifications/`).
//!
//! The page is served with a Content-Security-Policy derived from that same `config.json`, so
//! the page may connect to exactly the API and the WebSocket server the app is configured for
//! and run no script but the build's own files. A `<meta>` policy in `index.html` could not do
//! this: the ports are only known when the server starts.
//!
//! Files named by their content hash are cached for good; everything else is revalidated.
//!
//! Not `tower-http`'s `ServeDir` (checked against 0.6.11): it follows symlinks out of the root
//! (it refuses only `..` components, where [`serve`] canonicalizes and refuses a file whose real
//! path is outside), serves dotfiles, and types files with `mime_guess` without a charset
//! (`text/html`, `text/javascript`). Keeping these rules around it would take a filter before
//! it, the content-type table after it, and the fallback, caching and policy as middleware that
//! sees the request path: more code than the reading of a file it would replace.

use std::path::{Component, Path, PathBuf};

use axum::extract::State;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use herald_contract::{Config, TransportKind};

use crate::AppState;
use crate::django;
use crate::error::ApiError;

/// Paths ending in these are files the app loads, never client-side routes: a missing one is
/// a 404, not `index.html` (which would fail confusingly as a script or wasm module).
const ASSET_EXTENSIONS: &[&str] = &[
    "wasm", "js", "mjs", "css", "map", "json", "ico", "png", "svg", "jpg", "jpeg", "gif", "webp", "woff",
    "woff2", "ttf", "txt",
];

/// `GET /config.json`: the app's runtime config, pointed at this server's Sockudo, or at its
/// Channels server with `--channels-url`.
pub async fn config_json(State(state): State<AppState>) -> Result<Response, ApiError> {
    let config = app_config(&state).await?;
    let mut response = axum::Json(config).into_response();
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response.headers_mut().insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

/// The Content-Security-Policy for the app's page, given the runtime config it will load.
///
/// Scripts come only from the app's origin, with no inline script and no `eval` (WebAssembly
/// compilation is the one exception, `'wasm-unsafe-eval'`); the page connects only to its own
/// origin (`/config.json`, the wasm), the API (`api_base`, when it is another origin) and the
/// WebSocket server of the configured transport (`pusher`, or `ws_url`'s origin when
/// `transport` is `channels`). A value in the config that is not a plain origin is left out
/// rather than let into the header.
///
/// Trusted Types (`require-trusted-types-for 'script'`) cannot be required: Leptos builds the
/// static parts of every `view!` from compile-time HTML strings through `<template>.innerHTML`
/// (tachys' `InertElement`), which a string-refusing document breaks. Payload text never takes
/// that path; it only ever becomes text nodes and attribute values.
pub fn content_security_policy(app_config: Option<&Config>) -> String {
    let mut connect = vec!["'self'".to_owned()];
    connect.extend(app_config.and_then(api_origin));
    connect.extend(app_config.and_then(websocket_origin));
    connect.dedup();
    [
        "default-src 'none'".to_owned(),
        "script-src 'self' 'wasm-unsafe-eval'".to_owned(),
        "style-src 'self'".to_owned(),
        "img-src 'self'".to_owned(),
        format!("connect-src {}", connect.join(" ")),
        "object-src 'none'".to_owned(),
        "base-uri 'none'".to_owned(),
        "form-action 'none'".to_owned(),
        "frame-ancestors 'none'".to_owned(),
    ]
    .join("; ")
}

/// The built `config.json` with `pusher.ws_host` and `ws_port` set to the Sockudo this server
/// publishes to and, with `--channels-url`, `transport` and `ws_url` set to that server.
async fn app_config(state: &AppState) -> Result<Config, ApiError> {
    let Some(root) = &state.config().serve_app else {
        return Err(ApiError::not_found());
    };
    let path = root.join("config.json");
    let text = tokio::fs::read(&path).await.map_err(|_| ApiError::not_found())?;
    let mut config: Config = serde_json::from_slice(&text).map_err(|error| {
        let message = format!("{} is not a valid config.json: {error}", path.display());
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    })?;
    let pusher_url = &state.config().pusher_url;
    if let Some(host) = pusher_url.host_str() {
        config.pusher.ws_host = host.to_owned();
    }
    if let Some(port) = pusher_url.port_or_known_default() {
        config.pusher.ws_port = port;
    }
    if let Some(ws_url) = state.config().channels_url.as_ref().and_then(django::websocket_url) {
        config.transport = TransportKind::Channels;
        config.ws_url = Some(ws_url);
    }
    Ok(config)
}

/// `api_base`'s origin when it names another origin; `None` for `""` (the app's own) or a path.
fn api_origin(app_config: &Config) -> Option<String> {
    let url = reqwest::Url::parse(&app_config.api_base).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.origin().ascii_serialization())
}

/// The WebSocket server's origin as the app builds its URL. For the `channels` transport,
/// `ws_url`'s origin (its path and the `?token=` the app appends are not part of an origin).
/// For `pusher` (the default): Pusher Channels' cluster host, or `ws_host:ws_port` over `wss`
/// when `force_tls`, else `ws`.
fn websocket_origin(app_config: &Config) -> Option<String> {
    if app_config.transport == TransportKind::Channels {
        let parsed = reqwest::Url::parse(app_config.ws_url.as_deref()?).ok()?;
        if !matches!(parsed.scheme(), "ws" | "wss") {
            return None;
        }
        return plain_origin(&parsed);
    }
    let endpoint = app_config.pusher.endpoint();
    let url = format!("{}://{}:{}", if endpoint.tls { "wss" } else { "ws" }, endpoint.host, endpoint.port);
    // Parsing refuses anything that is not a host (a space or `;` would add a directive), and
    // gives the origin in its normal form.
    let parsed = reqwest::Url::parse(&url).ok()?;
    if parsed.path() != "/" || parsed.query().is_some() {
        return None;
    }
    plain_origin(&parsed)
}

/// `scheme://host[:port]` of a parsed URL without credentials in it.
fn plain_origin(parsed: &reqwest::Url) -> Option<String> {
    let host = parsed.host_str()?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return None;
    }
    Some(match parsed.port() {
        Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
        None => format!("{}://{host}", parsed.scheme()),
    })
}

/// A file under `root` for a GET or HEAD of `path`; `index.html` for paths that are not files
/// (client-side routes such as `/tenants/1`); 404 for missing assets and anything that tries
/// to leave `root`. Pages carry the [`content_security_policy`] for the served `config.json`.
pub async fn serve(state: &AppState, root: &Path, method: &Method, path: &str) -> Response {
    let mut response = file_or_index(root, method, path).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let is_page = headers.get(CONTENT_TYPE).is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if is_page {
        // Without a readable config.json the app cannot start, but the page still gets the
        // strictest policy: no connections beyond its own origin.
        let config = app_config(state).await.ok();
        let policy = HeaderValue::from_str(&content_security_policy(config.as_ref()))
            .expect("the policy is built from parsed origins, which are valid header text");
        response.headers_mut().insert(CONTENT_SECURITY_POLICY, policy);
        response.headers_mut().insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    response
}

async fn file_or_index(root: &Path, method: &Method, path: &str) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let message = format!("The {method} method is not supported for this page.");
        return ApiError::new(StatusCode::METHOD_NOT_ALLOWED, message).into_response();
    }
    let Some(relative) = relative_path(path) else {
        return ApiError::not_found().into_response();
    };
    let index = root.join("index.html");
    let candidate = if relative.as_os_str().is_empty() { index.clone() } else { root.join(&relative) };
    if let Some(response) = read_inside(root, &candidate).await {
        return response;
    }
    let is_asset = relative
        .extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| ASSET_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str()));
    if is_asset {
        return ApiError::not_found().into_response();
    }
    match read_inside(root, &index).await {
        Some(response) => response,
        None => ApiError::not_found().into_response(),
    }
}

/// The URL path as a relative file path, or `None` when it could escape the root or is not a
/// plain name (`..`, percent-escapes, backslashes, hidden files).
fn relative_path(path: &str) -> Option<PathBuf> {
    let trimmed = path.trim_start_matches('/');
    if trimmed.contains(['%', '\\', '\0']) {
        return None;
    }
    let relative = PathBuf::from(trimmed);
    let plain = relative.components().all(|component| match component {
        Component::Normal(name) => !name.to_string_lossy().starts_with('.'),
        _ => false,
    });
    plain.then_some(relative)
}

/// The file's contents with its content type, if it is a regular file whose real location
/// (after symlinks) is inside `root`.
async fn read_inside(root: &Path, file: &Path) -> Option<Response> {
    let root = tokio::fs::canonicalize(root).await.ok()?;
    let file = tokio::fs::canonicalize(file).await.ok()?;
    if !file.starts_with(&root) || !tokio::fs::metadata(&file).await.ok()?.is_file() {
        return None;
    }
    let bytes = tokio::fs::read(&file).await.ok()?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(&file)));
    let caching = if is_content_hashed(&file) {
        // A new build gives a new name, so this name's content never changes: the browser keeps
        // it (and Chromium its compiled wasm) without asking again.
        "public, max-age=31536000, immutable"
    } else {
        // index.html names one build's hashed files, and config.json, the icon (and start.js in
        // Trunk's development build) keep their names across builds: never reuse an old one
        // unasked.
        "no-cache"
    };
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(caching));
    Some(response)
}

/// Whether a file's name carries a hash of its content, as build tools name their output:
/// xtask's release build `herald_bg.8f910049d79f1218.wasm`, Trunk's
/// `herald-8f910049d79f1218_bg.wasm`, esbuild's `main-UNVB4Q5L.js`. That is, the part after the
/// stem's last `.` or `-` (up to a `_` suffix) is at least 8 letters and digits with a digit
/// among them.
fn is_content_hashed(file: &Path) -> bool {
    let Some(stem) = file.file_stem().and_then(|stem| stem.to_str()) else { return false };
    let Some((_, tail)) = stem.rsplit_once(['.', '-']) else { return false };
    let hash = tail.split('_').next().unwrap_or_default();
    hash.len() >= 8
        && hash.chars().all(|c| c.is_ascii_alphanumeric())
        && hash.chars().any(|c| c.is_ascii_digit())
}

fn content_type(file: &Path) -> &'static str {
    let extension = file.extension().and_then(|extension| extension.to_str()).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use herald_contract::Config;
    use serde_json::json;

    use crate::static_app::{content_security_policy, content_type, is_content_hashed, relative_path};

    #[test]
    fn paths_that_could_leave_the_root_are_refused() {
        assert_eq!(relative_path("/"), Some(PathBuf::new()));
        assert_eq!(relative_path("/app-1a2b_bg.wasm"), Some(PathBuf::from("app-1a2b_bg.wasm")));
        assert_eq!(relative_path("/tenants/1"), Some(PathBuf::from("tenants/1")));
        for bad in ["/../etc/passwd", "/a/../../b", "/%2e%2e/x", "/.git/config", "/a\\b", "/./x"] {
            assert_eq!(relative_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_files_named_by_their_content_are_cached_for_good() {
        for hashed in [
            // xtask's release build (xtask/src/dist.rs).
            "herald_bg.8f910049d79f1218.wasm",
            "herald.8f910049d79f1218.js",
            "__wasm_split.8f910049d79f1218.js",
            "split_herald_pages_account.0c4be9f4635aa781.wasm",
            "chunk_0.7cc4be9f4635aa78.wasm",
            "main.7cc4be9f4635aa78.css",
            "start.7cc4be9f4635aa78.js",
            // Trunk's and esbuild's.
            "herald-8f910049d79f1218_bg.wasm",
            "herald-8f910049d79f1218.js",
            "main-7cc4be9f4635aa78.css",
            "main-UNVB4Q5L.js",
        ] {
            assert!(is_content_hashed(Path::new(hashed)), "{hashed}");
        }
        for plain in [
            "index.html",
            "config.json",
            "start.js",
            "favicon.svg",
            "vue3-notification.css",
            "main-abcdefgh.js",
            "x-1234.js",
            "jquery.min.js",
            "app.bundle.js",
            "herald_bg.wasm",
        ] {
            assert!(!is_content_hashed(Path::new(plain)), "{plain}");
        }
    }

    #[test]
    fn wasm_is_served_as_wasm() {
        assert_eq!(content_type(Path::new("x_bg.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("x.js")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Path::new("index.html")), "text/html; charset=utf-8");
        assert_eq!(content_type(Path::new("style.css")), "text/css; charset=utf-8");
        assert_eq!(content_type(Path::new("config.json")), "application/json");
    }

    /// The connect-src directive of the policy for `config` (none when it is not a config).
    fn connect_src(config: serde_json::Value) -> String {
        let config: Option<Config> = serde_json::from_value(config).ok();
        let policy = content_security_policy(config.as_ref());
        let directive = policy.split("; ").find(|directive| directive.starts_with("connect-src "));
        directive.expect("the policy has a connect-src").to_owned()
    }

    #[test]
    fn the_policy_allows_connections_to_exactly_the_configured_servers() {
        let pusher = |extra: serde_json::Value| {
            let mut pusher = json!({"key": "k", "ws_host": "127.0.0.1", "ws_port": 6001, "force_tls": false});
            pusher.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            pusher
        };
        for (config, expected) in [
            (json!({"api_base": "", "pusher": pusher(json!({}))}), "connect-src 'self' ws://127.0.0.1:6001"),
            (
                json!({"api_base": "https://billing.example.com/", "pusher": pusher(json!({"ws_host": "ws.example.com", "ws_port": 443, "force_tls": true}))}),
                "connect-src 'self' https://billing.example.com wss://ws.example.com",
            ),
            (
                json!({"api_base": "http://127.0.0.1:8000", "pusher": pusher(json!({"cluster": "eu"}))}),
                "connect-src 'self' http://127.0.0.1:8000 wss://ws-eu.pusher.com",
            ),
            (
                json!({"api_base": "/backend", "pusher": pusher(json!({"cluster": null}))}),
                "connect-src 'self' ws://127.0.0.1:6001",
            ),
            // Values that are not plain hosts never reach the header as directives.
            (json!({"pusher": pusher(json!({"ws_host": "evil.test; script-src *"}))}), "connect-src 'self'"),
            (
                json!({"api_base": "javascript:alert(1)", "pusher": pusher(json!({"ws_host": "a b"}))}),
                "connect-src 'self'",
            ),
            (json!(null), "connect-src 'self'"),
            // The Channels transport: ws_url's origin instead of the Pusher server's.
            (
                json!({"api_base": "", "transport": "channels", "ws_url": "ws://127.0.0.1:8001/ws/notifications/", "pusher": pusher(json!({}))}),
                "connect-src 'self' ws://127.0.0.1:8001",
            ),
            (
                json!({"api_base": "https://billing.example.com", "transport": "channels", "ws_url": "wss://rt.example.com/ws/notifications/?v=1"}),
                "connect-src 'self' https://billing.example.com wss://rt.example.com",
            ),
            (
                json!({"transport": "pusher", "ws_url": "ws://127.0.0.1:8001/ws/", "pusher": pusher(json!({}))}),
                "connect-src 'self' ws://127.0.0.1:6001",
            ),
            (json!({"transport": "channels", "ws_url": "https://rt.example.com/ws/"}), "connect-src 'self'"),
            (
                json!({"transport": "channels", "ws_url": "ws://evil.test; script-src */"}),
                "connect-src 'self'",
            ),
            (
                json!({"transport": "channels", "ws_url": "ws://user:pw@rt.example.com/"}),
                "connect-src 'self'",
            ),
            (json!({"transport": "channels"}), "connect-src 'self'"),
        ] {
            assert_eq!(connect_src(config.clone()), expected, "{config}");
        }
    }

    #[test]
    fn the_policy_allows_no_inline_script_and_no_eval() {
        let policy = content_security_policy(None);
        assert!(policy.starts_with("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; "), "{policy}");
        assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
        for directive in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"] {
            assert!(policy.split("; ").any(|d| d == directive), "{directive} in {policy}");
        }
    }

    /// `trunk serve` (`cargo xtask demo`) sends the policy from Trunk.toml; it must be the one
    /// this server sends for the demo's config, or the demo and the tests run different rules.
    #[test]
    fn trunk_serve_sends_the_same_policy_for_the_demo_config() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let trunk_toml = std::fs::read_to_string(root.join("Trunk.toml")).unwrap();
        let demo_config: Config =
            serde_json::from_str(&std::fs::read_to_string(root.join("public/config.json")).unwrap()).unwrap();
        let line = format!("Content-Security-Policy = \"{}\"", content_security_policy(Some(&demo_config)));
        assert!(trunk_toml.lines().any(|l| l == line), "Trunk.toml should have the line\n{line}");
    }
}
