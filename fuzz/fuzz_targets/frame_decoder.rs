//! Any bytes from the server: the decoder and a connected state machine, on either protocol,
//! must never panic.
#![no_main]

use herald_protocol::{Connection, ConnectionConfig, Millis, frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = frame::decode(text, frame::DEFAULT_MAX_FRAME_BYTES);

    let pusher = Connection::pusher("ws://127.0.0.1:6001/app/k".into(), ConnectionConfig::pusher(), 1);
    let mut channels = Connection::channels("ws://127.0.0.1:8001/ws/".into(), ConnectionConfig::channels(), 1);
    channels.set_token(Some("t".into()));
    for mut conn in [pusher, channels] {
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
        while conn.poll().is_some() {}
    }
});
