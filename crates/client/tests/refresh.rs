//! The refresh policy on a virtual clock: when it refreshes, what a failure means, and how a
//! wrong browser clock cannot move either.

use herald_client::refresh::{EXPIRED_NOTICE, REFUSED_NOTICE};
use herald_client::{
    GrantTimes, HeldTokens, Lifetimes, RefreshCommand, RefreshConfig, RefreshOutcome, Refresher, SavedTokens,
};
use herald_protocol::Millis;

const MINUTE: u64 = 60_000;

/// A demo-backend grant: 15-minute access token, 30-day refresh token, read at `wall_now_ms`.
fn demo_grant(server_now_ms: f64) -> GrantTimes {
    GrantTimes {
        expires_in_s: Some(900),
        expires_at_ms: Some(server_now_ms + 900_000.0),
        issued_at_ms: Some(server_now_ms),
        refreshable: true,
        refresh_expires_at_ms: Some(server_now_ms + 30.0 * 86_400_000.0),
    }
}

fn lifetimes() -> Lifetimes {
    Lifetimes::of(&demo_grant(1.8e12), 1.8e12)
}

fn signed_in(refreshes_here: bool) -> Refresher {
    let mut refresher = Refresher::new(RefreshConfig::default(), 7);
    refresher.granted(lifetimes(), Millis(0), 0.0);
    refresher.set_refreshes_here(refreshes_here, Millis(0));
    refresher
}

fn commands(refresher: &mut Refresher) -> Vec<RefreshCommand> {
    std::iter::from_fn(|| refresher.poll_command()).collect()
}

#[test]
fn lifetimes_come_from_the_answer_whatever_the_browser_clock_says() {
    let server_now = 1.8e12;
    let hour = 3_600_000.0;
    for browser_off_by in [0.0, 10.0 * MINUTE as f64, -10.0 * MINUTE as f64, 9.0 * hour] {
        let lifetimes = Lifetimes::of(&demo_grant(server_now), server_now + browser_off_by);
        assert_eq!(lifetimes.access, Some(Millis(900_000)), "{browser_off_by}");
        assert_eq!((lifetimes.refreshable, lifetimes.refresh), (true, Some(Millis(30 * 86_400_000))));
    }
    // Without `expires_in`, the JWT's `exp - iat`: still the server's clock alone.
    let jwt_only = GrantTimes { expires_in_s: None, ..demo_grant(server_now) };
    assert_eq!(Lifetimes::of(&jwt_only, server_now + 9.0 * hour).access, Some(Millis(900_000)));
    // Only an `expires_at`: the one case the browser's clock is read.
    let bare = GrantTimes { expires_at_ms: Some(server_now + hour), ..GrantTimes::default() };
    assert_eq!(Lifetimes::of(&bare, server_now).access, Some(Millis(3_600_000)));
    assert!(!Lifetimes::of(&bare, server_now).refreshable);
}

#[test]
fn the_tab_that_refreshes_does_so_at_three_quarters_of_the_life_minus_jitter() {
    let mut refresher = Refresher::new(RefreshConfig::default(), 7);
    refresher.granted(lifetimes(), Millis(0), 0.5);
    refresher.set_refreshes_here(true, Millis(0));
    // 0.75 - 0.1 * 0.5 of 15 minutes.
    assert_eq!(refresher.poll_timeout(), Some(Millis(630_000)));
    refresher.handle_timeout(Millis(629_999));
    assert!(commands(&mut refresher).is_empty());
    refresher.handle_timeout(Millis(630_000));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);
    // One at a time: nothing more while it is out.
    refresher.handle_timeout(Millis(700_000));
    refresher.unauthorized(Millis(700_000));
    assert!(commands(&mut refresher).is_empty());
    refresher.answered(RefreshOutcome::Granted(lifetimes()), Millis(631_000), 0.0);
    assert_eq!(refresher.poll_timeout(), Some(Millis(631_000 + 675_000)));
}

