//! The devserver's data: tenants, accounts, payments, hotspot users, revoked tokens, sign-in
//! families with their refresh tokens, every event it has broadcast (with the severity the
//! app's catalogue gives it), and each person's read and archived marks on the events of their
//! feed, in one SQLite database. The lists read a page at a time by key (`crate::paging`),
//! each query on an index that gives its order.
//!
//! The database is a file in the data folder (`--data-dir`), created, migrated and seeded
//! (`crate::seed`) on first start, or a private in-memory database for tests. The records are
//! the contract's (`herald_contract`) and the devserver's own (`crate::model`). Reads are methods on [`Store`];
//! every change goes through [`Store::write`], which runs a closure in one transaction on a
//! [`Tx`]. A route changes its records and records the events that change causes in the
//! same transaction, so a failure at any step leaves nothing half-written: no user without
//! its `UserCreated`, no event about a change that was rolled back.
//!
//! Methods return owned values and name the question a route asks ("the user with this
//! email", "is this token revoked"), never a table.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use herald_contract::{
    Channel, EventKind, EventRecord, FeedEntry, HotspotUser, Payment, Role, Tenant, TenantId, TenantStatus,
    User, UserId, UserStatus,
};
use herald_notifications::Severity;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use crate::events::{Event, severity_of};
use crate::model::{Account, NewPayment, NewUser, password_matches};
use crate::paging::Keyset;
use crate::seed::{DemoVolume, fill_demo_tenant, seed, seeded_password_hash};

/// The file the database lives in, inside the data folder.
pub const DATABASE_FILE: &str = "herald.sqlite3";

/// The devserver's data. Cheap to share behind an `Arc`; all methods lock internally.
pub struct Store {
    connection: Mutex<Connection>,
}

/// A refresh token as the store keeps it, with what its family says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRefreshToken {
    pub family: String,
    pub user_id: UserId,
    /// Unix seconds; the token is refused from this second on.
    pub expires_at: u64,
    pub family_revoked: bool,
    /// The sign-in's "keep me signed in".
    pub remember: bool,
    /// The user's token generation at sign-in; suspension moves the user past it.
    pub token_generation: u64,
}

/// A change in progress: see [`Store::write`].
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
}

/// Which entries of a person's feed to list: the events on `channels` (the person's, or those
/// of one kind), with the person's marks.
#[derive(Clone, Debug)]
pub struct FeedQuery {
    pub user_id: UserId,
    pub channels: Vec<Channel>,
    /// Only entries the person has not read.
    pub unread_only: bool,
    /// The archive (`true`) or everything else (`false`): an entry is in one or the other.
    pub archived: bool,
    pub severity: Option<Severity>,
}

/// Where the data lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `DIR/herald.sqlite3`, created with its folder when missing.
    Folder(PathBuf),
    /// A private database that disappears with the process: tests and throwaway stacks.
    Memory,
}

