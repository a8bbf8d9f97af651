//! The events the devserver broadcasts, and realistic payloads for each of the contract's
//! events (`herald_contract::EventKind`).
//!
//! Herald's app reacts to eighteen events (CONTRACT.md, "Channels and events"). A real
//! backend broadcasts them when something happens; the devserver has no business logic yet,
//! so `/api/dev/events` asks this module for a plausible instance of any of them, as one
//! would call `broadcast(new UserCreated(User::factory()->make()))` in Laravel's tinker.
//! Generation is pure (the caller passes the time and the random source), so tests can
//! check shapes with a seeded generator.
//!
//! The catalogue is the part later work builds on: the event's name, the audience that
//! decides its channel, and the payload shape are the same whether an event is generated
//! here or caused by a real change.

use std::time::{Duration, SystemTime};

use herald_contract::{
    Channel, EventKind, FeedMarkKind, HotspotUser, Notice, Payment, Role, Tenant, TenantStatus, User, UserId,
    UserStatus,
};
use herald_notifications::{Notification, Severity};
use rand::Rng;
use rand::seq::SliceRandom;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::clock::{rfc3339_millis, rfc3339_seconds};
use crate::pusher::OutgoingEvent;

/// What an event is about: its channel, and the records its payload describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Tenant(Tenant),
    User(User),
    /// The admin channel; `approver` is the system admin named in `TenantApproved`.
    Admin {
        approver: String,
    },
}

/// One event, ready to record for catch-up and to publish.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Unique per event; also the payload's `id`.
    pub id: String,
    pub kind: EventKind,
    /// Where it is broadcast: usually one channel; `TenantSuspended` goes to the tenant and
    /// to the system admins, as a Laravel event's `broadcastOn()` may return several.
    pub channels: Vec<Channel>,
    /// The payload: `id`, `occurred_at` and the event's own fields.
    pub payload: Map<String, Value>,
}

impl Subject {
    pub fn channel(&self) -> Channel {
        match self {
            Subject::Tenant(tenant) => Channel::Tenant(tenant.id),
            Subject::User(user) => Channel::User(user.id),
            Subject::Admin { .. } => Channel::SystemAdmin,
        }
    }
}

impl Event {
    /// A plausible `kind` event about `subject`, occurring at `now`.
    ///
    /// The channel is always the subject's. When the subject does not match the kind's
    /// audience (a caller's mistake), the fields that would describe the subject are
    /// generated instead, so this never fails.
    pub fn generate(kind: EventKind, subject: &Subject, now: SystemTime, rng: &mut impl Rng) -> Event {
        let fields = Payloads { subject, now, rng: &mut *rng }.fields(kind);
        Event::new(kind, vec![subject.channel()], fields, now, rng)
    }

    /// A `kind` event on `channels` with `fields` (a JSON object; anything else adds no fields),
    /// a fresh id and `occurred_at` = `now`: what a real change broadcasts.
    pub fn new(
        kind: EventKind,
        channels: Vec<Channel>,
        fields: impl Into<Value>,
        now: SystemTime,
        rng: &mut impl Rng,
    ) -> Event {
        let id = format!("evt_{}", hex::encode(rng.r#gen::<[u8; 12]>()));
        let mut payload = Map::new();
        payload.insert("id".into(), json!(id));
        payload.insert("occurred_at".into(), json!(rfc3339_millis(now)));
        if let Value::Object(fields) = fields.into() {
            payload.extend(fields);
        }
        Event { id, kind, channels, payload }
    }

    /// Lays `fields` over the payload: objects merge key by key, at any depth, and anything
    /// else replaces what was there. This is how a test pins a name or an amount while the
    /// rest stays generated.
    pub fn merge_fields(&mut self, fields: &Map<String, Value>) {
        merge(&mut self.payload, fields);
        if let Some(Value::String(id)) = self.payload.get("id") {
            self.id = id.clone();
        }
    }

    /// The event as Sockudo's HTTP API takes it, one per channel, not delivered to `socket_id`.
    pub fn outgoing(&self, socket_id: Option<&str>) -> Vec<OutgoingEvent> {
        let data = Value::Object(self.payload.clone()).to_string();
        self.channels
            .iter()
            .map(|channel| OutgoingEvent {
                name: self.kind.broadcast_name(),
                channel: channel.name(),
                data: data.clone(),
                socket_id: socket_id.map(str::to_owned),
            })
            .collect()
    }
}

/// A message that keeps a person's devices in step with their feed (`NotificationsRead`,
/// `NotificationsArchived`): broadcast on their user channel like an event, but not an event
/// of the feed, so never recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedMark {
    pub kind: FeedMarkKind,
    pub user_id: UserId,
    /// The contract's `NotificationsRead` or `NotificationsArchived`, as JSON.
    pub payload: Value,
}

impl FeedMark {
    pub fn new(kind: FeedMarkKind, user_id: UserId, payload: &impl Serialize) -> FeedMark {
        FeedMark { kind, user_id, payload: serde_json::to_value(payload).unwrap_or_default() }
    }