#[test]
fn a_tab_that_does_not_refresh_never_asks_and_ends_only_when_the_refresh_token_does() {
    let mut refresher = signed_in(false);
    refresher.handle_timeout(Millis(899_999));
    refresher.handle_timeout(Millis(20 * MINUTE));
    assert!(commands(&mut refresher).is_empty(), "the other tab refreshes");
    assert_eq!(refresher.poll_timeout(), Some(Millis(30 * 86_400_000)));
    // Taking over late, it refreshes at once.
    refresher.set_refreshes_here(true, Millis(20 * MINUTE));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);
}

#[test]
fn waking_past_the_time_refreshes_at_once_and_past_the_refresh_token_ends_the_session() {
    let mut refresher = signed_in(true);
    // The laptop slept for two hours: the access token is long dead, the refresh token not.
    refresher.handle_timeout(Millis(120 * MINUTE));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);

    let mut refresher = signed_in(true);
    refresher.handle_timeout(Millis(31 * 24 * 60 * MINUTE));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::End { notice: EXPIRED_NOTICE.into() }]);
    assert_eq!(refresher.poll_timeout(), None);
}

#[test]
fn an_outage_is_retried_with_backoff_and_survived_while_a_refusal_ends_the_session() {
    let mut refresher = signed_in(true);
    let mut now = Millis(675_000);
    refresher.handle_timeout(now);
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);
    let mut waits = Vec::new();
    // The backend is down for a minute: every retry comes, none signs out.
    while now < Millis(675_000 + MINUTE) {
        refresher.answered(RefreshOutcome::Unreachable, now, 0.0);
        let next = refresher.poll_timeout().expect("a retry is due");
        waits.push(next.since(now).0);
        now = next;
        refresher.handle_timeout(now);
        assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);
    }
    assert!(waits.iter().all(|wait| *wait <= 30_000), "{waits:?}");
    assert!(waits.len() >= 3, "{waits:?}");
    // Back: the new tokens reset the retries.
    refresher.answered(RefreshOutcome::Granted(lifetimes()), now, 0.0);
    assert_eq!(refresher.poll_timeout(), Some(now + Millis(675_000)));

    refresher.handle_timeout(now + Millis(675_000));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);
    refresher.answered(RefreshOutcome::Refused, now + Millis(675_100), 0.0);
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::End { notice: REFUSED_NOTICE.into() }]);
}

#[test]
fn a_401_refreshes_at_once_and_without_a_refresh_token_ends_the_session() {
    let mut refresher = signed_in(true);
    refresher.unauthorized(Millis(1_000));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);

    let mut old_backend = Refresher::new(RefreshConfig::default(), 7);
    let grant = GrantTimes { refreshable: false, refresh_expires_at_ms: None, ..demo_grant(1.8e12) };
    old_backend.granted(Lifetimes::of(&grant, 1.8e12), Millis(0), 0.0);
    old_backend.set_refreshes_here(true, Millis(0));
    // No refresh: the session ends when the access token does, as before.
    assert_eq!(old_backend.poll_timeout(), Some(Millis(900_000)));
    old_backend.handle_timeout(Millis(900_000));
    assert_eq!(commands(&mut old_backend), vec![RefreshCommand::End { notice: EXPIRED_NOTICE.into() }]);
}

#[test]
fn new_tokens_answered_after_the_tab_stopped_refreshing_are_still_taken() {
    let mut refresher = signed_in(true);
    refresher.handle_timeout(Millis(675_000));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);
    refresher.set_refreshes_here(false, Millis(675_010));
    refresher.answered(RefreshOutcome::Granted(lifetimes()), Millis(675_050), 0.0);
    assert!(refresher.access_valid(Millis(675_050 + 899_000)));
    // A failure answered then is the new refreshing tab's business.
    refresher.answered(RefreshOutcome::Unreachable, Millis(675_060), 0.0);
    assert_eq!(refresher.poll_timeout(), Some(Millis(675_050 + 30 * 86_400_000)));
}

