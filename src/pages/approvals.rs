//! `/approvals` (system admins): tenant registrations waiting for a decision, live.
//!
//! A registration appears the moment it is made (`TenantRegistered`). Approve and Suspend
//! act in place: the row moves at once, and moves back with a message if the backend
//! refuses; every other admin's page follows through `TenantApproved` / `TenantSuspended`.

use herald_contract::{ChannelKind, Tenant, TenantStatus};
use herald_notifications::{Filter, Roster, tenant_change};
use leptos::prelude::*;

use crate::api::Api;
use crate::auth::Auth;
use crate::components::card::Card;
use crate::components::feed::Feed;
use crate::components::forms::{LoadFailed, Loading, SuspendButton};
use crate::live::Live;
use crate::notifications::Notifications;
use crate::pages::{
    after_change, after_failure, caller, edit_roster, list_shape, row_record, show_loaded, signed_out,
};
use crate::realtime::Realtime;
use crate::request::Load;
use crate::tabs::TabLink;

/// How many admin events the alerts feed lists.
const RECENT: usize = 20;

/// What an admin decided about a tenant.
#[derive(Debug, Clone, PartialEq)]
enum Decision {
    Approve,
    Suspend(String),
}

impl Decision {
    fn status(&self) -> TenantStatus {
        match self {
            Decision::Approve => TenantStatus::Active,
            Decision::Suspend(_) => TenantStatus::Suspended,
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Suspend(_) => "suspend",
        }
    }
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let auth = Auth::expect();
    let realtime = Realtime::expect();
    let tabs = use_context::<TabLink>();
    let api = expect_context::<Api>();
    let notifications = Notifications::expect();

    let load_api = api.clone();
    let live = Live::expect();
    let tenants = Load::new(move || {
        live.generation();
        let api = load_api.clone();
        async move {
            let caller = caller(auth, realtime).ok_or_else(signed_out)?;
            api.tenants(&caller).await
        }
    });
    // The page's own copy, which events and decisions change; `None` until loaded.
    let roster = RwSignal::new(None::<Roster<Tenant>>);
    Effect::new(move |_| match tenants.get() {
        Some(Ok(list)) => show_loaded(roster, list),
        Some(Err(error)) => after_failure(auth, &error),
        None => {}
    });
    live.on_event(move |live| {
        if let Some(change) = tenant_change(&live.event) {
            edit_roster(roster, |roster| roster.apply(change));
        }
    });

    let failure = RwSignal::new(None::<String>);
    let decide = Action::new_local(move |(tenant, decision): &(Tenant, Decision)| {
        let (tenant, decision, api) = (tenant.clone(), decision.clone(), api.clone());
        failure.set(None);
        let decided = Tenant { status: decision.status(), ..tenant.clone() };
        let undo = edit_roster(roster, |roster| roster.optimistic(decided));
        async move {
            let result = match caller(auth, realtime) {
                None => Err(signed_out()),
                Some(caller) => match &decision {
                    Decision::Approve => api.approve_tenant(&caller, tenant.id).await,
                    Decision::Suspend(reason) => api.suspend_tenant(&caller, tenant.id, reason).await,
                },
            };
            if result.is_ok() {
                after_change(tabs);
            }
            if let Err(error) = result {
                if let Some(undo) = undo {
                    edit_roster(roster, |roster| roster.undo(undo));
                }
                failure.set(Some(format!("Could not {} {}: {error}", decision.verb(), tenant.name)));
                after_failure(auth, &error);
            }
        }
    });
    let busy: Signal<bool> = decide.pending().into();
    // The revisions of the pending or the decided tenants, newest registration first.
    let with_status = move |pending: bool| {
        roster.with(|roster| {
            let Some(roster) = roster else { return Vec::new() };
            let mut rows: Vec<(u64, u64)> = roster
                .rows()
                .filter(|(_, tenant)| is_pending(tenant) == pending)
                .map(|(revision, tenant)| (tenant.id, revision))
                .collect();
            rows.sort_by_key(|&(id, _)| std::cmp::Reverse(id));
            rows.into_iter().map(|(_, revision)| revision).collect::<Vec<_>>()
        })
    };