    /// The mark as Sockudo's HTTP API takes it, not delivered to `socket_id` (the device that
    /// made it).
    pub fn outgoing(&self, socket_id: Option<&str>) -> OutgoingEvent {
        OutgoingEvent {
            name: self.kind.broadcast_name(),
            channel: Channel::User(self.user_id).name(),
            data: self.payload.to_string(),
            socket_id: socket_id.map(str::to_owned),
        }
    }
}

/// The severity the app's catalogue gives the event `name` (its short name) with `payload`:
/// the one definition the app shows and the feed's `severity` filter selects by.
pub fn severity_of(name: &str, payload: &Value) -> Severity {
    Notification::from_event(name, None, payload, String::new).severity
}

fn merge(target: &mut Map<String, Value>, fields: &Map<String, Value>) {
    for (key, value) in fields {
        match (target.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(overrides)) => merge(existing, overrides),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The event-specific fields, drawn from small lists of realistic values.
struct Payloads<'a, R> {
    subject: &'a Subject,
    now: SystemTime,
    rng: &'a mut R,
}

impl<R: Rng> Payloads<'_, R> {
    fn fields(&mut self, kind: EventKind) -> Map<String, Value> {
        let value = match kind {
            EventKind::TenantCreated | EventKind::TenantUpdated => {
                json!({ "tenant": self.subject_tenant() })
            }
            EventKind::TenantSuspended => {
                let mut tenant = self.subject_tenant();
                tenant.status = TenantStatus::Suspended;
                json!({ "tenant": tenant, "reason": self.pick(TENANT_SUSPENSION_REASONS) })
            }
            EventKind::UserCreated | EventKind::UserUpdated | EventKind::UserDeleted => {
                json!({ "user": self.new_member() })
            }
            EventKind::PaymentCompleted => json!({ "payment": self.payment() }),
            EventKind::PaymentFailed => {
                json!({ "payment": self.payment(), "reason": self.pick(PAYMENT_FAILURES) })
            }
            EventKind::HotspotUserCreated => json!({ "hotspot_user": self.hotspot_user(false) }),
            EventKind::HotspotUserExpired => json!({ "hotspot_user": self.hotspot_user(true) }),
            EventKind::SystemNotification => self.notice(TENANT_NOTICES),
            EventKind::PasswordChanged | EventKind::AccountActivated => {
                json!({ "user_id": self.subject_user().id })
            }
            EventKind::AccountSuspended => json!({
                "user_id": self.subject_user().id,
                "reason": self.pick(ACCOUNT_SUSPENSION_REASONS),
            }),
            EventKind::ProfileUpdated => json!({ "user": self.subject_user() }),
            EventKind::TenantRegistered => {
                json!({ "tenant": self.new_tenant(TenantStatus::Pending) })
            }
            EventKind::TenantApproved => {
                let approver = match self.subject {
                    Subject::Admin { approver } => approver.clone(),
                    _ => self.person_name(),
                };
                json!({ "tenant": self.new_tenant(TenantStatus::Active), "approved_by": approver })
            }
            EventKind::SystemAlert => self.notice(ADMIN_ALERTS),
        };
        match value {
            Value::Object(fields) => fields,
            _ => Map::new(),
        }
    }

    fn subject_tenant(&mut self) -> Tenant {
        match self.subject {
            Subject::Tenant(tenant) => tenant.clone(),
            _ => self.new_tenant(TenantStatus::Active),
        }
    }

    fn subject_user(&mut self) -> User {
        match self.subject {
            Subject::User(user) => user.clone(),
            _ => self.new_member(),
        }
    }

    /// A user who is not in the seed: a new member of the subject's tenant.
    fn new_member(&mut self) -> User {
        let tenant_id = match self.subject {
            Subject::Tenant(tenant) => tenant.id,
            Subject::User(user) => user.tenant_id.unwrap_or(1),
            Subject::Admin { .. } => 1,
        };
        let (first, last) = (self.pick(FIRST_NAMES), self.pick(LAST_NAMES));
        let domain = match self.subject {
            Subject::Tenant(tenant) => tenant.email.split_once('@').map(|(_, domain)| domain.to_owned()),
            _ => None,
        }
        .unwrap_or_else(|| "example.test".to_owned());
        User {
            id: self.rng.gen_range(100..100_000),
            name: format!("{first} {last}"),
            email: format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase()),
            role: if self.rng.gen_ratio(1, 5) { Role::TenantAdmin } else { Role::User },
            tenant_id: Some(tenant_id),
            status: UserStatus::Active,
        }
    }