#[test]
fn saved_tokens_read_back_the_lives_left_on_a_steady_clock_whatever_its_error() {
    let tokens =
        HeldTokens { token: "access".into(), refresh_token: Some("refresh".into()), lifetimes: lifetimes() };
    // The browser's clock is 9 hours ahead, and stays so across the reload 60 s later.
    let wrong_now = 1.8e12 + 9.0 * 3_600_000.0;
    let saved = tokens.saved(wrong_now);
    let back = serde_json::from_str::<SavedTokens>(&serde_json::to_string(&saved).unwrap()).unwrap();
    let held = back.held(wrong_now + 60_000.0);
    assert_eq!(held.lifetimes.access, Some(Millis(840_000)));
    assert_eq!(held.lifetimes.refresh, Some(Millis(30 * 86_400_000 - 60_000)));
    assert!(held.lifetimes.refreshable);
    // Past the end, nothing is left (never a negative life).
    assert_eq!(saved.clone().held(wrong_now + 3_600_000.0).lifetimes.access, Some(Millis(0)));
    assert!(!format!("{held:?}{saved:?}").contains("access\""), "tokens stay out of Debug");
}

#[test]
fn a_refresh_token_shorter_lived_than_the_access_token_is_refreshed_in_time_and_the_session_lasts_while_either_does()
 {
    let mut refresher = Refresher::new(RefreshConfig::default(), 7);
    let short = Lifetimes { access: Some(Millis(8_000)), refreshable: true, refresh: Some(Millis(4_000)) };
    refresher.granted(short, Millis(0), 0.0);
    refresher.set_refreshes_here(true, Millis(0));
    assert_eq!(refresher.poll_timeout(), Some(Millis(3_000)), "75 % of the shorter life");
    // A tab that does not refresh keeps the session until the access token ends.
    let mut waiting = Refresher::new(RefreshConfig::default(), 7);
    waiting.granted(short, Millis(0), 0.0);
    waiting.handle_timeout(Millis(5_000));
    assert!(commands(&mut waiting).is_empty());
    assert_eq!(waiting.poll_timeout(), Some(Millis(8_000)));
}

#[test]
fn saved_tokens_are_newer_only_when_another_refresh_token_lives_longer() {
    let saved = |refresh: &str, until: f64| SavedTokens {
        token: format!("access-{refresh}"),
        refresh_token: Some(refresh.into()),
        access_until_ms: Some(until),
        refresh_until_ms: None,
    };
    assert!(saved("r2", 2_000.0).is_newer_than(&saved("r1", 1_000.0)));
    assert!(!saved("r1", 1_000.0).is_newer_than(&saved("r1", 1_000.0)), "the same grant");
    assert!(!saved("r0", 500.0).is_newer_than(&saved("r1", 1_000.0)), "an older grant read late");
    let none = SavedTokens { refresh_token: None, ..saved("r3", 3_000.0) };
    assert!(!none.is_newer_than(&saved("r1", 1_000.0)), "nothing to refresh with");
}

#[test]
fn a_401_for_the_tokens_a_401_brought_ends_the_session_instead_of_refreshing_in_a_loop() {
    let mut refresher = signed_in(true);
    refresher.unauthorized(Millis(1_000));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);
    refresher.answered(RefreshOutcome::Granted(lifetimes()), Millis(1_100), 0.0);
    refresher.unauthorized(Millis(1_200));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::End { notice: REFUSED_NOTICE.into() }]);

    // After a timed refresh, a 401 is a new chance again.
    let mut refresher = signed_in(true);
    refresher.unauthorized(Millis(1_000));
    refresher.answered(RefreshOutcome::Granted(lifetimes()), Millis(1_100), 0.0);
    commands(&mut refresher);
    refresher.handle_timeout(Millis(1_100 + 675_000));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);
    refresher.answered(RefreshOutcome::Granted(lifetimes()), Millis(677_000), 0.0);
    refresher.unauthorized(Millis(678_000));
    assert_eq!(commands(&mut refresher), vec![RefreshCommand::Refresh]);
}
