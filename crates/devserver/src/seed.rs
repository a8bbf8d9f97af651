//! What a new database starts with: the contract's seeded tenants and accounts (CONTRACT.md,
//! "Dev defaults"), all with the password [`SEEDED_PASSWORD`], plus one registration waiting
//! for approval so the approvals page has something to show. And, with `--seed-users N
//! --seed-events N`, a tenant with real data sizes ([`fill_demo_tenant`]).

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use herald_contract::{ChannelKind, EventKind, Role, TenantStatus, User, UserStatus};
use rand::Rng;
use rand::seq::SliceRandom;
use rusqlite::params;

use crate::events::{Event, FIRST_NAMES, LAST_NAMES, Subject};
use crate::model::hash_password;
use crate::store::Tx;

/// The password every seeded account has, as the contract's dev defaults say.
pub const SEEDED_PASSWORD: &str = "password";

/// Writes the seed into a new database's first transaction.
pub(crate) fn seed(tx: &rusqlite::Transaction<'_>) -> Result<(), rusqlite::Error> {
    let tenants = [
        (1, "Acme Networks", "billing@acme.test", TenantStatus::Active),
        (2, "Globex Hotspots", "billing@globex.test", TenantStatus::Active),
        (3, "Initech Wireless", "owner@initech.test", TenantStatus::Pending),
    ];
    for (id, name, email, status) in tenants {
        tx.execute(
            "INSERT INTO tenants (id, name, email, status) VALUES (?1, ?2, ?3, ?4)",
            params![id, name, email, status.as_str()],
        )?;
    }
    let hash = seeded_password_hash();
    let users = [
        (1, "Ada Admin", "admin@herald.test", Role::SystemAdmin, None),
        (2, "Olive Owner", "owner@acme.test", Role::TenantAdmin, Some(1)),
        (3, "Gus Owner", "owner@globex.test", Role::TenantAdmin, Some(2)),
        (4, "Uma User", "user@acme.test", Role::User, Some(1)),
        (5, "Ian Initech", "owner@initech.test", Role::TenantAdmin, Some(3)),
    ];
    for (id, name, email, role, tenant_id) in users {
        tx.execute(
            "INSERT INTO users (id, name, email, password_hash, role, tenant_id, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id, name, email, hash, role.as_str(), tenant_id, UserStatus::Active.as_str()],
        )?;
    }
    Ok(())
}

/// One Argon2 hash of [`SEEDED_PASSWORD`], computed once per process and shared by every seeded
/// account, as Laravel's `UserFactory` does with its static password: hashing is deliberately
/// slow, and a server (or a test suite building many servers) should pay for it once. Signing
/// in with an unknown email verifies against it too, so the time taken reveals nothing.
pub(crate) fn seeded_password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(SEEDED_PASSWORD))
}

/// How much demo data `--seed-users` and `--seed-events` ask for, or how much was added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DemoVolume {
    /// Members of tenant 1 (Acme), the seeded ones included.
    pub users: u64,
    /// Events in the database, on Acme's channel mostly, and on the user channels of its
    /// seeded accounts and the system admins' channel.
    pub events: u64,
}

/// The tenant the demo volume fills: Acme Networks.
const DEMO_TENANT: u64 = 1;
/// The seeded accounts with a user channel of their own in Acme: Olive Owner and Uma User.
const DEMO_PEOPLE: [u64; 2] = [2, 4];

/// Brings Acme up to `wanted.users` members and the database up to `wanted.events` events,
/// so starting again with the same flags adds nothing. The members have realistic names,
/// unique emails, mostly the `user` role and some suspended, and the seeded password; the
/// events are the contract's, generated as `/api/dev/events` generates them, spread over the
/// year before `now` (oldest first, so their order is their time's). Everything is written in
/// the caller's one transaction with prepared statements. Returns what was added.
pub(crate) fn fill_demo_tenant(
    tx: &Tx<'_>,
    wanted: DemoVolume,
    now: SystemTime,
    rng: &mut impl Rng,
) -> Result<DemoVolume, rusqlite::Error> {
    let sql = tx.sql();
    let members: u64 =
        sql.query_row("SELECT COUNT(*) FROM users WHERE tenant_id = ?1", [DEMO_TENANT], |row| row.get(0))?;
    let first_number: u64 =
        sql.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM users", [], |row| row.get(0))?;
    let users = wanted.users.saturating_sub(members);
    let hash = seeded_password_hash();
    let mut insert = sql.prepare(
        "INSERT INTO users (name, email, password_hash, role, tenant_id, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for number in first_number..first_number + users {
        let (first, last) = (pick(FIRST_NAMES, rng), pick(LAST_NAMES, rng));
        let email = format!("{}.{}{number}@acme.test", first.to_lowercase(), last.to_lowercase());
        let role = if rng.gen_ratio(1, 50) { Role::TenantAdmin } else { Role::User };
        let status = if rng.gen_ratio(1, 20) { UserStatus::Suspended } else { UserStatus::Active };
        insert.execute(params![
            format!("{first} {last}"),
            email,
            hash,
            role.as_str(),
            DEMO_TENANT,
            status.as_str()
        ])?;
    }

    let recorded: u64 = sql.query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0))?;
    let events = wanted.events.saturating_sub(recorded);
    let tenant = tx.tenant(DEMO_TENANT)?.unwrap_or_default();
    let people: Vec<User> =
        DEMO_PEOPLE.iter().filter_map(|&id| tx.user(id).transpose()).collect::<Result<_, _>>()?;
    let year = Duration::from_secs(365 * 24 * 3600);
    let step = year / u32::try_from(events.max(1)).unwrap_or(u32::MAX);
    for index in 0..events {
        let occurred_at = now - year + step * u32::try_from(index).unwrap_or(u32::MAX);
        let kind = pick_kind(rng);
        let subject = match kind.audience() {
            ChannelKind::Tenant => Subject::Tenant(tenant.clone()),
            ChannelKind::User => match people.choose(rng) {
                Some(person) => Subject::User(person.clone()),
                None => Subject::Tenant(tenant.clone()),
            },
            ChannelKind::Admin => Subject::Admin { approver: "Ada Admin".to_owned() },
        };
        tx.record(&Event::generate(kind, &subject, occurred_at, rng))?;
    }
    Ok(DemoVolume { users, events })
}

/// A kind of event as often as a busy ISP tenant sees it: mostly payments, hotspot sessions
/// and user changes on the tenant's channel, a few personal ones, and some for system admins.
fn pick_kind(rng: &mut impl Rng) -> EventKind {
    const WEIGHTED: &[(EventKind, u32)] = &[
        (EventKind::PaymentCompleted, 30),
        (EventKind::PaymentFailed, 5),
        (EventKind::HotspotUserCreated, 20),
        (EventKind::HotspotUserExpired, 15),
        (EventKind::UserCreated, 8),
        (EventKind::UserUpdated, 6),
        (EventKind::UserDeleted, 1),
        (EventKind::SystemNotification, 2),
        (EventKind::TenantUpdated, 1),
        (EventKind::PasswordChanged, 2),
        (EventKind::ProfileUpdated, 2),
        (EventKind::TenantRegistered, 3),
        (EventKind::TenantApproved, 2),
        (EventKind::SystemAlert, 3),
    ];
    WEIGHTED
        .choose_weighted(rng, |(_, weight)| *weight)
        .map_or(EventKind::PaymentCompleted, |(kind, _)| *kind)
}

fn pick(choices: &[&'static str], rng: &mut impl Rng) -> &'static str {
    choices.choose(rng).copied().unwrap_or("Sam")
}
