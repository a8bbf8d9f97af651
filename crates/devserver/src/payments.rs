//! Payments a tenant receives: each recorded one is `PaymentCompleted` or `PaymentFailed`.

use axum::extract::State;
use herald_contract::{Channel, EventKind, Payment};
use rand::Rng;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, FieldErrors};
use crate::input::{ChangeRequest, Input, MAX_TEXT, Presence, check};
use crate::model::NewPayment;
use crate::resource::Created;
use crate::tenants::AdministeredTenant;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    Failed,
}

/// The largest amount accepted, in whole units.
const MAX_AMOUNT: u64 = 1_000_000_000;

/// `POST /api/tenants/{tenant}/payments {amount, currency, payer, reference?, status, reason?}`:
/// `status` is `completed` or `failed`; a failed payment needs a `reason`.
pub async fn record(
    State(state): State<AppState>,
    ChangeRequest { who: AdministeredTenant(tenant_id), origin, input }: ChangeRequest<AdministeredTenant>,
) -> Result<Created<Payment>, ApiError> {
    let mut errors = FieldErrors::default();
    let amount = amount(&input, &mut errors);
    let currency = check(
        input.text("currency", Presence::Required, 3, &mut errors),
        |currency| currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_alphabetic()),
        "currency",
        "The currency field must be a three-letter ISO 4217 code.",
        &mut errors,
    )
    .map(|currency| currency.to_ascii_uppercase());
    let payer = input.text("payer", Presence::Required, MAX_TEXT, &mut errors);
    let reference = input.text("reference", Presence::IfSent, 64, &mut errors);
    let outcome = input.choice(
        "status",
        Presence::Required,
        &[("completed", Outcome::Completed), ("failed", Outcome::Failed)],
        &mut errors,
    );
    let reason = match outcome {
        Some(Outcome::Failed) if input.filled("reason").is_none() => {
            errors.add("reason", "The reason field is required when status is failed.");
            None
        }
        Some(Outcome::Failed) => input.text("reason", Presence::Required, MAX_TEXT, &mut errors),
        _ => None,
    };
    errors.into_result()?;
    let (Some(amount), Some(currency), Some(payer), Some(outcome)) = (amount, currency, payer, outcome)
    else {
        return Err(ApiError::validation(FieldErrors::default()));
    };
    let reference = reference.unwrap_or_else(generated_reference);
    let new = NewPayment { amount, currency, payer, reference };
    let payment = state
        .change(&origin, |tx| {
            let payment = tx.insert_payment(tenant_id, &new, reason.as_deref())?;
            let channels = vec![Channel::Tenant(tenant_id)];
            let event = match outcome {
                Outcome::Completed => {
                    state.event(EventKind::PaymentCompleted, channels, json!({ "payment": payment }))
                }
                Outcome::Failed => state.event(
                    EventKind::PaymentFailed,
                    channels,
                    json!({ "payment": payment, "reason": reason }),
                ),
            };
            Ok((payment, vec![event]))
        })
        .await?;
    Ok(Created(payment))
}

/// A positive amount with at most two decimals, as a number or a string, normalised to two
/// places (`"12.5"` becomes `"12.50"`).
fn amount(input: &Input, errors: &mut FieldErrors) -> Option<String> {
    let Some(value) = input.filled("amount") else {
        errors.add("amount", "The amount field is required.");
        return None;
    };
    let text = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        _ => String::new(),
    };
    let parsed = parse_cents(&text).filter(|cents| *cents > 0 && *cents <= MAX_AMOUNT * 100);
    if parsed.is_none() {
        errors.add(
            "amount",
            format!("The amount field must be a positive number with at most 2 decimal places, up to {MAX_AMOUNT}."),
        );
    }
    parsed.map(|cents| format!("{}.{:02}", cents / 100, cents % 100))
}

fn parse_cents(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 12 || fraction.len() > 2 || !digits(whole) || !digits(fraction) {
        return None;
    }
    let cents = format!("{fraction:0<2}").parse::<u64>().ok()?;
    whole.parse::<u64>().ok()?.checked_mul(100)?.checked_add(cents)
}

fn generated_reference() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..10).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use crate::payments::parse_cents;

    #[test]
    fn amounts_are_read_to_the_cent() {
        let check = |text: &str, expect: Option<u64>| assert_eq!(parse_cents(text), expect, "{text:?}");
        check("12", Some(1200));
        check("12.5", Some(1250));
        check("12.05", Some(1205));
        check("0.01", Some(1));
        check("12.345", None);
        check("-1", None);
        check("1e3", None);
        check(".5", None);
        check("", None);
        check("999999999999999999", None);
    }
}
