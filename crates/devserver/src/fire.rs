//! `herald-devserver fire`: makes events happen on a running devserver, for demos and load,
//! as `broadcast(new PaymentCompleted(...))` in Laravel's tinker would. `cargo xtask fire`
//! runs it.
//!
//! Each event goes through `POST /api/dev/events`, so it is recorded for catch-up and
//! published through Sockudo exactly like the events of real changes. With `--rate`, events
//! are spread evenly over time (sent in small batches as they fall due); without it, all of
//! them are sent at once, up to the route's limit per request.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use crate::dev::MAX_COUNT;
use crate::events::{Audience, EventKind};

pub const FIRE_USAGE: &str = "\
usage: herald-devserver fire <EVENT> [--tenant N] [--user N] [--count N] [--rate R] [--api URL]

Causes EVENT (a contract event name such as PaymentCompleted) through a running devserver.

  --tenant N   the tenant of a tenant event        default 1 (Acme)
  --user N     the user of a user event            default 4 (user@acme.test)
  --count N    how many events                     default 1
  --rate R     events per second, spread evenly    default: all at once
  --api URL    the devserver                       default http://127.0.0.1:8000
";

/// What to fire, from the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct FireOptions {
    pub kind: EventKind,
    pub tenant: u64,
    pub user: u64,
    pub count: u64,
    /// Events per second; `None` sends everything at once.
    pub rate: Option<f64>,
    pub api: String,
}

impl FireOptions {
    /// Parses the arguments after `fire`. `Err` carries the message to print.
    pub fn parse(args: &[String]) -> Result<FireOptions, String> {
        let mut args = args.iter();
        let name = args.next().ok_or("which event? Name one, such as PaymentCompleted")?;
        let kind = EventKind::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.name()).collect();
            format!("unknown event `{name}`; the contract's events are: {}", known.join(", "))
        })?;
        let mut options = FireOptions {
            kind,
            tenant: 1,
            user: 4,
            count: 1,
            rate: None,
            api: "http://127.0.0.1:8000".to_owned(),
        };
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
            let number = || value.parse::<u64>().map_err(|_| format!("`{flag} {value}`: not a whole number"));
            match flag.as_str() {
                "--tenant" => options.tenant = number()?,
                "--user" => options.user = number()?,
                "--count" => options.count = number()?.max(1),
                "--rate" => {
                    let rate = value.parse::<f64>().ok().filter(|rate| rate.is_finite() && *rate > 0.0);
                    options.rate =
                        Some(rate.ok_or_else(|| format!("`--rate {value}`: not a positive number"))?);
                }
                "--api" => options.api = value.trim_end_matches('/').to_owned(),
                _ => return Err(format!("unknown option `{flag}`")),
            }
        }
        Ok(options)
    }

    /// The request body for `count` events.
    fn request(&self, count: u64) -> Value {
        let mut request = json!({ "event": self.kind.name(), "count": count });
        match self.kind.audience() {
            Audience::Tenant => request["tenant_id"] = json!(self.tenant),
            Audience::User => request["user_id"] = json!(self.user),
            Audience::Admin => {}
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

    use serde_json::json;

    use crate::events::EventKind;
    use crate::fire::FireOptions;

    fn parse(args: &[&str]) -> Result<FireOptions, String> {
        FireOptions::parse(&args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>())
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
        assert!(parse(&[]).unwrap_err().contains("which event"));
        assert!(parse(&["Nope"]).unwrap_err().contains("PaymentCompleted"), "the known events are listed");
        assert!(parse(&["UserCreated", "--count"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["UserCreated", "--rate", "0"]).unwrap_err().contains("positive"));
        assert!(parse(&["UserCreated", "--tenant", "x"]).unwrap_err().contains("whole number"));
        assert!(parse(&["UserCreated", "--colour", "red"]).unwrap_err().contains("unknown option"));
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