    fn new_tenant(&mut self, status: TenantStatus) -> Tenant {
        let (brand, trade) = (self.pick(TENANT_BRANDS), self.pick(TENANT_TRADES));
        Tenant {
            id: self.rng.gen_range(100..100_000),
            name: format!("{brand} {trade}"),
            email: format!("admin@{}.test", brand.to_lowercase()),
            status,
        }
    }

    fn payment(&mut self) -> Payment {
        let cents: u64 = self.rng.gen_range(200..250_000);
        let reference: String =
            (0..10).map(|_| *REFERENCE_ALPHABET.choose(&mut *self.rng).unwrap_or(&b'X') as char).collect();
        Payment {
            id: self.rng.gen_range(1_000..1_000_000),
            amount: format!("{}.{:02}", cents / 100, cents % 100),
            currency: self.pick(CURRENCIES).to_owned(),
            payer: self.person_name(),
            reference,
        }
    }

    fn hotspot_user(&mut self, expired: bool) -> HotspotUser {
        let (package, hours) = *PACKAGES.choose(&mut *self.rng).unwrap_or(&PACKAGES[0]);
        let expires_at = if expired { self.now } else { self.now + Duration::from_secs(hours * 3_600) };
        HotspotUser {
            id: self.rng.gen_range(1_000..1_000_000),
            username: format!("guest-{:04}", self.rng.gen_range(0..10_000)),
            package: package.to_owned(),
            expires_at: rfc3339_seconds(expires_at),
        }
    }

    fn notice(&mut self, choices: &[(&str, &str, &str)]) -> Value {
        let (level, title, message) = *choices.choose(&mut *self.rng).unwrap_or(&choices[0]);
        json!(Notice { title: title.to_owned(), message: message.to_owned(), level: level.to_owned() })
    }

    fn person_name(&mut self) -> String {
        format!("{} {}", self.pick(FIRST_NAMES), self.pick(LAST_NAMES))
    }