impl Store {
    /// Opens (creating, migrating and seeding as needed) the database at `location`. With
    /// `reset`, an existing database is deleted first, so the seed is all there is.
    pub fn open(location: &Location, reset: bool) -> Result<Store, rusqlite::Error> {
        let connection = match location {
            Location::Memory => Connection::open_in_memory()?,
            Location::Folder(dir) => {
                let path = dir.join(DATABASE_FILE);
                std::fs::create_dir_all(dir).map_err(|error| io_error(dir, error))?;
                if reset {
                    for suffix in ["", "-wal", "-shm"] {
                        let file = PathBuf::from(format!("{}{suffix}", path.display()));
                        match std::fs::remove_file(&file) {
                            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                                return Err(io_error(&file, error));
                            }
                            _ => {}
                        }
                    }
                }
                let connection = Connection::open(&path)?;
                // WAL lets a reader (another tool with the file open) not block the server.
                connection.pragma_update(None, "journal_mode", "WAL")?;
                connection
            }
        };
        connection.pragma_update(None, "foreign_keys", true)?;
        let mut store = Store { connection: Mutex::new(connection) };
        store.migrate()?;
        Ok(store)
    }

    /// A seeded in-memory store, for tests.
    pub fn in_memory() -> Store {
        Store::open(&Location::Memory, false).expect("an in-memory SQLite database opens")
    }

    /// Applies the migrations the database has not had yet, then seeds a new database. The
    /// schema version is SQLite's `user_version`.
    fn migrate(&mut self) -> Result<(), rusqlite::Error> {
        let connection = self.connection.get_mut().unwrap_or_else(PoisonError::into_inner);
        let version: usize = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let tx = connection.transaction()?;
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", index + 1)?;
        }
        if version < SEVERITY_MIGRATION {
            fill_in_severities(&tx)?;
        }
        if version == 0 {
            seed(&tx)?;
        }
        tx.commit()
    }

    /// Runs `change` in one transaction: committed when it returns `Ok`, rolled back when it
    /// returns `Err` (or a statement fails), so nothing is ever half-written.
    pub fn write<T, E>(&self, change: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut connection = self.lock();
        let tx = Tx { tx: connection.transaction()? };
        let value = change(&tx)?;
        tx.tx.commit()?;
        Ok(value)
    }

    /// Runs `query` on the current data; a read-only view that sees only committed changes.
    pub fn read<T>(
        &self,
        query: impl FnOnce(&Tx<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, rusqlite::Error> {
        let mut connection = self.lock();
        let tx = Tx { tx: connection.transaction()? };
        query(&tx)
    }

    pub fn user(&self, id: UserId) -> Result<Option<User>, rusqlite::Error> {
        self.read(|tx| tx.user(id))
    }

    pub fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, rusqlite::Error> {
        self.read(|tx| tx.tenant(id))
    }

    /// The account a token's subject names, for the bearer-token check.
    pub fn account(&self, id: UserId) -> Result<Option<Account>, rusqlite::Error> {
        self.read(|tx| tx.account(id))
    }

    /// Users with `role`, in id order.
    pub fn users_with_role(&self, role: Role) -> Result<Vec<User>, rusqlite::Error> {
        self.read(|tx| {
            let mut statement =
                tx.tx.prepare(&format!("{SELECT_USER} FROM users WHERE role = ?1 ORDER BY id"))?;
            statement.query_map([role.as_str()], user_from_row)?.collect()
        })
    }

    /// The user whose email and password match, with their token generation. Emails compare
    /// case-insensitively, as they do under MySQL's default collation in a Laravel app.
    ///
    /// This runs Argon2 (tens of milliseconds): call it from a blocking task. An unknown email
    /// still costs one verification, so response time does not reveal which emails exist.
    pub fn user_with_credentials(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<User>, rusqlite::Error> {
        let found = self.read(|tx| tx.user_and_password_hash_by_email(email))?;
        Ok(match found {
            Some((user, hash)) => password_matches(password, &hash).then_some(user),
            None => {
                password_matches(password, seeded_password_hash());
                None
            }
        })
    }

    /// Marks a token id as revoked until `expires_at` (Unix seconds), and its sign-in `family`
    /// with it, in one transaction; forgets revocations whose tokens have expired by `now`.
    pub fn revoke_token(
        &self,
        jti: &str,
        family: Option<&str>,
        expires_at: u64,
        now: u64,
    ) -> Result<(), rusqlite::Error> {
        self.write(|tx| {
            tx.tx.execute("DELETE FROM revoked_tokens WHERE expires_at <= ?1", [now])?;
            tx.tx.execute(
                "INSERT OR REPLACE INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2)",
                params![jti, expires_at],
            )?;
            if let Some(family) = family {
                tx.revoke_family(family)?;
            }
            Ok(())
        })
    }

    /// Whether an access token is refused for what its signature cannot show: its id was
    /// revoked by logout, or its sign-in `family` was revoked. A family the store does not
    /// know is not refused, as an unknown `jti` is not: revocation is what is recorded. A
    /// family is forgotten only once every token of it has expired anyway, and a demo
    /// database started afresh (`--data-dir :memory:`, a restart in the tests) keeps the
    /// access tokens it signed before working until they expire, as it always did.
    pub fn is_token_revoked(&self, jti: &str, family: Option<&str>) -> Result<bool, rusqlite::Error> {
        self.read(|tx| {
            tx.tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?1)
                     OR EXISTS (SELECT 1 FROM sign_in_families WHERE id = ?2 AND revoked = 1)",
                params![jti, family],
                |row| row.get(0),
            )
        })
    }

    /// Fills tenant 1 up to the demo volume `wanted` (see [`fill_demo_tenant`]) in one
    /// transaction; returns what was added.
    pub fn fill_demo_tenant(
        &self,
        wanted: DemoVolume,
        now: SystemTime,
    ) -> Result<DemoVolume, rusqlite::Error> {
        self.write(|tx| fill_demo_tenant(tx, wanted, now, &mut rand::thread_rng()))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock happened outside a committed transaction (SQLite
        // rolls an unfinished one back), so the connection is still consistent: reuse it.
        self.connection.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Tx<'_> {
    /// The transaction itself, for the seed, which writes rows in bulk.
    pub(crate) fn sql(&self) -> &rusqlite::Transaction<'_> {
        &self.tx
    }

    /// The account `id` names, with its token generation and its tenant's status.
    pub fn account(&self, id: UserId) -> Result<Option<Account>, rusqlite::Error> {
        self.tx
            .query_row(
                "SELECT u.id, u.name, u.email, u.role, u.tenant_id, u.status, u.token_generation, t.status
                 FROM users u LEFT JOIN tenants t ON t.id = u.tenant_id WHERE u.id = ?1",
                [id],
                |row| {
                    Ok(Account {
                        user: user_from_row(row)?,
                        token_generation: row.get(6)?,
                        tenant_status: row.get::<_, Option<String>>(7)?.map(|s| tenant_status(&s)),
                    })
                },
            )
            .optional()
    }

    /// Starts the sign-in family `id` of `user_id` at token `generation`. `remember` is the
    /// sign-in's "keep me signed in", which sets the lifetime of each of its refresh tokens.
    /// Families and refresh tokens whose time is up by `now` (Unix seconds) are forgotten.
    pub fn start_family(
        &self,
        id: &str,
        user_id: UserId,
        generation: u64,
        remember: bool,
        now: u64,
    ) -> Result<(), rusqlite::Error> {
        self.tx.execute("DELETE FROM sign_in_families WHERE kept_until <= ?1", [now])?;
        self.tx.execute("DELETE FROM refresh_tokens WHERE expires_at <= ?1", [now])?;
        self.tx.execute(
            "INSERT INTO sign_in_families (id, user_id, token_generation, remember, kept_until)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, user_id, generation, remember, now],
        )?;
        Ok(())
    }

    /// Keeps a refresh token of `family` (by its hash) until `expires_at` (Unix seconds).
    pub fn add_refresh_token(
        &self,
        hash: &str,
        family: &str,
        user_id: UserId,
        expires_at: u64,
    ) -> Result<(), rusqlite::Error> {
        self.tx.execute(
            "INSERT INTO refresh_tokens (hash, family_id, user_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![hash, family, user_id, expires_at],
        )?;
        Ok(())
    }

    /// Keeps `family` at least until `until` (Unix seconds): when every token handed out in
    /// it so far has expired, and its revocation no longer matters.
    pub fn keep_family_until(&self, family: &str, until: u64) -> Result<(), rusqlite::Error> {
        self.tx.execute(
            "UPDATE sign_in_families SET kept_until = MAX(kept_until, ?2) WHERE id = ?1",
            params![family, until],
        )?;
        Ok(())
    }

    /// The refresh token with this hash, with its family, if the store knows it. Whether it
    /// was spent is [`Tx::spend_refresh_token`]'s answer, not read here, so that the check and
    /// the spend are one statement.
    pub fn refresh_token(&self, hash: &str) -> Result<Option<StoredRefreshToken>, rusqlite::Error> {
        self.tx
            .query_row(
                "SELECT r.family_id, r.user_id, r.expires_at, f.revoked, f.remember, f.token_generation
                 FROM refresh_tokens r JOIN sign_in_families f ON f.id = r.family_id WHERE r.hash = ?1",
                [hash],
                |row| {
                    Ok(StoredRefreshToken {
                        family: row.get(0)?,
                        user_id: row.get(1)?,
                        expires_at: row.get(2)?,
                        family_revoked: row.get(3)?,
                        remember: row.get(4)?,
                        token_generation: row.get(5)?,
                    })
                },
            )
            .optional()
    }

    /// Spends the refresh token with this hash: true when this call spent it, false when it
    /// was spent already (or is unknown). One `UPDATE ... WHERE spent = 0`, so of two
    /// refreshes racing with the same token only one can succeed.
    pub fn spend_refresh_token(&self, hash: &str) -> Result<bool, rusqlite::Error> {
        Ok(self.tx.execute("UPDATE refresh_tokens SET spent = 1 WHERE hash = ?1 AND spent = 0", [hash])? == 1)
    }

    /// Revokes a sign-in family: its refresh tokens refresh nothing and its access tokens
    /// are refused from now on.
    pub fn revoke_family(&self, family: &str) -> Result<(), rusqlite::Error> {
        self.tx.execute("UPDATE sign_in_families SET revoked = 1 WHERE id = ?1", [family])?;
        Ok(())
    }

    pub fn user(&self, id: UserId) -> Result<Option<User>, rusqlite::Error> {
        self.tx.query_row(&format!("{SELECT_USER} FROM users WHERE id = ?1"), [id], user_from_row).optional()
    }

    /// A page of a tenant's members, newest first, each with its key (its id): those with
    /// `status`, and whose name or email contains `search` (in any case), when given.
    pub fn users_page(
        &self,
        tenant_id: TenantId,
        status: Option<UserStatus>,
        search: Option<&str>,
        keyset: Keyset,
    ) -> Result<Vec<(i64, User)>, rusqlite::Error> {
        let mut filter = Filter::default();
        filter.add("tenant_id = ?", [sql_id(tenant_id)]);
        if let Some(status) = status {
            filter.add("status = ?", [sql_text(status.as_str())]);
        }
        filter.search(search);
        self.keyset_rows(&format!("{SELECT_USER}, id FROM users"), "id", filter, keyset, 6, user_from_row)
    }

    /// Rows of `select` (whose column `key_column` is `key`) that pass `filter`, as `keyset`
    /// says, each with its key.
    fn keyset_rows<T>(
        &self,
        select: &str,
        key: &str,
        mut filter: Filter,
        keyset: Keyset,
        key_column: usize,
        read: fn(&Row<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<Vec<(i64, T)>, rusqlite::Error> {
        let (beyond, order) = if keyset.descending { ("<", "DESC") } else { (">", "ASC") };
        if let Some(after) = keyset.after {
            filter.add(&format!("{key} {beyond} ?"), [after.into()]);
        }
        let sql = format!("{select} {} ORDER BY {key} {order} LIMIT ?", filter.where_clause());
        filter.values.push(keyset.limit.into());
        let mut statement = self.tx.prepare_cached(&sql)?;
        statement
            .query_map(rusqlite::params_from_iter(filter.values), |row| {
                Ok((row.get(key_column)?, read(row)?))
            })?
            .collect()
    }

    fn user_and_password_hash_by_email(
        &self,
        email: &str,
    ) -> Result<Option<(User, String)>, rusqlite::Error> {
        self.tx
            .query_row(
                "SELECT id, name, email, role, tenant_id, status, password_hash FROM users WHERE email = ?1",
                [email],
                |row| Ok((user_from_row(row)?, row.get(6)?)),
            )
            .optional()
    }

    /// The user's password hash, to check a current password before changing it.
    pub fn password_hash(&self, id: UserId) -> Result<Option<String>, rusqlite::Error> {
        self.tx.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |row| row.get(0)).optional()
    }

    /// Whether another account than `except` already signs in with `email` (in any case).
    pub fn email_taken(&self, email: &str, except: Option<UserId>) -> Result<bool, rusqlite::Error> {
        self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE email = ?1 AND id IS NOT ?2)",
            params![email, except],
            |row| row.get(0),
        )
    }

    pub fn insert_user(&self, new: &NewUser) -> Result<User, rusqlite::Error> {
        self.tx.execute(
            "INSERT INTO users (name, email, password_hash, role, tenant_id, status)
             VALUES (?1, ?2, ?3, ?4, ?5, 'active')",
            params![new.name, new.email, new.password_hash, new.role.as_str(), new.tenant_id],
        )?;
        let id = self.last_id();
        Ok(self.user(id)?.expect("the row just inserted"))
    }

    /// Changes a user's name, email and role; `None` keeps the current value.
    pub fn update_user(
        &self,
        id: UserId,
        name: Option<&str>,
        email: Option<&str>,
        role: Option<Role>,
    ) -> Result<Option<User>, rusqlite::Error> {
        self.tx.execute(
            "UPDATE users SET name = COALESCE(?2, name), email = COALESCE(?3, email),
             role = COALESCE(?4, role) WHERE id = ?1",
            params![id, name, email, role.map(Role::as_str)],
        )?;
        self.user(id)
    }

    /// Sets a user's status. Suspending also moves the user to a new token generation, so
    /// every token issued before is refused: suspension signs the person out everywhere.
    pub fn set_user_status(&self, id: UserId, status: UserStatus) -> Result<Option<User>, rusqlite::Error> {
        let revoke = status == UserStatus::Suspended;
        self.tx.execute(
            "UPDATE users SET status = ?2, token_generation = token_generation + ?3 WHERE id = ?1",
            params![id, status.as_str(), u64::from(revoke)],
        )?;
        self.user(id)
    }

    pub fn set_password_hash(&self, id: UserId, hash: &str) -> Result<(), rusqlite::Error> {
        self.tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![id, hash])?;
        Ok(())
    }

    pub fn delete_user(&self, id: UserId) -> Result<bool, rusqlite::Error> {
        Ok(self.tx.execute("DELETE FROM users WHERE id = ?1", [id])? == 1)
    }

    pub fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, rusqlite::Error> {
        self.tx
            .query_row(&format!("{SELECT_TENANT} FROM tenants WHERE id = ?1"), [id], tenant_from_row)
            .optional()
    }

    /// A page of tenants, newest first, each with its key (its id): those with `status`, and
    /// whose name or email contains `search` (in any case), when given.
    pub fn tenants_page(
        &self,
        status: Option<TenantStatus>,
        search: Option<&str>,
        keyset: Keyset,
    ) -> Result<Vec<(i64, Tenant)>, rusqlite::Error> {
        let mut filter = Filter::default();
        if let Some(status) = status {
            filter.add("status = ?", [sql_text(status.as_str())]);
        }
        filter.search(search);
        self.keyset_rows(
            &format!("{SELECT_TENANT}, id FROM tenants"),
            "id",
            filter,
            keyset,
            4,
            tenant_from_row,
        )
    }

    pub fn insert_tenant(
        &self,
        name: &str,
        email: &str,
        status: TenantStatus,
    ) -> Result<Tenant, rusqlite::Error> {
        self.tx.execute(
            "INSERT INTO tenants (name, email, status) VALUES (?1, ?2, ?3)",
            params![name, email, status.as_str()],
        )?;
        Ok(self.tenant(self.last_id())?.expect("the row just inserted"))
    }

    /// Changes a tenant's name and email; `None` keeps the current value.
    pub fn update_tenant(
        &self,
        id: TenantId,
        name: Option<&str>,
        email: Option<&str>,
    ) -> Result<Option<Tenant>, rusqlite::Error> {
        self.tx.execute(
            "UPDATE tenants SET name = COALESCE(?2, name), email = COALESCE(?3, email) WHERE id = ?1",
            params![id, name, email],
        )?;
        self.tenant(id)
    }

    pub fn set_tenant_status(
        &self,
        id: TenantId,
        status: TenantStatus,
    ) -> Result<Option<Tenant>, rusqlite::Error> {
        self.tx.execute("UPDATE tenants SET status = ?2 WHERE id = ?1", params![id, status.as_str()])?;
        self.tenant(id)
    }

    pub fn insert_payment(
        &self,
        tenant_id: TenantId,
        payment: &NewPayment,
        failure: Option<&str>,
    ) -> Result<Payment, rusqlite::Error> {
        self.tx.execute(
            "INSERT INTO payments (tenant_id, amount, currency, payer, reference, failure)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![tenant_id, payment.amount, payment.currency, payment.payer, payment.reference, failure],
        )?;
        Ok(Payment {
            id: self.last_id(),
            amount: payment.amount.clone(),
            currency: payment.currency.clone(),
            payer: payment.payer.clone(),
            reference: payment.reference.clone(),
        })
    }

    /// Whether the tenant already has a hotspot user called `username`.
    pub fn hotspot_username_taken(
        &self,
        tenant_id: TenantId,
        username: &str,
    ) -> Result<bool, rusqlite::Error> {
        self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM hotspot_users WHERE tenant_id = ?1 AND username = ?2)",
            params![tenant_id, username],
            |row| row.get(0),
        )
    }

    /// Adds a hotspot user whose session ends at `expires_at` (Unix seconds).
    pub fn insert_hotspot_user(
        &self,
        tenant_id: TenantId,
        username: &str,
        package: &str,
        expires_at: u64,
    ) -> Result<HotspotUser, rusqlite::Error> {
        self.tx.execute(
            "INSERT INTO hotspot_users (tenant_id, username, package, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![tenant_id, username, package, expires_at],
        )?;
        Ok(HotspotUser {
            id: self.last_id(),
            username: username.to_owned(),
            package: package.to_owned(),
            expires_at: crate::clock::rfc3339_seconds(crate::clock::from_unix_seconds(expires_at)),
        })
    }

    /// Marks every hotspot user whose time is up by `now` (Unix seconds) as expired, and
    /// returns them with their tenants, oldest expiry first.
    pub fn expire_hotspot_users(&self, now: u64) -> Result<Vec<(TenantId, HotspotUser)>, rusqlite::Error> {
        let mut statement = self.tx.prepare(
            "UPDATE hotspot_users SET expired = 1 WHERE expired = 0 AND expires_at <= ?1
             RETURNING tenant_id, id, username, package, expires_at",
        )?;
        let mut expired: Vec<(TenantId, HotspotUser)> = statement
            .query_map([now], |row| {
                let expires_at: u64 = row.get(4)?;
                Ok((
                    row.get(0)?,
                    HotspotUser {
                        id: row.get(1)?,
                        username: row.get(2)?,
                        package: row.get(3)?,
                        expires_at: crate::clock::rfc3339_seconds(crate::clock::from_unix_seconds(
                            expires_at,
                        )),
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        expired.sort_by(|a, b| (&a.1.expires_at, a.1.id).cmp(&(&b.1.expires_at, b.1.id)));
        Ok(expired)
    }

    /// Keeps `event` for catch-up and the feed, on each of its channels, with the severity the
    /// app's catalogue gives it (for the feed's `severity` filter).
    pub fn record(&self, event: &Event) -> Result<(), rusqlite::Error> {
        let occurred_at = event.payload.get("occurred_at").and_then(Value::as_str).unwrap_or_default();
        let payload = Value::Object(event.payload.clone());
        let severity = severity_of(event.kind.name(), &payload);
        self.tx
            .prepare_cached("INSERT INTO events (id, name, payload, occurred_at) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![event.id, event.kind.broadcast_name(), payload.to_string(), occurred_at])?;
        let seq = self.tx.last_insert_rowid();
        let mut add_channel = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO event_channels (event_seq, channel, severity) VALUES (?1, ?2, ?3)",
        )?;
        for channel in &event.channels {
            add_channel.execute(params![seq, channel.name(), severity.as_str()])?;
        }
        Ok(())
    }

    /// A page of a person's feed ([`FeedQuery`]), newest first, each entry with its key: the
    /// events `feed_candidates` finds, which have passed every filter, read with their marks.
    pub fn feed_page(
        &self,
        query: &FeedQuery,
        keyset: Keyset,
    ) -> Result<Vec<(i64, FeedEntry)>, rusqlite::Error> {
        if query.channels.is_empty() {
            return Ok(Vec::new());
        }
        let (select, mut filter) = feed_select(query.user_id, &query.channels);
        let mut candidate_values = Vec::new();
        let candidates = feed_candidates(query, keyset, &mut candidate_values);
        filter.conditions.push(format!("e.seq IN ({candidates})"));
        filter.values.extend(candidate_values);
        self.keyset_rows(&select, "e.seq", filter, keyset, 7, feed_entry_from_row)
    }

    /// The entry of the event `id` in the feed of `user_id`, whose channels are `channels`,
    /// with its key; `None` when the person could not have received it.
    pub fn feed_entry(
        &self,
        user_id: UserId,
        channels: &[Channel],
        id: &str,
    ) -> Result<Option<(i64, FeedEntry)>, rusqlite::Error> {
        let (select, mut filter) = feed_select(user_id, channels);
        filter.add("e.id = ?", [sql_text(id)]);
        let sql = format!("{select} {}", filter.where_clause());
        self.tx
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(filter.values), |row| {
                Ok((row.get(7)?, feed_entry_from_row(row)?))
            })
            .optional()
    }

    /// Marks the event `seq` read by `user_id` at `read_at`, or unread (`None`). Whether that
    /// changed anything: reading what was read keeps the first `read_at`, as Laravel's
    /// `markAsRead` does.
    pub fn set_read(
        &self,
        user_id: UserId,
        seq: i64,
        read_at: Option<&str>,
    ) -> Result<bool, rusqlite::Error> {
        self.set_mark(user_id, seq, "read_at", read_at)
    }

    /// Archives the event `seq` for `user_id` at `archived_at`, or takes it out of the archive
    /// (`None`). Whether that changed anything.
    pub fn set_archived(
        &self,
        user_id: UserId,
        seq: i64,
        archived_at: Option<&str>,
    ) -> Result<bool, rusqlite::Error> {
        self.set_mark(user_id, seq, "archived_at", archived_at)
    }

    fn set_mark(
        &self,
        user_id: UserId,
        seq: i64,
        column: &str,
        at: Option<&str>,
    ) -> Result<bool, rusqlite::Error> {
        let changed = match at {
            Some(at) => self.tx.prepare_cached(&format!(
                "INSERT INTO notification_states (user_id, event_seq, {column}) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id, event_seq) DO UPDATE SET {column} = excluded.{column} WHERE {column} IS NULL"
            ))?
            .execute(params![user_id, seq, at])?,
            None => self.tx.prepare_cached(&format!(
                "UPDATE notification_states SET {column} = NULL
                 WHERE user_id = ?1 AND event_seq = ?2 AND {column} IS NOT NULL"
            ))?
            .execute(params![user_id, seq])?,
        };
        Ok(changed > 0)
    }

    /// Marks every event on `channels` that `user_id` has not read as read at `read_at`
    /// (archived ones too); how many that was.
    pub fn read_all(
        &self,
        user_id: UserId,
        channels: &[Channel],
        read_at: &str,
    ) -> Result<usize, rusqlite::Error> {
        let mut filter = Filter { values: vec![sql_id(user_id), sql_text(read_at)], ..Filter::default() };
        let channels = filter.channel_list(channels);
        let sql = format!(
            "INSERT INTO notification_states (user_id, event_seq, read_at)
             SELECT ?, c.event_seq, ? FROM event_channels c WHERE c.channel IN ({channels}) GROUP BY c.event_seq
             ON CONFLICT (user_id, event_seq) DO UPDATE SET read_at = excluded.read_at WHERE read_at IS NULL"
        );
        self.tx.execute(&sql, rusqlite::params_from_iter(filter.values))
    }

    /// How many events on `channels` `user_id` has neither read nor archived: the size of the
    /// feed's Unread tab, and the bell's count.
    pub fn unread_count(&self, user_id: UserId, channels: &[Channel]) -> Result<u64, rusqlite::Error> {
        let mut filter = Filter::default();
        let channels = filter.channel_list(channels);
        filter.values.push(sql_id(user_id));
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT DISTINCT c.event_seq AS seq FROM event_channels c
                                   WHERE c.channel IN ({channels})) feed
             WHERE NOT EXISTS (SELECT 1 FROM notification_states s WHERE s.user_id = ? AND s.event_seq = feed.seq
                               AND (s.read_at IS NOT NULL OR s.archived_at IS NOT NULL))"
        );
        self.tx.prepare_cached(&sql)?.query_row(rusqlite::params_from_iter(filter.values), |row| row.get(0))
    }

    /// Whether an event with this id was recorded.
    pub fn event_exists(&self, id: &str) -> Result<bool, rusqlite::Error> {
        self.tx.query_row("SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1)", [id], |row| row.get(0))
    }

    /// Up to `limit` events on any of `channels` recorded after the event `after` (from the
    /// first when `None`), oldest first. An event on several of the channels comes once, with
    /// the first of them by name.
    pub fn events_after(
        &self,
        channels: &[Channel],
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<EventRecord>, rusqlite::Error> {
        let after_seq: i64 = match after {
            Some(id) => self
                .tx
                .query_row("SELECT seq FROM events WHERE id = ?1", [id], |row| row.get(0))
                .optional()?
                .unwrap_or(i64::MAX),
            None => 0,
        };
        let names: Vec<String> = channels.iter().map(Channel::name).collect();
        let placeholders = vec!["?"; names.len().max(1)].join(", ");
        let sql = format!(
            "SELECT e.id, MIN(c.channel), e.name, e.payload, e.occurred_at
             FROM events e JOIN event_channels c ON c.event_seq = e.seq
             WHERE e.seq > ? AND c.channel IN ({placeholders})
             GROUP BY e.seq ORDER BY e.seq LIMIT ?"
        );
        let mut values: Vec<rusqlite::types::Value> = vec![after_seq.into()];
        values.extend(names.into_iter().map(rusqlite::types::Value::from));
        if channels.is_empty() {
            values.push(rusqlite::types::Value::Null);
        }
        values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
        let mut statement = self.tx.prepare(&sql)?;
        statement.query_map(rusqlite::params_from_iter(values), event_record_from_row)?.collect()
    }

    /// Up to `limit` events on `channel` whose names are among `names`, newest first.
    pub fn latest_events(
        &self,
        channel: Channel,
        names: &[String],
        limit: u64,
    ) -> Result<Vec<EventRecord>, rusqlite::Error> {
        let placeholders = vec!["?"; names.len().max(1)].join(", ");
        let sql = format!(
            "SELECT e.id, c.channel, e.name, e.payload, e.occurred_at
             FROM events e JOIN event_channels c ON c.event_seq = e.seq
             WHERE c.channel = ? AND e.name IN ({placeholders})
             ORDER BY e.seq DESC LIMIT ?"
        );
        let mut values: Vec<rusqlite::types::Value> = vec![channel.name().into()];
        values.extend(names.iter().cloned().map(rusqlite::types::Value::from));
        if names.is_empty() {
            values.push(rusqlite::types::Value::Null);
        }
        values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
        let mut statement = self.tx.prepare(&sql)?;
        statement.query_map(rusqlite::params_from_iter(values), event_record_from_row)?.collect()
    }

    fn last_id(&self) -> u64 {
        u64::try_from(self.tx.last_insert_rowid()).unwrap_or(0)
    }
}

/// The schema, one migration per entry; a database at version N has had the first N.
/// Ids are `AUTOINCREMENT`, never reused: a new user must not inherit a deleted one's
/// channel, and with it the deleted user's history.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE tenants (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        email TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'suspended'))
    );
    CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('system_admin', 'tenant_admin', 'user')),
        tenant_id INTEGER REFERENCES tenants (id),
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
        token_generation INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX users_by_tenant ON users (tenant_id);
    CREATE TABLE revoked_tokens (
        jti TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE payments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id INTEGER NOT NULL REFERENCES tenants (id),
        amount TEXT NOT NULL,
        currency TEXT NOT NULL,
        payer TEXT NOT NULL,
        reference TEXT NOT NULL,
        failure TEXT
    );
    CREATE TABLE hotspot_users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id INTEGER NOT NULL REFERENCES tenants (id),
        username TEXT NOT NULL,
        package TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        expired INTEGER NOT NULL DEFAULT 0,
        UNIQUE (tenant_id, username)
    );
    CREATE INDEX hotspot_users_by_expiry ON hotspot_users (expired, expires_at);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        payload TEXT NOT NULL,
        occurred_at TEXT NOT NULL
    );
    CREATE TABLE event_channels (
        channel TEXT NOT NULL,
        event_seq INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
        PRIMARY KEY (channel, event_seq)
    ) WITHOUT ROWID;
