//! `--serve-app`: the built app from the API's own origin, with `config.json` pointed at the
//! Sockudo this server publishes to, and the page's Content-Security-Policy to match.

mod common;

use std::path::PathBuf;

use axum::http::StatusCode;
use herald_devserver::Config;
use serde_json::json;

use common::{TestServer, test_config};

/// A fake `dist/` in a fresh temporary folder, removed when dropped.
struct Dist(PathBuf);

impl Dist {
    fn new(name: &str) -> Dist {
        let dir = std::env::temp_dir().join(format!("herald-devserver-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html><title>Herald</title>").unwrap();
        std::fs::write(dir.join("herald-1a2b_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(dir.join("herald-1a2b.js"), "export default 1;").unwrap();
        std::fs::write(dir.join("assets/style.css"), "body{}").unwrap();
        let config = json!({
            "api_base": "",
            "pusher": {
                "key": "herald-key", "ws_host": "127.0.0.1", "ws_port": 6001, "force_tls": false
            },
            "debug": false
        });
        std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
        Dist(dir)
    }
}

impl Drop for Dist {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn server(dist: &Dist, pusher_url: &str) -> TestServer {
    TestServer::new(Config { serve_app: Some(dist.0.clone()), ..test_config(pusher_url) })
}

#[tokio::test]
async fn files_are_served_with_their_content_types() {
    let dist = Dist::new("types");
    let server = server(&dist, "http://127.0.0.1:6001");
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/herald-1a2b_bg.wasm", "application/wasm"),
        ("/herald-1a2b.js", "text/javascript; charset=utf-8"),
        ("/assets/style.css", "text/css; charset=utf-8"),
    ] {
        let answer = server.get(path, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.content_type.as_deref(), Some(content_type), "{path}");
    }
    assert_eq!(server.get("/", None).await.body, json!("<!doctype html><title>Herald</title>"));
}

#[tokio::test]
async fn client_routes_fall_back_to_index_html_but_missing_assets_do_not() {
    let dist = Dist::new("fallback");
    let server = server(&dist, "http://127.0.0.1:6001");
    for path in ["/login", "/tenants/1", "/admin/alerts"] {
        let answer = server.get(path, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.body, json!("<!doctype html><title>Herald</title>"), "{path}");
    }
    for path in ["/herald-old_bg.wasm", "/missing.js", "/.hidden", "/%2e%2e/etc/passwd"] {
        assert_eq!(server.get(path, None).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let answer = server.get("/api/unknown", None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "the API keeps its JSON 404");
    assert_eq!(answer.body["message"], "The route api/unknown could not be found.");
    assert_eq!(server.get("/up", None).await.body, json!("OK"), "routes still win over files");
}

#[tokio::test]
async fn config_json_points_the_app_at_this_servers_sockudo() {
    let dist = Dist::new("config");
    let server = server(&dist, "http://127.0.0.1:41234");
    let answer = server.get("/config.json", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["pusher"]["ws_host"], "127.0.0.1");
    assert_eq!(answer.body["pusher"]["ws_port"], 41234);
    assert_eq!(answer.body["pusher"]["key"], "herald-key", "the rest is left as built");
    assert_eq!(answer.body["debug"], false);
}

#[tokio::test]
async fn pages_carry_a_policy_allowing_this_origin_and_this_servers_sockudo_only() {
    let dist = Dist::new("csp");
    let server = server(&dist, "http://127.0.0.1:41235");
    for path in ["/", "/index.html", "/login", "/tenants/1"] {
        let answer = server.get(path, None).await;
        let policy = answer.headers.get("content-security-policy").map(|value| value.to_str().unwrap());
        let policy = policy.unwrap_or_else(|| panic!("{path} has no Content-Security-Policy"));
        let directives: Vec<&str> = policy.split("; ").collect();
        assert!(directives.contains(&"connect-src 'self' ws://127.0.0.1:41235"), "{path}: {policy}");
        assert!(directives.contains(&"script-src 'self' 'wasm-unsafe-eval'"), "{path}: {policy}");
        assert!(directives.contains(&"default-src 'none'"), "{path}: {policy}");
        assert_eq!(answer.headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(answer.headers["referrer-policy"], "no-referrer", "{path}");
    }
    // Scripts and data are not documents: a policy on them would do nothing, so they have none.
    for path in ["/herald-1a2b.js", "/herald-1a2b_bg.wasm", "/config.json"] {
        let answer = server.get(path, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(!answer.headers.contains_key("content-security-policy"), "{path}");
        assert_eq!(answer.headers["x-content-type-options"], "nosniff", "{path}");
    }
}

/// With `--channels-url`, the app is told to use the Channels transport on that server, and the
/// page may connect to that server instead of Sockudo.
#[tokio::test]
async fn with_a_channels_server_the_app_is_pointed_at_it_and_the_policy_allows_it() {
    let dist = Dist::new("channels");
    let server = TestServer::new(Config {
        serve_app: Some(dist.0.clone()),
        channels_url: Some("http://127.0.0.1:41236".parse().unwrap()),
        ..test_config("http://127.0.0.1:41237")
    });
    let config = server.get("/config.json", None).await;
    assert_eq!(config.status, StatusCode::OK);
    assert_eq!(config.body["transport"], "channels");
    assert_eq!(config.body["ws_url"], "ws://127.0.0.1:41236/ws/notifications/");
    assert_eq!(config.body["pusher"]["ws_port"], 41237, "the Pusher settings stay, pointed at Sockudo");
    assert_eq!(config.body["api_base"], "", "the rest is left as built");
    let text = config.body.to_string();
    assert!(
        !text.contains("herald-channels-secret"),
        "the broadcast secret never reaches the browser: {text}"
    );

    let page = server.get("/tenants/1", None).await;
    let policy = page.headers["content-security-policy"].to_str().unwrap();
    let directives: Vec<&str> = policy.split("; ").collect();
    assert!(directives.contains(&"connect-src 'self' ws://127.0.0.1:41236"), "{policy}");
}

#[tokio::test]
async fn without_a_channels_server_the_config_names_no_transport() {
    let dist = Dist::new("pusher-only");
    let server = server(&dist, "http://127.0.0.1:41238");
    let config = server.get("/config.json", None).await;
    assert_eq!(config.body["transport"], "pusher", "the built file has none, and Pusher is the default");
    assert_eq!(config.body.get("ws_url"), None);
}
