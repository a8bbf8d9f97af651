//! The records a live page shows — tenants waiting for approval, a tenant's users — kept in
//! step with events and with the person's own actions.
//!
//! A page loads its records once, then every event that concerns them becomes a [`Change`]
//! ([`tenant_change`], [`member_change`]) applied to its [`Roster`]. The person's own action
//! shows at once ([`Roster::optimistic`]) and is undone if the server refuses it
//! ([`Roster::undo`]) — unless an event changed the record meanwhile, because then the event
//! is the truth and the undo would bring back something stale.

use herald_contract::{Tenant, TenantId, User};

use crate::catalogue::AppEvent;

/// A record with a stable key: its id.
pub trait Keyed {
    fn key(&self) -> u64;
}

impl Keyed for Tenant {
    fn key(&self) -> u64 {
        self.id
    }
}

impl Keyed for User {
    fn key(&self) -> u64 {
        self.id
    }
}

/// What an event does to a roster.
/// Where a record new to the roster goes: a load keeps its own order; one that arrives live
/// goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    First,
    Last,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<T> {
    /// Add the record, or replace the one with its key.
    Upsert(T),
    /// Take away the record with this key.
    Remove(u64),
}

/// A page's records in display order (oldest first unless the page sorts them), each with
/// its revision.
///
/// A revision is a number, unique in the roster, that a record gets when it is added and again
/// whenever it changes; an upsert of an equal record changes nothing. A list keyed by
/// revisions therefore rebuilds exactly the rows whose record changed, and finds them by
/// comparing numbers: an event costs no copy of the other records, however many there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster<T> {
    rows: Vec<Row<T>>,
    /// The revision the next added or changed record gets.
    next_revision: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Row<T> {
    record: T,
    revision: u64,
}

/// How to take back an optimistic change: the record before it, and the one it put there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo<T> {
    before: Option<T>,
    after: T,
}

impl<T> Default for Roster<T> {
    fn default() -> Self {
        Roster { rows: Vec::new(), next_revision: 0 }
    }
}

impl<T: Keyed + Clone + PartialEq> Roster<T> {
    /// The loaded records; a repeated key keeps its last record.
    pub fn new(items: impl IntoIterator<Item = T>) -> Roster<T> {
        let mut roster = Roster::default();
        for item in items {
            roster.put(item, Place::Last);
        }
        roster
    }

    /// Replaces the records with a fresh load of them, in its order; as in [`Roster::new`], a
    /// repeated key keeps its last record. A record equal to one shown keeps that one's
    /// revision, so its row stays as it is; the others get new revisions.
    pub fn replace(&mut self, items: impl IntoIterator<Item = T>) {
        let mut before = std::mem::take(&mut self.rows);
        for item in items {
            let same =
                before.iter().position(|row| row.record == item).map(|index| before.swap_remove(index));
            match same {
                Some(row) if self.get(item.key()).is_none() => self.rows.push(row),
                _ => self.put(item, Place::Last),
            }
        }
    }

    pub fn items(&self) -> impl Iterator<Item = &T> {
        self.rows.iter().map(|row| &row.record)
    }

    /// Each record with its revision, in display order.
    pub fn rows(&self) -> impl Iterator<Item = (u64, &T)> {
        self.rows.iter().map(|row| (row.revision, &row.record))
    }

    /// The record whose current revision is `revision`: `None` once it has changed or gone.
    pub fn at_revision(&self, revision: u64) -> Option<&T> {
        self.rows.iter().find(|row| row.revision == revision).map(|row| &row.record)
    }