    fn pick(&mut self, choices: &[&'static str]) -> &'static str {
        choices.choose(&mut *self.rng).copied().unwrap_or("")
    }
}

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Amina", "Brian", "Chloe", "Daniel", "Esther", "Felix", "Grace", "Hassan", "Irene", "Jonas", "Kofi",
    "Lena", "Mateo", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Samuel", "Tara",
];
pub(crate) const LAST_NAMES: &[&str] = &[
    "Achieng", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen",
    "Kamau", "Lopez", "Moreau", "Novak", "Okafor", "Patel", "Rossi", "Suzuki",
];
const TENANT_BRANDS: &[&str] = &[
    "Northwind",
    "Initech",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Wonka",
    "Tyrell",
    "Stark",
    "Oceanic",
    "Pied Piper",
];
const TENANT_TRADES: &[&str] = &["Networks", "Hotspots", "Wireless", "Broadband", "Connect", "Telecom"];
const CURRENCIES: &[&str] = &["USD", "EUR", "KES"];
const REFERENCE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Hotspot packages with their length in hours.
const PACKAGES: &[(&str, u64)] =
    &[("1 Hour Pass", 1), ("Daily 1 GB", 24), ("Weekly Unlimited", 168), ("Monthly 10 GB", 720)];
const PAYMENT_FAILURES: &[&str] = &[
    "Insufficient funds",
    "Card declined by issuer",
    "The payment provider timed out",
    "Payment was cancelled by the payer",
];
const TENANT_SUSPENSION_REASONS: &[&str] = &[
    "Invoice INV-2041 is 30 days overdue.",
    "Suspended at the owner's request.",
    "Terms of service violation under review.",
];
const ACCOUNT_SUSPENSION_REASONS: &[&str] = &[
    "Too many failed sign-in attempts",
    "Suspended by your administrator",
    "Suspicious activity was detected on your account",
];
/// (level, title, message) for tenant-wide notifications.
const TENANT_NOTICES: &[(&str, &str, &str)] = &[
    ("info", "Scheduled maintenance", "Router firmware updates run tonight from 01:00 to 02:00 UTC."),
    ("warning", "Bandwidth nearly used", "Your plan has 10% of this month's bandwidth left."),
    ("success", "Backup complete", "Last night's configuration backup finished."),
    ("error", "Router offline", "Router ap-lobby-2 stopped answering five minutes ago."),
];
/// (level, title, message) for system admins.
const ADMIN_ALERTS: &[(&str, &str, &str)] = &[
    ("critical", "Database replica lagging", "Replica db-2 is 45 seconds behind the primary."),
    ("warning", "Queue backlog", "1,204 jobs are waiting in the default queue."),
    ("info", "Deployment finished", "Version 2.14.0 is live on all nodes."),
    ("error", "Payment gateway errors", "12% of payment requests failed in the last 5 minutes."),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::{Duration, UNIX_EPOCH};

    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use serde_json::{Value, json};

    use herald_contract::{Channel, ChannelKind, EventKind, HotspotUser, Payment, Tenant, User};
    use herald_notifications::AppEvent;

    use crate::events::{Event, Subject};
    use crate::store::Store;

    fn subject_for(kind: EventKind) -> Subject {
        let store = Store::in_memory();
        match kind.audience() {
            ChannelKind::Tenant => Subject::Tenant(store.tenant(1).unwrap().unwrap()),
            ChannelKind::User => Subject::User(store.user(4).unwrap().unwrap()),
            ChannelKind::Admin => Subject::Admin { approver: "Ada Admin".into() },
        }
    }

    /// The fields beside `id` and `occurred_at` that CONTRACT.md's table lists for `kind`.
    fn contract_fields(kind: EventKind) -> &'static [&'static str] {
        match kind {
            EventKind::TenantCreated | EventKind::TenantUpdated => &["tenant"],
            EventKind::TenantSuspended => &["tenant", "reason"],
            EventKind::UserCreated | EventKind::UserUpdated | EventKind::UserDeleted => &["user"],
            EventKind::PaymentCompleted => &["payment"],
            EventKind::PaymentFailed => &["payment", "reason"],
            EventKind::HotspotUserCreated | EventKind::HotspotUserExpired => &["hotspot_user"],
            EventKind::SystemNotification | EventKind::SystemAlert => &["title", "message", "level"],
            EventKind::PasswordChanged | EventKind::AccountActivated => &["user_id"],
            EventKind::AccountSuspended => &["user_id", "reason"],
            EventKind::ProfileUpdated => &["user"],
            EventKind::TenantRegistered => &["tenant"],
            EventKind::TenantApproved => &["tenant", "approved_by"],
        }
    }

    fn keys(value: &Value) -> Vec<String> {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    #[test]
    fn every_event_has_exactly_the_contracts_fields_and_shapes() {
        let mut rng = StdRng::seed_from_u64(7);
        let now = UNIX_EPOCH + Duration::from_secs(1_735_689_600);
        let mut ids = HashSet::new();
        for kind in EventKind::ALL {
            for _ in 0..20 {
                let event = Event::generate(kind, &subject_for(kind), now, &mut rng);
                let payload = Value::Object(event.payload.clone());
                let mut expected: Vec<String> =
                    contract_fields(kind).iter().map(|field| field.to_string()).collect();
                expected.extend(["id".to_owned(), "occurred_at".to_owned()]);
                expected.sort();
                assert_eq!(keys(&payload), expected, "{kind:?}");
                assert_eq!(payload["id"], json!(event.id));
                assert_eq!(payload["occurred_at"], "2025-01-01T00:00:00.000Z");
                assert!(ids.insert(event.id.clone()), "ids are unique");
                if let Some(tenant) = payload.get("tenant") {
                    assert_eq!(keys(tenant), ["email", "id", "name", "status"], "{kind:?}");
                }
                if let Some(user) = payload.get("user") {
                    assert_eq!(
                        keys(user),
                        ["email", "id", "name", "role", "status", "tenant_id"],
                        "{kind:?}"
                    );
                }
                if let Some(payment) = payload.get("payment") {
                    assert_eq!(keys(payment), ["amount", "currency", "id", "payer", "reference"]);
                    let amount = payment["amount"].as_str().unwrap();
                    assert!(amount.parse::<f64>().is_ok() && amount.split('.').nth(1).unwrap().len() == 2);
                }
                if let Some(hotspot_user) = payload.get("hotspot_user") {
                    assert_eq!(keys(hotspot_user), ["expires_at", "id", "package", "username"]);
                }
                if let Some(level) = payload.get("level") {
                    let levels = ["info", "success", "warning", "error", "critical"];
                    assert!(levels.contains(&level.as_str().unwrap()), "{level}");
                }
            }
        }
    }

    #[test]
    fn each_audience_has_its_channel() {
        let mut rng = StdRng::seed_from_u64(1);
        let now = UNIX_EPOCH;
        let mut channel = |kind| Event::generate(kind, &subject_for(kind), now, &mut rng).channels[0];
        assert_eq!(channel(EventKind::PaymentCompleted), Channel::Tenant(1));
        assert_eq!(channel(EventKind::PasswordChanged), Channel::User(4));
        assert_eq!(channel(EventKind::SystemAlert), Channel::SystemAdmin);
    }

    #[test]
    fn tenant_and_user_events_describe_their_subject() {
        let mut rng = StdRng::seed_from_u64(2);
        let suspended = Event::generate(
            EventKind::TenantSuspended,
            &subject_for(EventKind::TenantSuspended),
            UNIX_EPOCH,
            &mut rng,
        );
        assert_eq!(suspended.payload["tenant"]["name"], "Acme Networks");
        assert_eq!(suspended.payload["tenant"]["status"], "suspended");
        let changed = Event::generate(
            EventKind::PasswordChanged,
            &subject_for(EventKind::PasswordChanged),
            UNIX_EPOCH,
            &mut rng,
        );
        assert_eq!(changed.payload["user_id"], 4);
        let approved = Event::generate(
            EventKind::TenantApproved,
            &subject_for(EventKind::TenantApproved),
            UNIX_EPOCH,
            &mut rng,
        );
        assert_eq!(approved.payload["approved_by"], "Ada Admin");
        assert_eq!(approved.payload["tenant"]["status"], "active");
    }

    #[test]
    fn fields_merge_deeply_over_the_generated_payload() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut event = Event::generate(
            EventKind::UserCreated,
            &subject_for(EventKind::UserCreated),
            UNIX_EPOCH,
            &mut rng,
        );
        let email = event.payload["user"]["email"].clone();
        let fields = json!({"user": {"name": "Zed Zulu"}, "id": "fixed-id", "extra": [1]});
        event.merge_fields(fields.as_object().unwrap());
        assert_eq!(event.payload["user"]["name"], "Zed Zulu");
        assert_eq!(event.payload["user"]["email"], email, "untouched fields stay");
        assert_eq!(event.payload["extra"], json!([1]));
        assert_eq!(event.id, "fixed-id", "the event id follows an overridden payload id");
    }

