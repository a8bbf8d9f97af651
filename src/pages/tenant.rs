//! `/tenant` (tenant admins): the tenant's users and what happens in it, live.
//!
//! The users list follows `UserCreated` / `UserUpdated` / `UserDeleted` from every admin of
//! the tenant; the create form shows the backend's errors field by field; the activity feed
//! (payments, hotspot sessions, notices) starts from the backend's record and grows live.

use herald_contract::{User as Member, UserStatus};
use herald_notifications::history::Entry;
use herald_notifications::{AppEvent, History, Notification, Roster, member_change};
use herald_protocol::short_event_name;
use leptos::prelude::*;

use crate::api::{Api, EventRecord, NewMember, Role};
use crate::auth::Auth;
use crate::components::card::Card;
use crate::components::feed::Feed;
use crate::components::forms::{FormOutcome, LoadFailed, Loading, SuspendButton, TextField, field_errors};
use crate::live::Live;
use crate::pages::approvals::StatusBadge;
use crate::pages::{
    after_change, after_failure, caller, edit_roster, list_shape, row_record, show_loaded, signed_out,
};
use crate::realtime::Realtime;
use crate::request::Load;
use crate::tabs::TabLink;

/// How many entries the activity feed keeps.
const ACTIVITY: usize = 50;

#[component]
pub fn TenantPage() -> impl IntoView {
    let auth = Auth::expect();
    let tenant_id = auth.user().and_then(|user| user.tenant_id).unwrap_or_default();
    view! {
        <main class="page">
            <h1 class="page__title">"Your tenant"</h1>
            <div class="grid">
                <Members tenant_id />
                <Activity tenant_id />
            </div>
        </main>
    }
}

/// A user's status change asked for from the list.
#[derive(Debug, Clone, PartialEq)]
enum StatusChange {
    Suspend(String),
    Activate,
}

