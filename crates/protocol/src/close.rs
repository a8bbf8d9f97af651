//! What to do when the server closes the socket or refuses the handshake.
//!
//! The Pusher protocol groups its error codes in ranges (the same numbers arrive as WebSocket
//! close codes and as the `code` of a `pusher:error` during the handshake). pusher-js encodes
//! this in `getCloseAction` with strings; here it is one function over an enum.

/// How the client reacts to a close or error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseAction {
    /// 4000–4099: the server refuses this client (wrong key, TLS only, over quota).
    /// Reconnecting would be refused again, so the connection fails with the reason.
    DoNotReconnect,
    /// 4100–4199 (over capacity) and every close outside the Pusher ranges: try again later.
    ReconnectAfterBackoff,
    /// 4200–4299: the server asks the client to reconnect straight away (e.g. a restart).
    ReconnectNow,
}

/// Maps a WebSocket close code or `pusher:error` code to the client's reaction.
pub fn close_action(code: u16) -> CloseAction {
    match code {
        4000..=4099 => CloseAction::DoNotReconnect,
        4200..=4299 => CloseAction::ReconnectNow,
        _ => CloseAction::ReconnectAfterBackoff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_range_maps_to_its_action() {
        let table = [
            (1000, CloseAction::ReconnectAfterBackoff),
            (1001, CloseAction::ReconnectAfterBackoff),
            (1006, CloseAction::ReconnectAfterBackoff),
            (1011, CloseAction::ReconnectAfterBackoff),
            (3999, CloseAction::ReconnectAfterBackoff),
            (4000, CloseAction::DoNotReconnect),
            (4001, CloseAction::DoNotReconnect),
            (4009, CloseAction::DoNotReconnect),
            (4099, CloseAction::DoNotReconnect),
            (4100, CloseAction::ReconnectAfterBackoff),
            (4199, CloseAction::ReconnectAfterBackoff),
            (4200, CloseAction::ReconnectNow),
            (4201, CloseAction::ReconnectNow),
            (4299, CloseAction::ReconnectNow),
            (4300, CloseAction::ReconnectAfterBackoff),
            (4999, CloseAction::ReconnectAfterBackoff),
        ];
        for (code, expected) in table {
            assert_eq!(close_action(code), expected, "close code {code}");
        }
    }
}