",
    "
    -- One row per sign-in; every token handed out since shares its id (the access tokens'
    -- `fam` claim). Kept until the last of those tokens has expired, revoked or not.
    CREATE TABLE sign_in_families (
        id TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_generation INTEGER NOT NULL,
        remember INTEGER NOT NULL CHECK (remember IN (0, 1)),
        kept_until INTEGER NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
    );
    CREATE INDEX sign_in_families_by_expiry ON sign_in_families (kept_until);
    -- Refresh tokens by their SHA-256 (hex); the tokens themselves are never stored.
    CREATE TABLE refresh_tokens (
        hash TEXT PRIMARY KEY,
        family_id TEXT NOT NULL REFERENCES sign_in_families (id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL,
        spent INTEGER NOT NULL DEFAULT 0 CHECK (spent IN (0, 1))
    );
    CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
    CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);
",
    "
    -- The severity the app's catalogue gives each event, beside each of its channels: the
    -- feed's severity filter reads a channel's events of one severity in order.
    ALTER TABLE event_channels ADD COLUMN severity TEXT;
    CREATE INDEX event_channels_by_severity ON event_channels (channel, severity, event_seq);
    -- A person's marks on the entries of their feed (the events of their channels); no row
    -- is unread and not archived.
    CREATE TABLE notification_states (
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        event_seq INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
        read_at TEXT,
        archived_at TEXT,
        PRIMARY KEY (user_id, event_seq)
    ) WITHOUT ROWID;
    -- The lists, newest first: a tenant's users by status, tenants by status (an index on a
    -- column keeps rows in rowid order within each value, so these also give the order).
    CREATE INDEX users_by_tenant_and_status ON users (tenant_id, status);
    -- The feed's Archived tab, newest first.
    CREATE INDEX archived_entries ON notification_states (user_id, event_seq) WHERE archived_at IS NOT NULL;
    CREATE INDEX tenants_by_status ON tenants (status);