#[component]
fn Members(tenant_id: u64) -> impl IntoView {
    let auth = Auth::expect();
    let realtime = Realtime::expect();
    let tabs = use_context::<TabLink>();
    let api = expect_context::<Api>();
    let me = auth.user().map(|user| user.id).unwrap_or_default();

    let load_api = api.clone();
    let live = Live::expect();
    let members = Load::new(move || {
        live.generation();
        let api = load_api.clone();
        async move {
            let caller = caller(auth, realtime).ok_or_else(signed_out)?;
            api.members(&caller, tenant_id).await
        }
    });
    let roster = RwSignal::new(None::<Roster<Member>>);
    Effect::new(move |_| match members.get() {
        Some(Ok(list)) => show_loaded(roster, list),
        Some(Err(error)) => after_failure(auth, &error),
        None => {}
    });
    let apply = move |change| {
        edit_roster(roster, |roster| roster.apply(change));
    };
    live.on_event(move |live| {
        if let Some(change) = member_change(&live.event, tenant_id) {
            apply(change);
        }
    });

    let failure = RwSignal::new(None::<String>);
    let status_api = api.clone();
    let change_status = Action::new_local(move |(member, change): &(Member, StatusChange)| {
        let (member, change, api) = (member.clone(), change.clone(), status_api.clone());
        failure.set(None);
        let status =
            if matches!(change, StatusChange::Activate) { UserStatus::Active } else { UserStatus::Suspended };
        let changed = Member { status, ..member.clone() };
        let undo = edit_roster(roster, |roster| roster.optimistic(changed));
        async move {
            let result = match caller(auth, realtime) {
                None => Err(signed_out()),
                Some(caller) => match &change {
                    StatusChange::Suspend(reason) => api.suspend_member(&caller, member.id, reason).await,
                    StatusChange::Activate => api.activate_member(&caller, member.id).await,
                },
            };
            if result.is_ok() {
                after_change(tabs);
            }
            if let Err(error) = result {
                if let Some(undo) = undo {
                    edit_roster(roster, |roster| roster.undo(undo));
                }
                let verb = if matches!(change, StatusChange::Activate) { "activate" } else { "suspend" };
                failure.set(Some(format!("Could not {verb} {}: {error}", member.name)));
                after_failure(auth, &error);
            }
        }
    });
    let busy: Signal<bool> = change_status.pending().into();
    let revisions = move || {
        roster.with(|roster| {
            roster.as_ref().map(|roster| roster.rows().map(|(revision, _)| revision).collect::<Vec<_>>())
        })
    };
    let shape = list_shape(roster, |_| true);
    let retry = move || members.reload();
    let load_state = move || match members.get() {
        None => Some(view! { <Loading what="users" /> }.into_any()),
        Some(Err(error)) => {
            Some(view! { <LoadFailed error what="users" retry retrying=members.loading() /> }.into_any())
        }
        Some(Ok(_)) => None,
    };

    view! {
        <Card id="users" title="Users" wide=true>
            {move || failure.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            {load_state}
            {move || shape.get().map(|empty| {
                if empty {
                    return view! { <p class="muted">"No users yet. Add the first one below."</p> }.into_any();
                }
                view! {
                    <ul class="rows" aria-label="Users">
                        <For each=move || revisions().unwrap_or_default() key=|revision: &u64| *revision let:revision>
                            {row_record(roster, revision).map(|member| {
                                view! { <MemberRow is_me=member.id == me member change_status busy /> }
                            })}
                        </For>
                    </ul>
                }.into_any()
            })}
            <CreateMember tenant_id on_created=move |member| apply(herald_notifications::Change::Upsert(member)) />
        </Card>
    }
}

#[component]
fn MemberRow(
    member: Member,
    is_me: bool,
    change_status: Action<(Member, StatusChange), ()>,
    busy: Signal<bool>,
) -> impl IntoView {
    let role = member.role.label();
    let action = if is_me {
        view! { <span class="muted">"You"</span> }.into_any()
    } else if member.status == UserStatus::Suspended {
        let label = format!("Activate {}", member.name);
        let target = member.clone();
        view! {
            <button
                type="button"
                class="button"
                aria-label=label
                disabled=move || busy.get()
                on:click=move |_| { change_status.dispatch((target.clone(), StatusChange::Activate)); }
            >
                "Activate"
            </button>
        }
        .into_any()
    } else {
        let target = member.clone();
        view! {
            <SuspendButton
                subject=member.name.clone()
                disabled=busy
                confirm=move |reason| { change_status.dispatch((target.clone(), StatusChange::Suspend(reason))); }
            />
        }
        .into_any()
    };
    view! {
        <li class="row">
            <span class="row__main">
                <span class="row__title">{member.name.clone()}</span>
                <span class="row__meta">{format!("{} · {role}", member.email)}</span>
            </span>
            <StatusBadge status=member.status.as_str() />
            <span class="row__actions">{action}</span>
        </li>
    }
}

/// The form that adds a user to the tenant. The backend's errors appear beside their fields;
/// on success the form empties and the new user joins the list at once (this tab's socket
/// is left out of the `UserCreated` broadcast).
#[component]
fn CreateMember(tenant_id: u64, on_created: impl Fn(Member) + Send + Sync + 'static) -> impl IntoView {
    let auth = Auth::expect();
    let realtime = Realtime::expect();
    let tabs = use_context::<TabLink>();
    let api = expect_context::<Api>();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let admin = RwSignal::new(false);
    let created = RwSignal::new(None::<String>);
    let create = Action::new_local(move |member: &NewMember| {
        let (member, api) = (member.clone(), api.clone());
        async move {
            let caller = caller(auth, realtime).ok_or_else(signed_out)?;
            api.create_member(&caller, tenant_id, &member).await
        }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(member)) => {
            created.set(Some(format!("{} was added.", member.name)));
            for field in [name, email, password, confirmation] {
                field.set(String::new());
            }
            admin.set(false);
            after_change(tabs);
            on_created(member);
        }
        Some(Err(error)) => after_failure(auth, &error),
        None => {}
    });
    let error = move || create.value().get().and_then(Result::err);
    let errors = Signal::derive(move || field_errors(&error()));
    let succeeded = Signal::derive(move || created.get().is_some());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        created.set(None);
        create.dispatch(NewMember {
            name: name.get_untracked(),
            email: email.get_untracked(),
            role: if admin.get_untracked() { Role::TenantAdmin } else { Role::User },
            password: password.get_untracked(),
            password_confirmation: confirmation.get_untracked(),
        });
    };
    view! {
        <form class="subform" on:submit=submit novalidate aria-labelledby="add-user">
            <h3 id="add-user">"Add a user"</h3>
            <div class="form-grid">
                <TextField form="add-user" name="name" label="Name" value=name errors autocomplete="off" />
                <TextField form="add-user" name="email" label="Email" value=email errors kind="email" />
                <TextField form="add-user" name="password" label="Password" value=password errors kind="password" autocomplete="new-password" />
                <TextField form="add-user" name="password_confirmation" label="Repeat password" value=confirmation errors kind="password" autocomplete="new-password" />
            </div>
            <label class="checkbox">
                <input type="checkbox" name="role" bind:checked=admin />
                <span>"Tenant admin (may manage users and payments)"</span>
            </label>
            {move || errors.with(|e| e.get("role").and_then(|m| m.first().cloned())).map(|e| view! { <span class="field__error">{e}</span> })}
            <FormOutcome
                error=Signal::derive(error)
                done=succeeded
                done_text=Signal::derive(move || created.get().unwrap_or_default())
            />
            <button type="submit" class="button button--primary" disabled=move || create.pending().get()>
                {move || if create.pending().get() { "Adding…" } else { "Add user" }}
            </button>
        </form>
    }
}