    pub fn get(&self, key: u64) -> Option<&T> {
        self.items().find(|item| item.key() == key)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Replaces the record with `item`'s key where it stands, or adds it first: the lists are
    /// newest first, as the backend answers them (CONTRACT.md, "Paging"), so a record that
    /// arrives live is the newest.
    pub fn upsert(&mut self, item: T) {
        self.put(item, Place::First);
    }

    fn put(&mut self, item: T, new_at: Place) {
        let revision = self.next_revision;
        match self.rows.iter_mut().find(|row| row.record.key() == item.key()) {
            Some(row) if row.record == item => return,
            Some(row) => *row = Row { record: item, revision },
            None if new_at == Place::First => self.rows.insert(0, Row { record: item, revision }),
            None => self.rows.push(Row { record: item, revision }),
        }
        self.next_revision += 1;
    }

    pub fn remove(&mut self, key: u64) -> Option<T> {
        let index = self.rows.iter().position(|row| row.record.key() == key)?;
        Some(self.rows.remove(index).record)
    }

    pub fn apply(&mut self, change: Change<T>) {
        match change {
            Change::Upsert(item) => self.upsert(item),
            Change::Remove(key) => {
                self.remove(key);
            }
        }
    }

    /// Shows `item` now, before the server has answered; keep the [`Undo`] for a refusal.
    pub fn optimistic(&mut self, item: T) -> Undo<T> {
        let before = self.get(item.key()).cloned();
        self.upsert(item.clone());
        Undo { before, after: item }
    }

    /// Takes an optimistic change back, unless the record has changed since (an event
    /// arrived with newer truth). Returns whether it was taken back.
    pub fn undo(&mut self, undo: Undo<T>) -> bool {
        if self.get(undo.after.key()) != Some(&undo.after) {
            return false;
        }
        match undo.before {
            Some(before) => self.upsert(before),
            None => {
                self.remove(undo.after.key());
            }
        }
        true
    }
}

/// What a tenant event does to the list of tenants a system admin sees.
pub fn tenant_change(event: &AppEvent) -> Option<Change<Tenant>> {
    match event {
        AppEvent::TenantRegistered { tenant }
        | AppEvent::TenantApproved { tenant }
        | AppEvent::TenantCreated { tenant }
        | AppEvent::TenantUpdated { tenant }
        | AppEvent::TenantSuspended { tenant, .. }
            if tenant.id != 0 =>
        {
            Some(Change::Upsert(tenant.clone()))
        }
        _ => None,
    }
}

/// What a user event does to the members of tenant `tenant_id`: users of other tenants
/// (which the channel should never carry) change nothing.
pub fn member_change(event: &AppEvent, tenant_id: TenantId) -> Option<Change<User>> {
    let ours = |user: &User| user.id != 0 && user.tenant_id == Some(tenant_id);
    match event {
        AppEvent::UserCreated { user }
        | AppEvent::UserUpdated { user }
        | AppEvent::ProfileUpdated { user }
            if ours(user) =>
        {
            Some(Change::Upsert(user.clone()))
        }
        AppEvent::UserDeleted { user } if ours(user) => Some(Change::Remove(user.id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use herald_contract::{Tenant, TenantStatus, User};
    use serde_json::json;

    use crate::catalogue::AppEvent;
    use crate::roster::{Change, Roster, member_change, tenant_change};

    fn tenant(id: u64, status: &str) -> Tenant {
        let status = TenantStatus::parse(status).unwrap();
        Tenant { id, name: format!("Tenant {id}"), email: String::new(), status }
    }

    fn user(id: u64, tenant_id: u64, name: &str) -> User {
        User { id, name: name.into(), tenant_id: Some(tenant_id), ..User::default() }
    }

    #[test]
    fn events_add_replace_and_remove_records() {
        // Newest first, as the backend lists them.
        let mut roster = Roster::new([user(4, 1, "Uma"), user(2, 1, "Olive")]);
        let created =
            AppEvent::decode("UserCreated", &json!({"user": {"id": 7, "name": "Nia", "tenant_id": 1}}));
        roster.apply(member_change(&created, 1).unwrap());
        let renamed =
            AppEvent::decode("UserUpdated", &json!({"user": {"id": 4, "name": "Uma U.", "tenant_id": 1}}));
        roster.apply(member_change(&renamed, 1).unwrap());
        let deleted = AppEvent::decode("UserDeleted", &json!({"user": {"id": 2, "tenant_id": 1}}));
        roster.apply(member_change(&deleted, 1).unwrap());
        let names: Vec<&str> = roster.items().map(|user| user.name.as_str()).collect();
        assert_eq!(names, ["Nia", "Uma U."], "an update keeps its place; a new user comes first");
    }

    #[test]
    fn a_record_has_a_new_revision_exactly_when_it_changes() {
        let mut roster = Roster::new([tenant(1, "active"), tenant(2, "pending")]);
        let revisions =
            |roster: &Roster<Tenant>| roster.rows().map(|(revision, _)| revision).collect::<Vec<_>>();
        let before = revisions(&roster);
        assert_ne!(before[0], before[1], "unique in the roster");

        roster.upsert(tenant(2, "pending"));
        assert_eq!(revisions(&roster), before, "an equal record changes nothing");

        roster.upsert(tenant(2, "active"));
        let after = revisions(&roster);
        assert_eq!(after[0], before[0], "the other record keeps its revision");
        assert!(!before.contains(&after[1]), "the changed record has a new one");
        assert_eq!(roster.at_revision(before[1]), None, "the old revision shows nothing");
        assert_eq!(roster.at_revision(after[1]).unwrap().status.as_str(), "active");

        roster.remove(1);
        roster.upsert(tenant(1, "active"));
        assert!(
            !after.contains(&revisions(&roster)[0]),
            "a record added again is new (and first), even if equal to one removed"
        );
    }

    #[test]
    fn a_fresh_load_keeps_the_revisions_of_records_it_did_not_change() {
        let mut roster = Roster::new([tenant(1, "active"), tenant(2, "pending"), tenant(3, "active")]);
        let revision_of = |roster: &Roster<Tenant>, id: u64| {
            roster.rows().find(|(_, tenant)| tenant.id == id).map(|(revision, _)| revision).unwrap()
        };
        let (one, two) = (revision_of(&roster, 1), revision_of(&roster, 2));

        // Meanwhile 3 went, 2 was approved and 4 registered.
        roster.replace([tenant(1, "active"), tenant(2, "active"), tenant(4, "pending")]);
        let ids: Vec<u64> = roster.items().map(|tenant| tenant.id).collect();
        assert_eq!(ids, [1, 2, 4], "in the load's order");
        assert_eq!(revision_of(&roster, 1), one, "unchanged: its row stays");
        assert_ne!(revision_of(&roster, 2), two, "changed: a new row");
        assert_eq!(roster.at_revision(two), None);
        let revisions: Vec<u64> = roster.rows().map(|(revision, _)| revision).collect();
        assert!(revisions[1..].iter().all(|revision| *revision > two), "no revision is used twice");

        roster.replace([tenant(5, "pending"), tenant(5, "active")]);
        assert_eq!((roster.len(), roster.get(5).unwrap().status.as_str()), (1, "active"));
    }

    #[test]
    fn another_tenants_users_and_other_events_change_nothing() {
        let other =
            AppEvent::decode("UserCreated", &json!({"user": {"id": 9, "name": "Gus", "tenant_id": 2}}));
        assert_eq!(member_change(&other, 1), None);
        let no_id = AppEvent::decode("UserCreated", &json!({"user": {"name": "?", "tenant_id": 1}}));
        assert_eq!(member_change(&no_id, 1), None);
        assert_eq!(member_change(&AppEvent::decode("PaymentCompleted", &json!({})), 1), None);
        assert_eq!(tenant_change(&AppEvent::decode("UserCreated", &json!({}))), None);
    }

    #[test]
    fn tenant_events_move_a_registration_through_its_statuses() {
        let mut roster = Roster::default();
        for (name, status) in
            [("TenantRegistered", "pending"), ("TenantApproved", "active"), ("TenantSuspended", "suspended")]
        {
            let event =
                AppEvent::decode(name, &json!({"tenant": {"id": 5, "name": "Hooli", "status": status}}));
            roster.apply(tenant_change(&event).unwrap());
            assert_eq!((roster.len(), roster.get(5).unwrap().status.as_str()), (1, status), "{name}");
        }
    }

    #[test]
    fn a_refused_action_is_undone() {
        let mut roster = Roster::new([tenant(3, "pending")]);
        let undo = roster.optimistic(tenant(3, "active"));
        assert_eq!(roster.get(3).unwrap().status.as_str(), "active", "shown at once");
        assert!(roster.undo(undo));
        assert_eq!(roster.get(3).unwrap().status.as_str(), "pending");

        let undo = roster.optimistic(tenant(8, "pending"));
        assert!(roster.undo(undo));
        assert_eq!(roster.get(8), None, "an optimistic addition is taken away again");
    }

    #[test]
    fn an_event_that_came_meanwhile_is_not_undone() {
        let mut roster = Roster::new([tenant(3, "pending")]);
        let undo = roster.optimistic(tenant(3, "active"));
        roster.apply(Change::Upsert(tenant(3, "suspended")));
        assert!(!roster.undo(undo), "another admin's decision is newer than our failed one");
        assert_eq!(roster.get(3).unwrap().status.as_str(), "suspended");
    }
}
