//! Any event name and payload: the catalogue must give a notification, never a panic.
#![no_main]

use herald_notifications::Notification;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line is the event name, the rest its payload.
    let (name, payload) = text.split_once('\n').unwrap_or((text, ""));
    let payload = serde_json::from_str(payload).unwrap_or(serde_json::Value::String(payload.into()));
    let short = herald_protocol::short_event_name(name);
    let n = Notification::from_event(short, Some("private-tenant.1"), &payload, || "fallback".into());
    assert!(!n.id.is_empty());
    assert!(n.title.chars().count() <= herald_notifications::catalogue::MAX_TITLE_CHARS);
});
