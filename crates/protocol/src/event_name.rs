//! Event names as Laravel broadcasts them.
//!
//! Without `broadcastAs`, Laravel names an event by its class: `App\Events\UserCreated`.
//! Echo listeners write `.UserCreated` to mean "no namespace", and other backends send the bare
//! `UserCreated` or put their classes under another namespace. All of them mean one event, so
//! the app matches on the short name alone.

/// The class name without namespace or leading dots: `App\Events\UserCreated` → `UserCreated`.
pub fn short_event_name(raw: &str) -> &str {
    let without_namespace = raw.rsplit('\\').next().unwrap_or(raw);
    without_namespace.trim_start_matches('.')
}

#[cfg(test)]
mod tests {
    use super::short_event_name;

    #[test]
    fn every_laravel_spelling_reaches_the_same_name() {
        let table = [
            ("App\\Events\\UserCreated", "UserCreated"),
            (".UserCreated", "UserCreated"),
            ("UserCreated", "UserCreated"),
            ("Acme\\Billing\\Events\\PaymentCompleted", "PaymentCompleted"),
            ("\\App\\Events\\UserCreated", "UserCreated"),
            (
                "Illuminate\\Notifications\\Events\\BroadcastNotificationCreated",
                "BroadcastNotificationCreated",
            ),
            ("", ""),
            ("\\", ""),
        ];
        for (raw, short) in table {
            assert_eq!(short_event_name(raw), short, "{raw:?}");
        }
    }
}
