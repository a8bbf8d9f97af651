//! Any bytes from the server: the decoder and a connected state machine must never panic.
#![no_main]

use herald_protocol::{Connection, ConnectionConfig, Millis, frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = frame::decode(text, frame::DEFAULT_MAX_FRAME_BYTES);

    let mut conn = Connection::new(ConnectionConfig::new("ws://127.0.0.1:6001/app/k".into()), 1);
    conn.set_channels(["private-user.1", "tenant.1"]);
    conn.connect(Millis(0));
    conn.handle_open(Millis(1));
    conn.handle_frame(
        r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.1\"}"}"#,
        Millis(2),
    );
    // The input may hold several frames, one per line, as a stream would.
    for (i, line) in text.lines().enumerate() {
        conn.handle_frame(line, Millis(3 + i as u64));
    }
    conn.handle_timeout(Millis(1_000_000));
    while conn.poll_action().is_some() {}
    while conn.poll_event().is_some() {}
});