    let pending_shape = list_shape(roster, is_pending);
    let decided_shape = list_shape(roster, |tenant| !is_pending(tenant));

    let alerts = Signal::derive(move || {
        notifications.recent(Filter { channel: Some(ChannelKind::Admin), severity: None }, RECENT)
    });
    let retry = move || tenants.reload();
    let load_state = move || match tenants.get() {
        None => Some(view! { <Loading what="registrations" /> }.into_any()),
        Some(Err(error)) => Some(
            view! { <LoadFailed error what="registrations" retry retrying=tenants.loading() /> }.into_any(),
        ),
        Some(Ok(_)) => None,
    };

    view! {
        <main class="page">
            <h1 class="page__title">"Approvals"</h1>
            {move || failure.get().map(|message| view! {
                <p class="form-error" role="alert">{message}</p>
            })}
            <div class="grid">
                <Card id="pending" title="Waiting for approval" wide=true>
                    {load_state}
                    {move || pending_shape.get().map(|empty| {
                        if empty {
                            return view! {
                                <p class="muted">"No registrations are waiting. New ones appear here the moment they are made."</p>
                            }.into_any();
                        }
                        view! {
                            <ul class="rows" aria-label="Registrations waiting for approval">
                                <For each=move || with_status(true) key=|revision: &u64| *revision let:revision>
                                    {row_record(roster, revision).map(|tenant| view! { <PendingRow tenant decide busy /> })}
                                </For>
                            </ul>
                        }.into_any()
                    })}
                </Card>
                <Card id="decided" title="Tenants">
                    {move || decided_shape.get().map(|empty| {
                        if empty {
                            return view! { <p class="muted">"No tenants yet."</p> }.into_any();
                        }
                        view! {
                            <ul class="rows" aria-label="Tenants">
                                <For each=move || with_status(false) key=|revision: &u64| *revision let:revision>
                                    {row_record(roster, revision).map(|tenant| view! {
                                        <li class="row">
                                            <span class="row__main">
                                                <span class="row__title">{tenant.name}</span>
                                                <span class="row__meta">{tenant.email}</span>
                                            </span>
                                            <StatusBadge status=tenant.status.as_str() />
                                        </li>
                                    })}
                                </For>
                            </ul>
                        }.into_any()
                    })}
                </Card>
                <Card id="alerts" title="Registrations and alerts">
                    <Feed entries=alerts empty="Nothing yet. Registrations and system alerts appear here as they happen." />
                </Card>
            </div>
        </main>
    }
}

#[component]
fn PendingRow(tenant: Tenant, decide: Action<(Tenant, Decision), ()>, busy: Signal<bool>) -> impl IntoView {
    let approve_label = format!("Approve {}", tenant.name);
    let for_approve = tenant.clone();
    let for_suspend = tenant.clone();
    view! {
        <li class="row">
            <span class="row__main">
                <span class="row__title">{tenant.name.clone()}</span>
                <span class="row__meta">{tenant.email.clone()}</span>
            </span>
            <span class="row__actions">
                <button
                    type="button"
                    class="button button--primary"
                    aria-label=approve_label
                    disabled=move || busy.get()
                    on:click=move |_| { decide.dispatch((for_approve.clone(), Decision::Approve)); }
                >
                    "Approve"
                </button>
                <SuspendButton
                    subject=tenant.name.clone()
                    disabled=busy
                    confirm=move |reason| { decide.dispatch((for_suspend.clone(), Decision::Suspend(reason))); }
                />
            </span>
        </li>
    }
}

/// A tenant's or user's status as a coloured badge with its word (never colour alone).
#[component]
pub fn StatusBadge(status: &'static str) -> impl IntoView {
    let class = match status {
        "active" => "badge badge--ok",
        "pending" => "badge badge--wait",
        _ => "badge badge--bad",
    };
    let label = match status {
        "active" => "Active",
        "pending" => "Pending",
        "suspended" => "Suspended",
        "" => "Unknown",
        _ => "Other",
    };
    view! { <span class=class><span class="badge__dot" aria-hidden="true"></span>{label}</span> }
}

/// Whether a tenant's registration waits for a decision.
fn is_pending(tenant: &Tenant) -> bool {
    tenant.status == TenantStatus::Pending
}