/// Payments, hotspot sessions and notices: the backend's latest, then live.
#[component]
fn Activity(tenant_id: u64) -> impl IntoView {
    let auth = Auth::expect();
    let realtime = Realtime::expect();
    let api = expect_context::<Api>();
    let live = Live::expect();
    let records = Load::new(move || {
        live.generation();
        let api = api.clone();
        async move {
            let caller = caller(auth, realtime).ok_or_else(signed_out)?;
            api.activity(&caller, tenant_id).await
        }
    });
    let history = RwSignal::new(History::with_capacity(ACTIVITY));
    Effect::new(move |_| match records.get() {
        Some(Ok(records)) => history.update(|history| {
            // Newest first from the backend; the history puts each push in front.
            for record in records.iter().rev() {
                history.push(notification_of(record));
            }
            // A record of what happened, not a to-do list: nothing here is "unread" (the bell
            // and the history page keep that).
            history.mark_all_read();
        }),
        Some(Err(error)) => after_failure(auth, &error),
        None => {}
    });
    live.on_event(move |live| {
        if is_activity(&live.event) {
            let notification = Notification::from_decoded(
                &live.event,
                &live.name,
                live.channel.as_deref(),
                &live.data,
                || live.name.clone(),
            );
            history.update(|history| {
                history.push(notification);
                history.mark_all_read();
            });
        }
    });
    let entries =
        Signal::derive(move || history.with(|history| history.entries().cloned().collect::<Vec<Entry>>()));
    let retry = move || records.reload();
    view! {
        <Card id="activity" title="Activity" wide=true>
            {move || match records.get() {
                None => view! { <Loading what="activity" /> }.into_any(),
                Some(Err(error)) => view! { <LoadFailed error what="activity" retry retrying=records.loading() /> }.into_any(),
                Some(Ok(_)) => view! {
                    <Feed entries empty="No activity yet. Payments, hotspot sessions and notices appear here as they happen." />
                }.into_any(),
            }}
        </Card>
    }
}

fn is_activity(event: &AppEvent) -> bool {
    matches!(
        event,
        AppEvent::PaymentCompleted { .. }
            | AppEvent::PaymentFailed { .. }
            | AppEvent::HotspotUserCreated { .. }
            | AppEvent::HotspotUserExpired { .. }
            | AppEvent::SystemNotification(_)
    )
}

fn notification_of(record: &EventRecord) -> Notification {
    let name = short_event_name(&record.event);
    Notification::from_event(name, record.channel.as_deref(), &record.data, || record.id.clone())
}
