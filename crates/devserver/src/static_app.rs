//! Serving the built app (Trunk's `dist/`) from the devserver itself, for `--serve-app`.
//!
//! End-to-end tests run everything on random ports. Serving the app from the API's own origin
//! avoids a proxy and CORS; rewriting `config.json`'s `ws_host`/`ws_port` to the Sockudo this
//! server publishes to means the app connects to that same Sockudo without a rebuild. A small
//! handler suffices: the files are few, known, and only ever read.

use std::path::{Component, Path, PathBuf};

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::AppState;
use crate::error::ApiError;

/// Paths ending in these are files the app loads, never client-side routes: a missing one is
/// a 404, not `index.html` (which would fail confusingly as a script or wasm module).
const ASSET_EXTENSIONS: &[&str] = &[
    "wasm", "js", "mjs", "css", "map", "json", "ico", "png", "svg", "jpg", "jpeg", "gif", "webp", "woff",
    "woff2", "ttf", "txt",
];

/// `GET /config.json`: the app's runtime config, pointed at this server's Sockudo.
pub async fn config_json(State(state): State<AppState>) -> Result<Response, ApiError> {
    let Some(root) = &state.config().serve_app else {
        return Err(ApiError::not_found());
    };
    let path = root.join("config.json");
    let text = tokio::fs::read(&path).await.map_err(|_| ApiError::not_found())?;
    let mut config: Value = serde_json::from_slice(&text).map_err(|error| {
        let message = format!("{} is not valid JSON: {error}", path.display());
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    })?;
    let pusher_url = &state.config().pusher_url;
    if let Some(pusher) = config.get_mut("pusher").and_then(Value::as_object_mut) {
        if let Some(host) = pusher_url.host_str() {
            pusher.insert("ws_host".into(), Value::from(host));
        }
        if let Some(port) = pusher_url.port_or_known_default() {
            pusher.insert("ws_port".into(), Value::from(port));
        }
    }
    let mut response = axum::Json(config).into_response();
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// A file under `root` for a GET or HEAD of `path`; `index.html` for paths that are not files
/// (client-side routes such as `/tenants/1`); 404 for missing assets and anything that tries
/// to leave `root`.
pub async fn serve(root: &Path, method: &Method, path: &str) -> Response {
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
    if file.extension().is_some_and(|extension| extension == "html") {
        // index.html names the hashed wasm and js files of one build: never reuse an old one.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    Some(response)
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

    use crate::static_app::{content_type, relative_path};

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
    fn wasm_is_served_as_wasm() {
        assert_eq!(content_type(Path::new("x_bg.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("x.js")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Path::new("index.html")), "text/html; charset=utf-8");
        assert_eq!(content_type(Path::new("style.css")), "text/css; charset=utf-8");
        assert_eq!(content_type(Path::new("config.json")), "application/json");
    }
}
