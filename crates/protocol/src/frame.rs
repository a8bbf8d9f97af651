//! Pusher protocol 7 frames: decoding what the server sends, encoding what the client sends.
//!
//! A frame is a JSON object `{"event": …, "channel"?: …, "data": …}`. Pusher servers send
//! `data` as a JSON *string* holding JSON (Laravel's payload arrives that way); some send an
//! object. Both are accepted, and a string is decoded once or twice as needed. Anything that
//! is not a well-formed frame becomes a [`FrameError`], never a panic.

use serde_json::{Map, Value, json};

/// The largest frame decoded, in bytes. Pusher's own limit on an event is 10 KB; Sockudo's is
/// configurable. A frame above this is refused before parsing, so a hostile or broken server
/// cannot make the client spend its time parsing megabytes.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 256 * 1024;

/// A decoded frame from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `pusher:connection_established`: the handshake is done.
    ConnectionEstablished { socket_id: String, activity_timeout_s: Option<u64> },
    /// `pusher:error`. `code` is absent for some errors; `channel` is absent in Sockudo's
    /// rejection of a bad channel signature (code 4009).
    Error { code: Option<u16>, message: String, channel: Option<String> },
    /// `pusher:ping`: the server checks we are alive; answer with a pong.
    Ping,
    /// `pusher:pong`: the answer to our ping.
    Pong,
    /// `pusher_internal:subscription_succeeded`.
    SubscriptionSucceeded { channel: String },
    /// Any other event: an application event on a channel (or a `pusher_internal:` event
    /// this client has no use for, such as presence membership changes).
    Message { event: String, channel: Option<String>, data: Value },
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    TooLarge {
        len: usize,
        max: usize,
    },
    NotJson {
        detail: String,
    },
    NotAnObject,
    MissingEvent,
    /// A known protocol event without a field it must have.
    MissingField {
        event: String,
        field: &'static str,
    },
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::TooLarge { len, max } => {
                write!(f, "frame of {len} bytes is over the {max}-byte limit")
            }
            FrameError::NotJson { detail } => write!(f, "frame is not JSON: {detail}"),
            FrameError::NotAnObject => write!(f, "frame is not a JSON object"),
            FrameError::MissingEvent => write!(f, "frame has no \"event\" string"),
            FrameError::MissingField { event, field } => {
                write!(f, "{event} frame has no \"{field}\"")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// Parses one text message as a JSON object, the shape of every message of both protocols.
/// Messages longer than `max_bytes` are refused unparsed.
pub fn parse_object(text: &str, max_bytes: usize) -> Result<Map<String, Value>, FrameError> {
    if text.len() > max_bytes {
        return Err(FrameError::TooLarge { len: text.len(), max: max_bytes });
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| FrameError::NotJson { detail: e.to_string() })?;
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(FrameError::NotAnObject),
    }
}

/// Decodes one text frame. Frames longer than `max_bytes` are refused unparsed.
pub fn decode(text: &str, max_bytes: usize) -> Result<Frame, FrameError> {
    let mut object = parse_object(text, max_bytes)?;
    let Some(Value::String(event)) = object.remove("event") else {
        return Err(FrameError::MissingEvent);
    };
    let channel = match object.remove("channel") {
        Some(Value::String(channel)) => Some(channel),
        _ => None,
    };
    let data = decode_data(object.remove("data").unwrap_or(Value::Null));

    let frame = match event.as_str() {
        "pusher:connection_established" => {
            let socket_id = string_field(&data, "socket_id")
                .ok_or(FrameError::MissingField { event, field: "socket_id" })?;
            let activity_timeout_s = data.get("activity_timeout").and_then(Value::as_u64);
            Frame::ConnectionEstablished { socket_id, activity_timeout_s }
        }
        "pusher:error" => Frame::Error {
            code: data.get("code").and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok()),
            message: string_field(&data, "message").unwrap_or_default(),
            channel: channel.or_else(|| string_field(&data, "channel")),
        },
        "pusher:ping" => Frame::Ping,
        "pusher:pong" => Frame::Pong,
        "pusher_internal:subscription_succeeded" => Frame::SubscriptionSucceeded {
            channel: channel.ok_or(FrameError::MissingField { event, field: "channel" })?,
        },
        _ => Frame::Message { event, channel, data },
    };
    Ok(frame)
}

/// Decodes `data` that may be JSON inside a string, possibly twice (a payload JSON-encoded by
/// the application and then again by a server library). A string that is not JSON stays a
/// string.
pub fn decode_data(data: Value) -> Value {
    let mut data = data;
    for _ in 0..2 {
        let Value::String(text) = &data else { break };
        match serde_json::from_str::<Value>(text) {
            Ok(inner) => data = inner,
            Err(_) => break,
        }
    }
    data
}

fn string_field(data: &Value, field: &str) -> Option<String> {
    data.get(field).and_then(Value::as_str).map(str::to_owned)
}

/// `pusher:subscribe`, with the authorizer's signature for private and presence channels.
pub fn encode_subscribe(channel: &str, auth: Option<&str>, channel_data: Option<&str>) -> String {
    let mut data = Map::new();
    data.insert("channel".into(), Value::from(channel));
    if let Some(auth) = auth {
        data.insert("auth".into(), Value::from(auth));
    }
    if let Some(channel_data) = channel_data {
        data.insert("channel_data".into(), Value::from(channel_data));
    }
    json!({ "event": "pusher:subscribe", "data": data }).to_string()
}

