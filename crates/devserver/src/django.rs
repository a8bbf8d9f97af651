//! Publishing to a Django Channels server (`channels_server/`) through its `POST /broadcast`.
//!
//! With `--channels-url`, every event that goes to Sockudo goes there too, so an app on either
//! transport hears it. The body is `{"events": [{"channel", "event", "data"}]}` in batches of
//! [`MAX_BATCH`], with the shared secret in `X-Broadcast-Secret`; `data` is the payload as an
//! object. There is no `socket_id`: a Channels connection has no id the app could send as
//! `X-Socket-ID`, so that server tells every subscriber, the acting tab included.
//! Failures have the shape of Sockudo's ([`PusherError`]), so callers report both alike.
//!
//! [`ChannelsClient::channels`] asks its `GET /channels` which channels have subscribers, in
//! the shape of Sockudo's answer, for `GET /api/dev/channels`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::pusher::{OutgoingEvent, PusherError, PusherErrorKind, describe, read_json, read_success};

/// At most this many events per `POST /broadcast`, the server's own limit.
pub const MAX_BATCH: usize = 100;

/// The path of the app's WebSocket on that server, where it appends `?token=`.
pub const WEBSOCKET_PATH: &str = "/ws/notifications/";

/// A Django Channels server's `POST /broadcast` at one base URL.
#[derive(Clone)]
pub struct ChannelsClient {
    http: reqwest::Client,
    base: reqwest::Url,
    secret: String,
}

#[derive(Serialize)]
struct BroadcastBody<'a> {
    events: Vec<BroadcastEvent<'a>>,
}

#[derive(Serialize)]
struct BroadcastEvent<'a> {
    channel: &'a str,
    event: &'a str,
    data: Value,
}

impl ChannelsClient {
    pub fn new(base: reqwest::Url, secret: String) -> ChannelsClient {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(10))
            .build()
            .expect("a client without TLS or proxies has nothing to fail on");
        ChannelsClient { http, base, secret }
    }

    pub fn base_url(&self) -> &reqwest::Url {
        &self.base
    }

    /// Publishes `events` in order, in batches of [`MAX_BATCH`]. Returns how many were
    /// published; stops at the first failure.
    pub async fn publish(&self, events: &[OutgoingEvent]) -> Result<usize, PusherError> {
        let url = self.url("/broadcast");
        let mut published = 0;
        for batch in events.chunks(MAX_BATCH) {
            let body = BroadcastBody {
                events: batch
                    .iter()
                    .map(|event| BroadcastEvent {
                        channel: &event.channel,
                        event: &event.name,
                        // The Pusher protocol carries the payload as a string; this server takes
                        // the object itself.
                        data: serde_json::from_str(&event.data).unwrap_or(Value::String(event.data.clone())),
                    })
                    .collect(),
            };
            let response = self
                .http
                .post(url.clone())
                .header("X-Broadcast-Secret", &self.secret)
                .json(&body)
                .send()
                .await
                .map_err(|error| PusherError {
                    published,
                    kind: PusherErrorKind::Unreachable(describe(error)),
                })?;
            read_success(response).await.map_err(|kind| PusherError { published, kind })?;
            published += batch.len();
        }
        Ok(published)
    }

    /// `GET /channels` with `params` (such as `filter_by_prefix`): the channels that have
    /// subscribers right now, as `{"channels": {"name": {"subscription_count": n}}}`.
    pub async fn channels(&self, params: &BTreeMap<String, String>) -> Result<Value, PusherErrorKind> {
        let mut url = self.url("/channels");
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        read_json(self.http.get(url).header("X-Broadcast-Secret", &self.secret)).await
    }

    fn url(&self, path: &str) -> reqwest::Url {
        let mut url = self.base.clone();
        // A base such as `http://host:8001/prefix/` keeps its prefix.
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}{path}"));
        url.set_query(None);
        url
    }
}

/// The app's WebSocket URL on the Channels server at `base` (`http://127.0.0.1:8001` →
/// `ws://127.0.0.1:8001/ws/notifications/`), or `None` for a base that is not http(s).
pub fn websocket_url(base: &reqwest::Url) -> Option<String> {
    let scheme = match base.scheme() {
        "http" => "ws",
        "https" => "wss",
        _ => return None,
    };
    let host = base.host_str()?;
    let authority = match base.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let prefix = base.path().trim_end_matches('/');
    Some(format!("{scheme}://{authority}{prefix}{WEBSOCKET_PATH}"))
}

#[cfg(test)]
mod tests {
    use crate::django::websocket_url;

    fn check(base: &str, expect: Option<&str>) {
        let url = reqwest::Url::parse(base).unwrap();
        assert_eq!(websocket_url(&url).as_deref(), expect, "{base}");
    }

    #[test]
    fn the_websocket_url_is_the_servers_own_with_the_notifications_path() {
        check("http://127.0.0.1:8001", Some("ws://127.0.0.1:8001/ws/notifications/"));
        check("http://127.0.0.1:8001/", Some("ws://127.0.0.1:8001/ws/notifications/"));
        check("http://localhost:80/herald/", Some("ws://localhost/herald/ws/notifications/"));
        check("https://rt.example.com?x=1", Some("wss://rt.example.com/ws/notifications/"));
        check("ftp://rt.example.com", None);
    }
}
