//! `herald-devserver fire`: makes events happen on a running devserver, for demos and load,
//! as `broadcast(new PaymentCompleted(...))` in Laravel's tinker would. `cargo xtask fire`
//! runs it.
//!
//! Each event goes through `POST /api/dev/events`, so it is recorded for catch-up and
//! published through Sockudo exactly like the events of real changes. With `--rate`, events
//! are spread evenly over time (sent in small batches as they fall due); without it, all of
//! them are sent at once, up to the route's limit per request.

use std::time::Duration;

use herald_contract::{ChannelKind, EventKind};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::dev::MAX_COUNT;

/// What to fire, from the command line: `herald-devserver fire <EVENT> [OPTIONS]`.
#[derive(Clone, Debug, PartialEq, clap::Args)]
pub struct FireOptions {
    /// A contract event name, such as PaymentCompleted.
    #[arg(value_name = "EVENT", value_parser = parse_event_kind)]
    pub kind: EventKind,
    /// The tenant of a tenant event (1 is Acme).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub tenant: u64,
    /// The user of a user event (4 is user@acme.test).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub user: u64,
    /// How many events.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// Events per second, spread evenly. Default: all at once.
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// The devserver.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8000", value_parser = parse_api)]
    pub api: String,
}

fn parse_event_kind(name: &str) -> Result<EventKind, String> {
    EventKind::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.name()).collect();
        format!("not a contract event; they are: {}", known.join(", "))
    })
}

fn parse_rate(value: &str) -> Result<f64, String> {
    let rate = value.parse::<f64>().ok().filter(|rate| rate.is_finite() && *rate > 0.0);
    rate.ok_or_else(|| "not a positive number".to_owned())
}

fn parse_api(value: &str) -> Result<String, String> {
    Ok(value.trim_end_matches('/').to_owned())
}

impl FireOptions {
    /// The request body for `count` events.
    fn request(&self, count: u64) -> Value {
        let mut request = json!({ "event": self.kind.name(), "count": count });
        match self.kind.audience() {
            ChannelKind::Tenant => request["tenant_id"] = json!(self.tenant),
            ChannelKind::User => request["user_id"] = json!(self.user),
            ChannelKind::Admin => {}
        }
        request
    }

    /// How many events are due `elapsed` after the start: all of them without a rate, else
    /// one at the start and `rate` per second after it.
    fn due(&self, elapsed: Duration) -> u64 {
        match self.rate {
            None => self.count,
            Some(rate) => ((elapsed.as_secs_f64() * rate).floor() as u64 + 1).min(self.count),
        }
    }
}

/// Sends the events, printing one summary line; `Err` with the backend's own message.
pub async fn fire(options: &FireOptions) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|error| format!("cannot build an HTTP client: {error}"))?;
    let url = format!("{}/api/dev/events", options.api);
    let start = Instant::now();
    let mut sent = 0;
    let mut channel = String::new();
    while sent < options.count {
        let due = options.due(start.elapsed());
        if due > sent {
            let batch = (due - sent).min(MAX_COUNT);
            let response = http
                .post(&url)
                .json(&options.request(batch))
                .send()
                .await
                .map_err(|error| format!("no answer from the devserver at {}: {error}", options.api))?;
            let status = response.status();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            if !status.is_success() {
                let message = answer["message"].as_str().unwrap_or("no message");
                return Err(format!("the devserver refused: {status}: {message}"));
            }
            channel = answer["channel"].as_str().unwrap_or_default().to_owned();
            sent += batch;
        } else if let Some(rate) = options.rate {
            let next = Duration::from_secs_f64(sent as f64 / rate);
            tokio::time::sleep_until(start + next).await;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("fired {sent} {} on {channel} in {seconds:.1} s", options.kind.name());
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;
    use herald_contract::EventKind;
    use serde_json::json;

    use crate::fire::FireOptions;

    /// The arguments after `fire`.
    #[derive(Parser)]
    struct Fire {
        #[command(flatten)]
        options: FireOptions,
    }

    /// The options, or clap's message for the mistake.
    fn parse(args: &[&str]) -> Result<FireOptions, String> {
        let args = std::iter::once("fire").chain(args.iter().copied());
        Fire::try_parse_from(args).map(|fire| fire.options).map_err(|error| error.to_string())
    }

    #[test]
    fn options_name_the_event_and_its_subject() {
        let options = parse(&["PaymentCompleted", "--tenant", "2", "--count", "50", "--rate", "10"]).unwrap();
        assert_eq!(
            (options.kind, options.tenant, options.count, options.rate),
            (EventKind::PaymentCompleted, 2, 50, Some(10.0))
        );
        assert_eq!(options.request(5), json!({"event": "PaymentCompleted", "count": 5, "tenant_id": 2}));
        let options = parse(&["App\\Events\\PasswordChanged"]).unwrap();
        assert_eq!(options.request(1), json!({"event": "PasswordChanged", "count": 1, "user_id": 4}));
        assert_eq!(parse(&["SystemAlert"]).unwrap().request(1), json!({"event": "SystemAlert", "count": 1}));
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse(&[]).unwrap_err().contains("<EVENT>"));
        assert!(parse(&["Nope"]).unwrap_err().contains("PaymentCompleted"), "the known events are listed");
        assert!(parse(&["UserCreated", "--count"]).unwrap_err().contains("a value is required"));
        assert!(parse(&["UserCreated", "--count", "0"]).unwrap_err().contains("--count"));
        assert!(parse(&["UserCreated", "--rate", "0"]).unwrap_err().contains("positive"));
        assert!(parse(&["UserCreated", "--tenant", "x"]).unwrap_err().contains("invalid digit"));
        assert!(parse(&["UserCreated", "--colour", "red"]).unwrap_err().contains("--colour"));
    }

    #[test]
    fn a_rate_spreads_the_events_evenly() {
        let options = parse(&["UserCreated", "--count", "10", "--rate", "4"]).unwrap();
        let due = |ms| options.due(Duration::from_millis(ms));
        assert_eq!([due(0), due(249), due(250), due(1000), due(5000)], [1, 1, 2, 5, 10]);
        let at_once = parse(&["UserCreated", "--count", "10"]).unwrap();
        assert_eq!(at_once.due(Duration::ZERO), 10);
    }
}