pub fn encode_unsubscribe(channel: &str) -> String {
    json!({ "event": "pusher:unsubscribe", "data": { "channel": channel } }).to_string()
}

pub fn encode_ping() -> String {
    json!({ "event": "pusher:ping", "data": {} }).to_string()
}

pub fn encode_pong() -> String {
    json!({ "event": "pusher:pong", "data": {} }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<Frame, FrameError>) {
        assert_eq!(decode(input, DEFAULT_MAX_FRAME_BYTES), expected, "input: {input}");
    }

    #[test]
    fn decodes_protocol_frames() {
        check(
            r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"123.456\",\"activity_timeout\":30}"}"#,
            Ok(Frame::ConnectionEstablished { socket_id: "123.456".into(), activity_timeout_s: Some(30) }),
        );
        check(
            r#"{"event":"pusher:connection_established","data":{"socket_id":"1.2"}}"#,
            Ok(Frame::ConnectionEstablished { socket_id: "1.2".into(), activity_timeout_s: None }),
        );
        check(r#"{"event":"pusher:ping","data":{}}"#, Ok(Frame::Ping));
        check(r#"{"event":"pusher:pong"}"#, Ok(Frame::Pong));
        check(
            r#"{"event":"pusher_internal:subscription_succeeded","channel":"private-user.4","data":"{}"}"#,
            Ok(Frame::SubscriptionSucceeded { channel: "private-user.4".into() }),
        );
        check(
            r#"{"event":"pusher:error","data":{"code":4009,"message":"Invalid signature"}}"#,
            Ok(Frame::Error { code: Some(4009), message: "Invalid signature".into(), channel: None }),
        );
        check(
            r#"{"event":"pusher:error","data":"{\"code\":null,\"message\":\"odd\"}"}"#,
            Ok(Frame::Error { code: None, message: "odd".into(), channel: None }),
        );
    }

    #[test]
    fn decodes_application_events_with_string_or_object_data() {
        let expected = Ok(Frame::Message {
            event: "App\\Events\\UserCreated".into(),
            channel: Some("private-tenant.1".into()),
            data: json!({"id": "e1", "user": {"name": "Ann"}}),
        });
        check(
            r#"{"event":"App\\Events\\UserCreated","channel":"private-tenant.1","data":"{\"id\":\"e1\",\"user\":{\"name\":\"Ann\"}}"}"#,
            expected.clone(),
        );
        check(
            r#"{"event":"App\\Events\\UserCreated","channel":"private-tenant.1","data":{"id":"e1","user":{"name":"Ann"}}}"#,
            expected.clone(),
        );
        // Encoded twice: a JSON string whose content is a JSON string of the payload.
        let payload = json!({"id": "e1", "user": {"name": "Ann"}}).to_string();
        let twice = json!({
            "event": "App\\Events\\UserCreated",
            "channel": "private-tenant.1",
            "data": Value::String(Value::String(payload).to_string()),
        });
        check(&twice.to_string(), expected);
        check(
            r#"{"event":"Note","data":"plain words"}"#,
            Ok(Frame::Message { event: "Note".into(), channel: None, data: json!("plain words") }),
        );
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        assert!(matches!(decode("{not json", 1024), Err(FrameError::NotJson { .. })));
        check("[1,2]", Err(FrameError::NotAnObject));
        check("\"event\"", Err(FrameError::NotAnObject));
        check(r#"{"data":{}}"#, Err(FrameError::MissingEvent));
        check(r#"{"event":42}"#, Err(FrameError::MissingEvent));
        check(
            r#"{"event":"pusher:connection_established","data":{}}"#,
            Err(FrameError::MissingField {
                event: "pusher:connection_established".into(),
                field: "socket_id",
            }),
        );
        check(
            r#"{"event":"pusher_internal:subscription_succeeded","data":{}}"#,
            Err(FrameError::MissingField {
                event: "pusher_internal:subscription_succeeded".into(),
                field: "channel",
            }),
        );
        assert!(matches!(decode("", 1024), Err(FrameError::NotJson { .. })));
    }

    #[test]
    fn a_one_megabyte_frame_is_refused_before_parsing() {
        let big = format!(r#"{{"event":"X","data":"{}"}}"#, "a".repeat(1 << 20));
        assert_eq!(
            decode(&big, DEFAULT_MAX_FRAME_BYTES),
            Err(FrameError::TooLarge { len: big.len(), max: DEFAULT_MAX_FRAME_BYTES })
        );
    }

    #[test]
    fn encodes_client_frames() {
        let subscribe: Value =
            serde_json::from_str(&encode_subscribe("private-a", Some("k:sig"), None)).unwrap();
        assert_eq!(
            subscribe,
            json!({"event": "pusher:subscribe", "data": {"channel": "private-a", "auth": "k:sig"}})
        );
        let public: Value = serde_json::from_str(&encode_subscribe("news", None, None)).unwrap();
        assert_eq!(public, json!({"event": "pusher:subscribe", "data": {"channel": "news"}}));
        let unsubscribe: Value = serde_json::from_str(&encode_unsubscribe("news")).unwrap();
        assert_eq!(unsubscribe, json!({"event": "pusher:unsubscribe", "data": {"channel": "news"}}));
    }
}