",
];

/// The migration that gave events their severity (beside each of their channels); a database
/// from before it has its events' severities filled in once.
const SEVERITY_MIGRATION: usize = 3;

const SELECT_USER: &str = "SELECT id, name, email, role, tenant_id, status";
const SELECT_TENANT: &str = "SELECT id, name, email, status";

fn user_from_row(row: &Row<'_>) -> Result<User, rusqlite::Error> {
    Ok(User {
        id: row.get(0)?,
        name: row.get(1)?,
        email: row.get(2)?,
        role: Role::parse(&row.get::<_, String>(3)?).unwrap_or_default(),
        tenant_id: row.get(4)?,
        status: UserStatus::parse(&row.get::<_, String>(5)?).unwrap_or_default(),
    })
}

fn tenant_from_row(row: &Row<'_>) -> Result<Tenant, rusqlite::Error> {
    Ok(Tenant {
        id: row.get(0)?,
        name: row.get(1)?,
        email: row.get(2)?,
        status: tenant_status(&row.get::<_, String>(3)?),
    })
}

/// The WHERE conditions of a query and the values of its placeholders, in order.
#[derive(Default)]
struct Filter {
    conditions: Vec<String>,
    values: Vec<SqlValue>,
}

impl Filter {
    fn add<const N: usize>(&mut self, condition: &str, values: [SqlValue; N]) {
        self.conditions.push(condition.to_owned());
        self.values.extend(values);
    }