    #[test]
    fn the_outgoing_event_carries_the_payload_as_a_json_string() {
        let mut rng = StdRng::seed_from_u64(4);
        let event = Event::generate(
            EventKind::SystemAlert,
            &subject_for(EventKind::SystemAlert),
            UNIX_EPOCH,
            &mut rng,
        );
        let outgoing = event.outgoing(Some("1.2")).remove(0);
        assert_eq!(outgoing.name, "App\\Events\\SystemAlert");
        assert_eq!(outgoing.channel, "private-system.admin");
        assert_eq!(outgoing.socket_id.as_deref(), Some("1.2"));
        let data: Value = serde_json::from_str(&outgoing.data).unwrap();
        assert_eq!(data, Value::Object(event.payload));
    }

    /// Every payload the devserver can broadcast decodes, in the app's catalogue, to the known
    /// event it was sent as; and each record in it has exactly the contract's shape (it
    /// round-trips through the contract's strict type) and reads leniently as the same record.
    #[test]
    fn every_broadcast_payload_decodes_to_its_app_event() {
        fn same_record<T>(data: &Value, field: &str, lenient: fn(&Value) -> T)
        where
            T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
        {
            let Some(sent) = data.get(field) else { return };
            let strict: T = serde_json::from_value(sent.clone()).unwrap_or_else(|e| panic!("{field}: {e}"));
            assert_eq!(&serde_json::to_value(&strict).unwrap(), sent, "{field} has the contract's fields");
            assert_eq!(lenient(sent), strict, "{field} reads the same leniently");
        }
        let mut rng = StdRng::seed_from_u64(11);
        for kind in EventKind::ALL {
            for _ in 0..20 {
                let event = Event::generate(kind, &subject_for(kind), UNIX_EPOCH, &mut rng);
                for outgoing in event.outgoing(None) {
                    assert_eq!(EventKind::from_name(&outgoing.name), Some(kind));
                    let data: Value = serde_json::from_str(&outgoing.data).unwrap();
                    let decoded = AppEvent::decode(kind.name(), &data);
                    assert_eq!(decoded.kind(), Some(kind), "{decoded:?}");
                    same_record(&data, "tenant", Tenant::from_payload);
                    same_record(&data, "user", User::from_payload);
                    same_record(&data, "payment", Payment::from_payload);
                    same_record(&data, "hotspot_user", HotspotUser::from_payload);
                }
            }
        }
    }
}
