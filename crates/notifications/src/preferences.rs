//! A person's notification preferences: which event types are muted, and whether they asked
//! for desktop notifications. Kept per person by the app, in the form below.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// Event kinds (`UserCreated`) that enter the history without a toast. Default: none.
    pub muted: BTreeSet<String>,
    /// The person asked for desktop notifications (the browser's permission is asked
    /// separately, and only when they do). Default: false.
    pub desktop: bool,
}

impl Preferences {
    /// Whether events of `kind` toast (or raise a desktop notification).
    pub fn is_muted(&self, kind: &str) -> bool {
        self.muted.contains(kind)
    }

    pub fn set_muted(&mut self, kind: &str, muted: bool) {
        if muted {
            self.muted.insert(kind.to_owned());
        } else {
            self.muted.remove(kind);
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Preferences read back from [`Preferences::to_json`]'s text; anything unreadable gives
    /// the defaults.
    pub fn from_json(json: &str) -> Preferences {
        serde_json::from_str(json).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn muting_round_trips() {
        let mut preferences = Preferences::default();
        assert!(!preferences.is_muted("UserCreated"));
        preferences.set_muted("UserCreated", true);
        preferences.set_muted("PaymentFailed", true);
        preferences.set_muted("PaymentFailed", false);
        preferences.desktop = true;
        let restored = Preferences::from_json(&preferences.to_json());
        assert_eq!(restored, preferences);
        assert!(restored.is_muted("UserCreated"));
        assert!(!restored.is_muted("PaymentFailed"));
    }

    #[test]
    fn bad_stored_text_gives_the_defaults() {
        for json in ["", "null", "[1]", "{\"muted\": 3}", "{"] {
            assert_eq!(Preferences::from_json(json), Preferences::default(), "{json}");
        }
        // Fields added later or left out do not lose the rest.
        let partial = Preferences::from_json("{\"muted\": [\"UserCreated\"], \"later\": 1}");
        assert!(partial.is_muted("UserCreated"));
    }
}