    /// Name or email containing `search`, in any (ASCII) case, as SQLite's `LIKE` compares;
    /// `%`, `_` and `\` in it are matched as themselves.
    fn search(&mut self, search: Option<&str>) {
        if let Some(search) = search {
            let escaped: String = search
                .chars()
                .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
                .collect();
            let pattern = format!("%{escaped}%");
            self.add(
                "(name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')",
                [SqlValue::Text(pattern.clone()), SqlValue::Text(pattern)],
            );
        }
    }

    /// Placeholders for `channels`' names, their values added; `NULL`, which matches nothing,
    /// for none.
    fn channel_list(&mut self, channels: &[Channel]) -> String {
        if channels.is_empty() {
            return "NULL".to_owned();
        }
        self.values.extend(channels.iter().map(|channel| SqlValue::Text(channel.name())));
        vec!["?"; channels.len()].join(", ")
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }
}

fn sql_text(text: &str) -> SqlValue {
    SqlValue::Text(text.to_owned())
}

fn sql_id(id: u64) -> SqlValue {
    SqlValue::Integer(i64::try_from(id).unwrap_or(i64::MAX))
}

/// The feed's SELECT for `user_id` on `channels` (its columns: id, channel, event, data,
/// occurred_at, read_at, archived_at, seq) and the filter that keeps it to those channels.
/// Each event comes once, with the first of the channels by name it was broadcast on, as
/// catch-up gives it.
fn feed_select(user_id: UserId, channels: &[Channel]) -> (String, Filter) {
    let mut filter = Filter::default();
    let first_channel = filter.channel_list(channels);
    filter.values.push(sql_id(user_id));
    let select = format!(
        "SELECT e.id,
                (SELECT MIN(c.channel) FROM event_channels c
                 WHERE c.event_seq = e.seq AND c.channel IN ({first_channel})),
                e.name, e.payload, e.occurred_at, s.read_at, s.archived_at, e.seq
         FROM events e LEFT JOIN notification_states s ON s.user_id = ? AND s.event_seq = e.seq"
    );
    let on_channels = filter.channel_list(channels);
    filter.conditions.push(format!(
        "EXISTS (SELECT 1 FROM event_channels c WHERE c.event_seq = e.seq AND c.channel IN ({on_channels}))"
    ));
    (select, filter)
}

