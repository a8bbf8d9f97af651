//! Sockudo's HTTP API: [`PusherClient`] publishes events and lists channels, each request
//! signed by `herald_contract::signing` (which also makes the channel auth signatures of
//! `/broadcasting/auth`). It is checked against a fake Sockudo in `tests/`.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use herald_contract::signing::{Credentials, signed_query};
use serde::Serialize;

use crate::clock::Clock;

/// Pusher allows at most 10 events in one `batch_events` call.
pub const MAX_BATCH: usize = 10;

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
        read_json(self.http.get(self.url(&path, &query))).await
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

/// Sends `request` and reads its 2xx answer as JSON.
pub(crate) async fn read_json(
    request: reqwest::RequestBuilder,
) -> Result<serde_json::Value, PusherErrorKind> {
    let response = request.send().await.map_err(|error| PusherErrorKind::Unreachable(describe(error)))?;
    let body = read_success(response).await?;
    serde_json::from_slice(&body)
        .map_err(|error| PusherErrorKind::Unreachable(format!("the answer is not JSON: {error}")))
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
    format!("{:#}", anyhow::Error::new(error.without_url()))
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
