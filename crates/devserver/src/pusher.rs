//! The server side of the Pusher protocol: channel auth signatures and Sockudo's HTTP API.
//!
//! Two signatures, both HMAC-SHA256 with the app secret. A channel auth signature
//! (`socket_id:channel_name`) lets one socket join one private channel; an HTTP API signature
//! (method, path and sorted query) lets this server publish. The signing functions are pure
//! and checked against the worked examples in Pusher's documentation; [`PusherClient`] adds
//! the HTTP calls and is checked against a fake Sockudo in `tests/`.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use serde::Serialize;
use sha2::Sha256;

use crate::clock::Clock;

/// Pusher allows at most 10 events in one `batch_events` call.
pub const MAX_BATCH: usize = 10;

/// An app's credentials, as Sockudo knows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub app_id: String,
    pub key: String,
    pub secret: String,
}

/// One event to publish on one channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutgoingEvent {
    /// The event name subscribers see, such as `App\Events\UserCreated`.
    pub name: String,
    pub channel: String,
    /// The payload, already encoded as a JSON string, as the Pusher protocol carries it.
    pub data: String,
    /// A socket not to deliver to: the one whose request caused the event (`toOthers()`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub socket_id: Option<String>,
}

/// Why a call to Sockudo's HTTP API failed.
#[derive(Debug)]
pub struct PusherError {
    /// How many events were accepted before the failure (earlier batches of a large publish).
    pub published: usize,
    pub kind: PusherErrorKind,
}

#[derive(Debug)]
pub enum PusherErrorKind {
    /// No answer: connection refused, timeout, or an unreadable response.
    Unreachable(String),
    /// An answer other than 2xx, with its status and (the start of) its body.
    Status(u16, String),
}

/// Sockudo's HTTP API at one base URL, for one app.
#[derive(Clone)]
pub struct PusherClient {
    http: reqwest::Client,
    base: reqwest::Url,
    credentials: Credentials,
    clock: Clock,
}

/// The `auth` value of a `/broadcasting/auth` answer for a private channel:
/// `key:hex(hmac_sha256(secret, "socket_id:channel_name"))`.
pub fn channel_auth(key: &str, secret: &str, socket_id: &str, channel_name: &str) -> String {
    let signature = hmac_sha256_hex(secret, format!("{socket_id}:{channel_name}").as_bytes());
    format!("{key}:{signature}")
}

/// Whether `socket_id` looks like one Pusher servers hand out: two runs of digits joined by a
/// dot (`123.456`). Anything else is refused before signing, as Pusher's server libraries do.
pub fn is_valid_socket_id(socket_id: &str) -> bool {
    match socket_id.split_once('.') {
        Some((left, right)) => is_digits(left) && is_digits(right),
        None => false,
    }
}

/// Whether `name` is a channel name the Pusher protocol allows: 1 to 200 characters from
/// `A-Z a-z 0-9 _ - = @ , . ;`.
pub fn is_valid_channel_name(name: &str) -> bool {
    (1..=200).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-=@,.;".contains(&b))
}

/// The query parameters of a signed HTTP API request: `params`, plus `auth_key`,
/// `auth_timestamp`, `auth_version`, `body_md5` when there is a body, and `auth_signature`
/// over all of them (sorted by key, not URL-escaped).
pub fn signed_query(
    credentials: &Credentials,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    timestamp: u64,
    params: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut query: BTreeMap<String, String> =
        params.iter().map(|(key, value)| (key.to_lowercase(), value.clone())).collect();
    query.insert("auth_key".into(), credentials.key.clone());
    query.insert("auth_timestamp".into(), timestamp.to_string());
    query.insert("auth_version".into(), "1.0".into());
    if let Some(body) = body.filter(|body| !body.is_empty()) {
        query.insert("body_md5".into(), hex::encode(Md5::digest(body)));
    }
    let signature = request_signature(&credentials.secret, method, path, &query);
    query.insert("auth_signature".into(), signature);
    query
}