/// The keys of the events that can be on the page `keyset` asks for of the feed `query`
/// describes, each of its values pushed onto `values` in order: at most one page from each
/// source, read on an index in key order, so a page costs the same whether the person's events
/// are dense or sparse among everyone's (a tenant admin of a quiet tenant, the archive).
/// Outside the archive the sources are the person's channels (`event_channels` by channel and
/// key), whose pages merged hold the feed's page; the archive is the person's archived marks
/// (the partial index `archived_entries`). Each source applies every filter before its limit,
/// so nothing that belongs on the page is cut.
fn feed_candidates(query: &FeedQuery, keyset: Keyset, values: &mut Vec<SqlValue>) -> String {
    let (beyond, order) = if keyset.descending { ("<", "DESC") } else { (">", "ASC") };
    let severity = |values: &mut Vec<SqlValue>| match query.severity {
        Some(severity) => {
            values.push(sql_text(severity.as_str()));
            " AND c.severity = ?"
        }
        None => "",
    };
    let rest = |seq: &str, values: &mut Vec<SqlValue>| {
        let mut conditions = String::new();
        if query.unread_only {
            conditions.push_str(" AND a.read_at IS NULL");
        }
        if let Some(after) = keyset.after {
            conditions.push_str(&format!(" AND {seq} {beyond} ?"));
            values.push(after.into());
        }
        values.push(keyset.limit.into());
        format!("{conditions} ORDER BY {seq} {order} LIMIT ?")
    };
    if query.archived {
        values.push(sql_id(query.user_id));
        let mut on_channels = Filter::default();
        let channels = on_channels.channel_list(&query.channels);
        values.extend(on_channels.values);
        let severity = severity(values);
        let rest = rest("a.event_seq", values);
        return format!(
            "SELECT a.event_seq FROM notification_states a
             WHERE a.user_id = ? AND a.archived_at IS NOT NULL
               AND EXISTS (SELECT 1 FROM event_channels c
                           WHERE c.event_seq = a.event_seq AND c.channel IN ({channels}){severity}){rest}"
        );
    }
    let arms: Vec<String> = query
        .channels
        .iter()
        .map(|channel| {
            values.push(sql_id(query.user_id));
            values.push(SqlValue::Text(channel.name()));
            let severity = severity(values);
            let rest = rest("c.event_seq", values);
            format!(
                "SELECT seq FROM (SELECT c.event_seq AS seq FROM event_channels c
                     LEFT JOIN notification_states a ON a.user_id = ? AND a.event_seq = c.event_seq
                     WHERE c.channel = ?{severity} AND a.archived_at IS NULL{rest})"
            )
        })
        .collect();
    arms.join(" UNION ")
}

