//! The records events carry besides users and tenants, and how a payload is read.
//!
//! Payloads come from other people's servers, so the app reads them leniently: each record
//! has a `from_payload` that never fails, built on [`text`] and [`id`]. A server builds them
//! from the same structs with serde, so what it sends is what the app expects.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A recorded payment: `{id, amount, currency, payer, reference}`, as `Payment*` events carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: u64,
    /// A decimal string with two places, such as `"12.50"`.
    pub amount: String,
    pub currency: String,
    pub payer: String,
    pub reference: String,
}

/// A hotspot user: `{id, username, package, expires_at}`, `expires_at` in RFC 3339.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotspotUser {
    pub id: u64,
    pub username: String,
    pub package: String,
    pub expires_at: String,
}

/// A free-form notice (`SystemNotification`, `SystemAlert`, Laravel's notifications):
/// `{title, message, level}`, `level` one of `info`, `success`, `warning`, `error`, `critical`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub title: String,
    pub message: String,
    pub level: String,
}

from_payload!(Payment { id: id, amount: text, currency: text, payer: text, reference: text });
from_payload!(HotspotUser { id: id, username: text, package: text, expires_at: text });
from_payload!(Notice { title: text, message: text, level: text });

/// A JSON value as display text: strings trimmed, numbers and booleans printed, anything else
/// (null, missing, objects, arrays) empty.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A JSON value as a record id: a whole number, or a string of one; anything else is 0,
/// which no record has.
pub fn id(v: &Value) -> u64 {
    match v {
        Value::Number(n) => n.as_u64().unwrap_or(0),
        Value::String(s) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

/// An [`id`] that may be missing: `None` where it would be 0.
pub fn optional_id(v: &Value) -> Option<u64> {
    Some(id(v)).filter(|&id| id != 0)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::payload::{Payment, id, text};

    #[test]
    fn text_and_ids_from_any_json() {
        for (value, expect) in
            [(json!(" a "), "a"), (json!(12.5), "12.5"), (json!(true), "true"), (json!(null), "")]
        {
            assert_eq!(text(&value), expect, "{value}");
        }
        for (value, expect) in
            [(json!(7), 7), (json!("8"), 8), (json!(-1), 0), (json!(1.5), 0), (json!("x"), 0), (json!({}), 0)]
        {
            assert_eq!(id(&value), expect, "{value}");
        }
    }

    #[test]
    fn a_payment_reads_leniently_and_round_trips_strictly() {
        let payment = Payment {
            id: 3,
            amount: "25.00".into(),
            currency: "USD".into(),
            payer: "Ann".into(),
            reference: "INV-1".into(),
        };
        let value = serde_json::to_value(&payment).unwrap();
        assert_eq!(Payment::from_payload(&value), payment);
        assert_eq!(serde_json::from_value::<Payment>(value).unwrap(), payment);
        assert_eq!(Payment::from_payload(&json!({"amount": 12.5})).amount, "12.5");
    }
}