/// `hex(hmac_sha256(secret, "METHOD\npath\nk1=v1&k2=v2"))` with the query sorted by key.
/// `query` must not contain `auth_signature`.
pub fn request_signature(secret: &str, method: &str, path: &str, query: &BTreeMap<String, String>) -> String {
    let query: Vec<String> = query.iter().map(|(key, value)| format!("{key}={value}")).collect();
    let to_sign = format!("{}\n{path}\n{}", method.to_uppercase(), query.join("&"));
    hmac_sha256_hex(secret, to_sign.as_bytes())
}

fn hmac_sha256_hex(secret: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

impl PusherClient {
    pub fn new(base: reqwest::Url, credentials: Credentials, clock: Clock) -> PusherClient {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(10))
            .build()
            .expect("a client without TLS or proxies has nothing to fail on");
        PusherClient { http, base, credentials, clock }
    }

    pub fn base_url(&self) -> &reqwest::Url {
        &self.base
    }

    /// Publishes `events` in order: one `POST /apps/{id}/events` for a single event,
    /// `POST /apps/{id}/batch_events` in batches of [`MAX_BATCH`] for more. Returns how many
    /// were published; stops at the first failure.
    pub async fn publish(&self, events: &[OutgoingEvent]) -> Result<usize, PusherError> {
        if let [event] = events {
            let body = TriggerBody {
                name: &event.name,
                channels: [&event.channel],
                data: &event.data,
                socket_id: event.socket_id.as_deref(),
            };
            let path = format!("/apps/{}/events", self.credentials.app_id);
            self.post(&path, &body).await.map_err(|kind| PusherError { published: 0, kind })?;
            return Ok(1);
        }
        let path = format!("/apps/{}/batch_events", self.credentials.app_id);
        let mut published = 0;
        for batch in events.chunks(MAX_BATCH) {
            let body = BatchBody { batch };
            self.post(&path, &body).await.map_err(|kind| PusherError { published, kind })?;
            published += batch.len();
        }
        Ok(published)
    }

    /// `GET /apps/{id}/channels` with `params` (such as `filter_by_prefix` or `info`): the
    /// channels that have subscribers right now, as Sockudo reports them.
    pub async fn channels(
        &self,
        params: &BTreeMap<String, String>,
    ) -> Result<serde_json::Value, PusherErrorKind> {
        let path = format!("/apps/{}/channels", self.credentials.app_id);
        let query = signed_query(&self.credentials, "GET", &path, None, self.clock.unix_seconds(), params);
        let response = self
            .http
            .get(self.url(&path, &query))
            .send()
            .await
            .map_err(|error| PusherErrorKind::Unreachable(describe(error)))?;
        let body = read_success(response).await?;
        serde_json::from_slice(&body)
            .map_err(|error| PusherErrorKind::Unreachable(format!("the answer is not JSON: {error}")))
    }

    async fn post(&self, path: &str, body: &impl Serialize) -> Result<(), PusherErrorKind> {
        let body = serde_json::to_vec(body).expect("event bodies are plain JSON");
        let query = signed_query(
            &self.credentials,
            "POST",
            path,
            Some(&body),
            self.clock.unix_seconds(),
            &BTreeMap::new(),
        );
        let response = self
            .http
            .post(self.url(path, &query))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|error| PusherErrorKind::Unreachable(describe(error)))?;
        read_success(response).await.map(drop)
    }

    fn url(&self, path: &str, query: &BTreeMap<String, String>) -> reqwest::Url {
        let mut url = self.base.clone();
        // A base such as `http://host:6001/prefix/` keeps its prefix.
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}{path}"));
        url.query_pairs_mut().clear().extend_pairs(query);
        url
    }
}

#[derive(Serialize)]
struct TriggerBody<'a> {
    name: &'a str,
    channels: [&'a str; 1],
    data: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    socket_id: Option<&'a str>,
}