fn feed_entry_from_row(row: &Row<'_>) -> Result<FeedEntry, rusqlite::Error> {
    Ok(FeedEntry { event: event_record_from_row(row)?, read_at: row.get(5)?, archived_at: row.get(6)? })
}

/// Gives every event recorded before events had a severity the one the catalogue gives it.
fn fill_in_severities(tx: &rusqlite::Transaction<'_>) -> Result<(), rusqlite::Error> {
    let mut missing = tx.prepare(
        "SELECT e.seq, e.name, e.payload FROM events e
         WHERE EXISTS (SELECT 1 FROM event_channels c WHERE c.event_seq = e.seq AND c.severity IS NULL)",
    )?;
    let rows: Vec<(i64, String, String)> = missing
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE event_channels SET severity = ?2 WHERE event_seq = ?1")?;
    for (seq, name, payload) in rows {
        let short: &str = match EventKind::from_name(&name) {
            Some(kind) => kind.name(),
            None => &name,
        };
        let payload: Value = serde_json::from_str(&payload).unwrap_or_default();
        update.execute(params![seq, severity_of(short, &payload).as_str()])?;
    }
    Ok(())
}

fn event_record_from_row(row: &Row<'_>) -> Result<EventRecord, rusqlite::Error> {
    let payload: String = row.get(3)?;
    Ok(EventRecord {
        id: row.get(0)?,
        channel: row.get(1)?,
        event: row.get(2)?,
        data: serde_json::from_str(&payload).unwrap_or_default(),
        occurred_at: row.get(4)?,
    })
}

/// A status as the database keeps it; the schema's CHECK allows only these words.
fn tenant_status(name: &str) -> TenantStatus {
    TenantStatus::parse(name).unwrap_or_default()
}

fn io_error(path: &Path, error: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::InvalidPath(PathBuf::from(format!("{}: {error}", path.display())))
}

#[cfg(test)]
mod tests {
    use herald_contract::{Role, TenantStatus, UserStatus};

    use crate::seed::SEEDED_PASSWORD;
    use crate::store::{Location, Store};

    #[test]
    fn seeded_accounts_log_in_with_the_dev_password_only() {
        let store = Store::in_memory();
        let ada = store.user_with_credentials("ADMIN@herald.test", SEEDED_PASSWORD).unwrap().unwrap();
        assert_eq!((ada.id, ada.role, ada.tenant_id), (1, Role::SystemAdmin, None));
        assert_eq!(store.user_with_credentials("admin@herald.test", "Password").unwrap(), None);
        assert_eq!(store.user_with_credentials("nobody@herald.test", SEEDED_PASSWORD).unwrap(), None);
    }

    #[test]
    fn revocations_are_forgotten_once_the_token_has_expired_anyway() {
        let store = Store::in_memory();
        store.revoke_token("old", None, 100, 50).unwrap();
        store.revoke_token("new", None, 300, 200).unwrap();
        assert!(store.is_token_revoked("new", None).unwrap());
        assert!(!store.is_token_revoked("old", None).unwrap(), "pruned: it expired at 100, before 200");
    }

    #[test]
    fn a_failed_change_leaves_nothing_written() {
        let store = Store::in_memory();
        let result: Result<(), rusqlite::Error> = store.write(|tx| {
            tx.set_tenant_status(1, TenantStatus::Suspended)?;
            Err(rusqlite::Error::QueryReturnedNoRows)
        });
        assert!(result.is_err());
        assert_eq!(store.tenant(1).unwrap().unwrap().status, TenantStatus::Active);
    }

    #[test]
    fn suspension_moves_the_user_to_a_new_token_generation() {
        let store = Store::in_memory();
        let before = store.account(4).unwrap().unwrap().token_generation;
        store.write(|tx| tx.set_user_status(4, UserStatus::Suspended)).unwrap();
        let after = store.account(4).unwrap().unwrap();
        assert_eq!((after.user.status, after.token_generation), (UserStatus::Suspended, before + 1));
        store.write(|tx| tx.set_user_status(4, UserStatus::Active)).unwrap();
        assert_eq!(store.account(4).unwrap().unwrap().token_generation, before + 1, "activation keeps it");
    }

    /// A database from before migration 3 had events without a severity; the feed's filter
    /// needs one for every event, so opening it gives them theirs, as the catalogue says.
    #[test]
    fn events_recorded_before_severities_get_theirs_when_the_database_is_migrated() {
        let dir = std::env::temp_dir().join(format!("herald-store-severity-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        {
            let mut connection = rusqlite::Connection::open(dir.join(super::DATABASE_FILE)).unwrap();
            let tx = connection.transaction().unwrap();
            for migration in &super::MIGRATIONS[..2] {
                tx.execute_batch(migration).unwrap();
            }
            crate::seed::seed(&tx).unwrap();
            for (id, name, payload) in [
                (
                    "evt_alert",
                    "App\\Events\\SystemAlert",
                    r#"{"title":"Disk","message":"Full","level":"critical"}"#,
                ),
                ("evt_paid", "App\\Events\\PaymentCompleted", r#"{"payment":{"amount":"1.00"}}"#),
                ("evt_odd", "Other\\Thing", "{}"),
            ] {
                tx.execute(
                    "INSERT INTO events (id, name, payload, occurred_at) VALUES (?1, ?2, ?3, '')",
                    [id, name, payload],
                )
                .unwrap();
                tx.execute(
                    "INSERT INTO event_channels (event_seq, channel)
                     VALUES (last_insert_rowid(), 'private-system.admin')",
                    [],
                )
                .unwrap();
            }
            tx.pragma_update(None, "user_version", 2).unwrap();
            tx.commit().unwrap();
        }
        let store = Store::open(&Location::Folder(dir.clone()), false).unwrap();
        let severities: Vec<(String, String)> = store
            .read(|tx| {
                let mut statement = tx.tx.prepare(
                    "SELECT e.id, c.severity FROM events e JOIN event_channels c ON c.event_seq = e.seq
                     ORDER BY e.seq",
                )?;
                statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect()
            })
            .unwrap();
        let expected = [("evt_alert", "critical"), ("evt_paid", "success"), ("evt_odd", "info")]
            .map(|(id, severity)| (id.to_owned(), severity.to_owned()));
        assert_eq!(severities, expected);
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn data_survives_reopening_and_reset_reseeds() {
        let dir = std::env::temp_dir().join(format!("herald-store-test-{}", std::process::id()));
        let location = Location::Folder(dir.clone());
        let store = Store::open(&location, true).unwrap();
        store.write(|tx| tx.set_tenant_status(3, TenantStatus::Active)).unwrap();
        drop(store);
        let reopened = Store::open(&location, false).unwrap();
        assert_eq!(reopened.tenant(3).unwrap().unwrap().status, TenantStatus::Active);
        drop(reopened);
        let reset = Store::open(&location, true).unwrap();
        assert_eq!(reset.tenant(3).unwrap().unwrap().status, TenantStatus::Pending);
        drop(reset);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