#[derive(Serialize)]
struct BatchBody<'a> {
    batch: &'a [OutgoingEvent],
}

pub(crate) async fn read_success(response: reqwest::Response) -> Result<Vec<u8>, PusherErrorKind> {
    let status = response.status();
    let body = response.bytes().await.map_err(|error| PusherErrorKind::Unreachable(describe(error)))?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body);
        let excerpt: String = text.trim().chars().take(300).collect();
        return Err(PusherErrorKind::Status(status.as_u16(), excerpt));
    }
    Ok(body.to_vec())
}

/// The error and its causes on one line ("error sending request: ...: Connection refused"),
/// without the URL, whose query holds the request signature.
pub(crate) fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl fmt::Display for PusherErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PusherErrorKind::Unreachable(reason) => write!(f, "could not be reached: {reason}"),
            PusherErrorKind::Status(status, body) if body.is_empty() => {
                write!(f, "answered HTTP {status}")
            }
            PusherErrorKind::Status(status, body) => write!(f, "answered HTTP {status}: {body}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::pusher::{Credentials, channel_auth, is_valid_channel_name, is_valid_socket_id, signed_query};

    /// The worked example in Pusher's "Authentication and authorization signatures" docs.
    #[test]
    fn channel_auth_matches_pushers_worked_example() {
        assert_eq!(
            channel_auth("278d425bdf160c739803", "7ad3773142a6692b25b8", "1234.1234", "private-foobar"),
            "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
        );
    }

    /// The worked example in Pusher's "HTTP API reference" docs: trigger `foo` on `project-3`
    /// for app 3 at timestamp 1353088179.
    #[test]
    fn http_api_signature_matches_pushers_worked_example() {
        let credentials = Credentials {
            app_id: "3".into(),
            key: "278d425bdf160c739803".into(),
            secret: "7ad3773142a6692b25b8".into(),
        };
        let body = br#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;
        let query =
            signed_query(&credentials, "POST", "/apps/3/events", Some(body), 1353088179, &BTreeMap::new());
        let expected = [
            ("auth_key", "278d425bdf160c739803"),
            ("auth_signature", "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"),
            ("auth_timestamp", "1353088179"),
            ("auth_version", "1.0"),
            ("body_md5", "ec365a775a4cd0599faeb73354201b6f"),
        ];
        let actual: Vec<(&str, &str)> =
            query.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
        assert_eq!(actual, expected);
    }

    #[test]
    fn a_get_has_no_body_md5_and_signs_its_own_parameters() {
        let credentials = Credentials { app_id: "3".into(), key: "k".into(), secret: "s".into() };
        let params = BTreeMap::from([("filter_by_prefix".to_owned(), "private-".to_owned())]);
        let query = signed_query(&credentials, "GET", "/apps/3/channels", None, 1, &params);
        assert!(!query.contains_key("body_md5"));
        assert_eq!(query["filter_by_prefix"], "private-");
        let unsigned = signed_query(&credentials, "GET", "/apps/3/channels", None, 1, &BTreeMap::new());
        assert_ne!(query["auth_signature"], unsigned["auth_signature"]);
    }

    #[test]
    fn socket_ids_and_channel_names_are_checked_as_pusher_does() {
        for good in ["123.456", "1.2", "0.0"] {
            assert!(is_valid_socket_id(good), "{good}");
        }
        for bad in ["", "123", "123.", ".456", "1.2.3", "12a.3", " 1.2", "1.2\n"] {
            assert!(!is_valid_socket_id(bad), "{bad:?}");
        }
        for good in ["private-user.1", "private-system.admin", "a_b-c=d@e,f.g;h"] {
            assert!(is_valid_channel_name(good), "{good}");
        }
        for bad in ["", "private user", "private-user.1\n", "kanal-ü", &"x".repeat(201)] {
            assert!(!is_valid_channel_name(bad), "{bad:?}");
        }
    }
}
