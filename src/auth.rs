//! The auth store: who is signed in, restored on reload, kept alive by refreshing its tokens,
//! ended on sign-out, on the backend's refusal or when the tokens run out. Everything else
//! follows its [`Session`]: the routes, the channels the socket carries, whose notifications
//! are shown.
//!
//! Consumers get the session read-only and the commands below; only this module writes it.
//!
//! When to refresh and what a failure means is `herald_client::Refresher`'s decision; the
//! tokens' lives are measured from the backend's answers (`herald_client::Lifetimes`), so a
//! wrong browser clock moves nothing. Only the tab holding the socket refreshes
//! ([`Auth::set_refreshes_here`], from the tabs' rules), so one browser makes one request per
//! cycle and never races the rotation; it tells the others the new tokens.
//!
//! The auth stores of one browser's tabs keep one session (`herald_client::SessionNews`, over
//! a `BroadcastChannel`): signing in, refreshing, signing out, expiry and suspension in one tab
//! apply in every tab that is open. Whether a tab opened later finds the session is still the
//! person's "keep me signed in": the tokens are kept in localStorage, or in the tab's
//! sessionStorage.

use herald_client::{
    GrantTimes, HeldTokens, Lifetimes, RefreshCommand, RefreshConfig, RefreshOutcome, Refresher, SavedTokens,
    SessionNews, SessionStep,
};
use herald_protocol::Millis;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BroadcastChannel, MessageEvent, Storage};

use crate::api::{Api, ApiError, TokenGrant, User};
use std::rc::Rc;

use crate::listener::Listener;

/// Where the tokens are kept, under one key, in one of the two storages.
const TOKEN_KEY: &str = "herald.token";

/// The channel the tabs' auth stores talk over.
const SESSION_CHANNEL: &str = "herald.session";

/// What the login page says after a session ran out.
pub const EXPIRED_NOTICE: &str = herald_client::refresh::EXPIRED_NOTICE;

#[derive(Debug, Clone, PartialEq)]
pub enum Session {
    /// A stored token is being checked with the backend; no page decides anything yet.
    Restoring,
    /// Nobody is signed in. `notice` says why the last session ended, when it did not end
    /// by the person's own choice ("Your session expired").
    SignedOut {
        notice: Option<String>,
    },
    SignedIn(SignedIn),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub user: User,
    /// The access token held now: it changes with each refresh.
    pub token: String,
}

/// The auth store. `Copy`, so any component can hold it.
#[derive(Clone, Copy)]
pub struct Auth {
    session: RwSignal<Session>,
    api: StoredValue<Api>,
    /// The tokens held last, as saved (the session's token is theirs once signed in).
    held: StoredValue<Option<SavedTokens>>,
    /// Whether the tokens are kept across browser restarts.
    remember: StoredValue<bool>,
    refresher: StoredValue<Refresher>,
    timer: StoredValue<Option<TimeoutHandle>>,
    /// The channel to the other tabs' auth stores; `None` where the browser has none.
    siblings: StoredValue<Option<Siblings>, LocalStorage>,
    /// Whether a request was refused since the last refresh, and what then retries the
    /// requests (the pages load their data again).
    refused_since_refresh: StoredValue<bool>,
    retry_requests: StoredValue<Option<Rc<dyn Fn()>>, LocalStorage>,
    _wake: StoredValue<Option<Listener>, LocalStorage>,
}

struct Siblings {
    channel: BroadcastChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Auth {
    /// Creates the store, provides it as context and starts restoring a stored session.
    pub fn provide(api: Api) -> Auth {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
        let auth = Auth {
            session: RwSignal::new(Session::Restoring),
            api: StoredValue::new(api),
            held: StoredValue::new(None),
            remember: StoredValue::new(false),
            refresher: StoredValue::new(Refresher::new(RefreshConfig::default(), seed)),
            timer: StoredValue::new(None),
            siblings: StoredValue::new_local(None),
            refused_since_refresh: StoredValue::new(false),
            retry_requests: StoredValue::new_local(None),
            _wake: StoredValue::new_local(None),
        };
        provide_context(auth);
        auth.siblings.set_value(auth.open_siblings());
        // A machine that slept past a refresh refreshes as soon as the tab is seen again,
        // whatever its throttled timers say.
        auth._wake.set_value(Some(Listener::new(document().into(), "visibilitychange", move || auth.tick())));
        on_cleanup(move || {
            if let Some(siblings) = auth.siblings.try_update_value(Option::take).flatten() {
                siblings.channel.set_onmessage(None);
                siblings.channel.close();
            }
            auth.clear_timer();
        });
        auth.restore();
        auth
    }

    fn open_siblings(self) -> Option<Siblings> {
        if !js_sys::Reflect::has(&window(), &"BroadcastChannel".into()).unwrap_or(false) {
            return None;
        }
        let channel = BroadcastChannel::new(SESSION_CHANNEL).ok()?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            match serde_json::from_str::<SessionNews>(&text) {
                Ok(news) => self.hear(news),
                Err(error) => leptos::logging::warn!("[herald:auth] unreadable message ({error})"),
            }
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(Siblings { channel, _on_message: on_message })
    }

    /// Tells the other tabs.
    fn tell(&self, news: &SessionNews) {
        if let Ok(text) = serde_json::to_string(news) {
            self.siblings.with_value(|siblings| {
                if let Some(siblings) = siblings {
                    let _ = siblings.channel.post_message(&text.into());
                }
            });
        }
    }

    /// What another tab said.
    fn hear(&self, news: SessionNews) {
        let here = match &*self.session.read_untracked() {
            Session::SignedIn(signed_in) => Some((signed_in.token.clone(), signed_in.user.id)),
            _ => None,
        };
        match news.step(here.as_ref().map(|(token, id)| (token.as_str(), *id))) {
            SessionStep::Adopt { user, tokens, remember } => {
                self.remember.set_value(remember);
                self.hold(tokens);
                self.session.set(Session::SignedIn(SignedIn { user, token: self.token_held() }));
            }
            SessionStep::Renew { user, tokens } => {
                self.hold(tokens);
                self.set_signed_in(user);
            }
            SessionStep::Update { user } => {
                self.set_signed_in(user);
            }
            SessionStep::End { notice } => self.end(notice, false),
            SessionStep::Nothing => {}
        }
    }

    /// This tab's session as news for the others.
    fn news(&self) -> Option<SessionNews> {
        let Session::SignedIn(signed_in) = &*self.session.read_untracked() else { return None };
        let lifetimes = self.refresher.with_value(|refresher| refresher.remaining(now()))?;
        Some(SessionNews::SignedIn {
            user: signed_in.user.clone(),
            tokens: HeldTokens {
                token: signed_in.token.clone(),
                refresh_token: self.held.with_value(|held| held.as_ref()?.refresh_token.clone()),
                lifetimes,
            },
            remember: self.remember.get_value(),
        })
    }

    #[track_caller]
    pub fn expect() -> Auth {
        expect_context::<Auth>()
    }

    pub fn session(&self) -> Signal<Session> {
        self.session.into()
    }

    /// The signed-in person, if any.
    pub fn user(&self) -> Option<User> {
        match &*self.session.read() {
            Session::SignedIn(signed_in) => Some(signed_in.user.clone()),
            _ => None,
        }
    }

    /// The current bearer token, if signed in. Read without tracking: callers use it for one
    /// request, not to react to it.
    pub fn token(&self) -> Option<String> {
        match &*self.session.read_untracked() {
            Session::SignedIn(signed_in) => Some(signed_in.token.clone()),
            _ => None,
        }
    }

    /// Signs in with the backend; `remember` keeps the tokens across browser restarts.
    pub async fn sign_in(&self, email: String, password: String, remember: bool) -> Result<(), ApiError> {
        let api = self.api.get_value();
        let login = api.login(&email, &password, remember).await?;
        self.remember.set_value(remember);
        self.hold(held_tokens(login.grant));
        self.session.set(Session::SignedIn(SignedIn { user: login.user, token: self.token_held() }));
        if let Some(news) = self.news() {
            self.tell(&news);
        }
        Ok(())
    }

    /// Whether this tab is the one that refreshes the tokens (it holds the socket).
    pub fn set_refreshes_here(&self, refreshes_here: bool) {
        self.refresher.update_value(|refresher| refresher.set_refreshes_here(refreshes_here, now()));
        self.carry_out();
    }

    /// A request made with the token held was answered 401: the tokens are refreshed at once
    /// where they can be (and the pages load again with the new ones), else the session is
    /// over.
    pub fn unauthorized(&self) {
        if matches!(*self.session.read_untracked(), Session::SignedIn(_)) {
            self.refused_since_refresh.set_value(true);
            self.refresher.update_value(|refresher| refresher.unauthorized(now()));
            self.carry_out();
        }
    }

    /// What retries the requests a 401 refused, once new tokens have come (here or from
    /// another tab).
    pub fn on_renewed(&self, retry: impl Fn() + 'static) {
        self.retry_requests.set_value(Some(Rc::new(retry)));
    }

    /// Signs out: tells the backend (so the tokens stop working) but signs out locally at
    /// once, whether or not that request succeeds.
    pub fn sign_out(&self) {
        if let Some(token) = self.token() {
            let api = self.api.get_value();
            spawn_local(async move {
                if let Err(error) = api.logout(&token).await {
                    leptos::logging::warn!(
                        "[herald:auth] sign-out request failed ({error}); signed out locally"
                    );
                }
            });
        }
        self.end(None, true);
    }

    /// The signed-in person's new name and email (after they edited their profile, here or
    /// in another tab). Empty values are ignored.
    pub fn update_profile(&self, name: &str, email: &str) {
        let Some(mut user) = self.user_untracked() else { return };
        if !name.is_empty() {
            user.name = name.to_owned();
        }
        if !email.is_empty() {
            user.email = email.to_owned();
        }
        if self.set_signed_in(user)
            && let Some(news) = self.news()
        {
            self.tell(&news);
        }
    }

    /// Ends the session without asking the backend, because it is already over there: an
    /// expired session, a suspended account. `notice` is shown on the login page.
    pub fn end_session(&self, notice: impl Into<String>) {
        if matches!(*self.session.read_untracked(), Session::SignedIn(_)) {
            self.end(Some(notice.into()), true);
        }
    }

    fn user_untracked(&self) -> Option<User> {
        match &*self.session.read_untracked() {
            Session::SignedIn(signed_in) => Some(signed_in.user.clone()),
            _ => None,
        }
    }

    /// The session with `user` and the token held; false if nothing changed. New tokens
    /// retry, once, what a 401 refused.
    fn set_signed_in(&self, user: User) -> bool {
        let token = self.token_held();
        let (changed, renewed) = match &*self.session.read_untracked() {
            Session::SignedIn(signed_in) => {
                (signed_in.user != user || signed_in.token != token, signed_in.token != token)
            }
            _ => (false, false),
        };
        if changed {
            self.session.set(Session::SignedIn(SignedIn { user, token }));
        }
        if renewed
            && std::mem::take(&mut *self.refused_since_refresh.write_value())
            && let Some(retry) = self.retry_requests.get_value()
        {
            retry();
        }
        changed
    }

    fn restore(&self) {
        let Some((saved, remembered)) = saved_tokens() else {
            self.session.set(Session::SignedOut { notice: None });
            return;
        };
        self.remember.set_value(remembered);
        let mut held = saved.clone().held(js_sys::Date::now());
        let this = *self;
        let api = self.api.get_value();
        spawn_local(async move {
            // Tokens whose access token ran out while the browser was closed are refreshed
            // first, if they can be.
            if held.lifetimes.access == Some(Millis(0)) && held.refresh_token.is_some() {
                match renew(api.clone(), saved).await {
                    Ok(renewed) => held = renewed,
                    Err(ApiError::Unauthenticated) => {
                        clear_tokens();
                        this.session.set(Session::SignedOut { notice: Some(EXPIRED_NOTICE.into()) });
                        return;
                    }
                    Err(error) => {
                        this.session.set(Session::SignedOut { notice: Some(error.to_string()) });
                        return;
                    }
                }
            }
            let answer = api.me(&held.token).await;
            let (session, fate) = after_restore(held.token.clone(), answer);
            match (session, fate) {
                (Session::SignedIn(signed_in), _) => {
                    this.hold(held);
                    this.session.set(Session::SignedIn(signed_in));
                }
                (other, TokenFate::Discard) => {
                    clear_tokens();
                    this.session.set(other);
                }
                (other, TokenFate::Keep) => this.session.set(other),
            }
        });
    }

    /// Takes new tokens: the refresh policy learns their lives, and they are saved for the
    /// next load where the person chose.
    fn hold(&self, tokens: HeldTokens) {
        self.refresher
            .update_value(|refresher| refresher.granted(tokens.lifetimes, now(), js_sys::Math::random()));
        let saved = tokens.saved(js_sys::Date::now());
        keep_tokens(&saved, self.remember.get_value());
        // The session takes the token from here (`set_signed_in`), which tells the realtime
        // service.
        self.held.set_value(Some(saved));
        self.carry_out();
    }

    /// The token of the tokens held last.
    fn token_held(&self) -> String {
        self.held.with_value(|held| held.as_ref().map(|held| held.token.clone())).unwrap_or_default()
    }

    /// Time may have passed: the refresh policy looks at the clock.
    fn tick(&self) {
        self.refresher.try_update_value(|refresher| refresher.handle_timeout(now()));
        self.carry_out();
    }

    /// Carries out what the refresh policy asks, then sets its timer.
    fn carry_out(&self) {
        while let Some(command) = self.refresher.try_update_value(Refresher::poll_command).flatten() {
            match command {
                RefreshCommand::Refresh => self.refresh(),
                RefreshCommand::End { notice } => self.end(Some(notice), true),
            }
        }
        self.clear_timer();
        if let Some(at) = self.refresher.try_with_value(Refresher::poll_timeout).flatten() {
            let this = *self;
            // setTimeout's delay is a 32-bit number of milliseconds; a longer one fires at once.
            let delay = at.since(now()).0.min(i32::MAX as u64);
            let handle =
                set_timeout_with_handle(move || this.tick(), std::time::Duration::from_millis(delay)).ok();
            self.timer.set_value(handle);
        }
    }

    /// `POST /api/refresh` with the refresh token held; the answer goes to the policy, and new
    /// tokens to every tab.
    fn refresh(&self) {
        let Some(held) = self.held.get_value().filter(|held| held.refresh_token.is_some()) else { return };
        let this = *self;
        let api = self.api.get_value();
        spawn_local(async move {
            let outcome = match renew(api, held).await {
                Ok(tokens) => {
                    let lifetimes = tokens.lifetimes;
                    this.hold(tokens);
                    if let Some(user) = this.user_untracked() {
                        this.set_signed_in(user);
                    }
                    RefreshOutcome::Granted(lifetimes)
                }
                Err(ApiError::Unauthenticated) => RefreshOutcome::Refused,
                Err(error) => {
                    leptos::logging::warn!("[herald:auth] refresh failed ({error}); trying again");
                    RefreshOutcome::Unreachable
                }
            };
            if this
                .refresher
                .try_update_value(|r| r.answered(outcome, now(), js_sys::Math::random()))
                .is_none()
            {
                return;
            }
            if matches!(outcome, RefreshOutcome::Granted(_))
                && let Some(news) = this.news()
            {
                this.tell(&news);
            }
            this.carry_out();
        });
    }

    /// Ends the session here, and in the other tabs when `tell_siblings`.
    fn end(&self, notice: Option<String>, tell_siblings: bool) {
        self.refresher.update_value(Refresher::ended);
        self.clear_timer();
        clear_tokens();
        self.held.set_value(None);
        self.session.set(Session::SignedOut { notice: notice.clone() });
        if tell_siblings {
            self.tell(&SessionNews::SignedOut { notice });
        }
    }

    fn clear_timer(&self) {
        if let Some(handle) = self.timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    }
}

/// The lock that makes a browser's refreshes one at a time: a tab restoring a session and the
/// tab that refreshes never present one refresh token twice (which the backend takes for a
/// stolen token, revoking the sign-in).
const REFRESH_LOCK: &str = "herald.refresh";

/// New tokens for `held`: holding [`REFRESH_LOCK`], those another tab saved meanwhile if it
/// refreshed first, else `POST /api/refresh`.
async fn renew(api: Api, held: SavedTokens) -> Result<HeldTokens, ApiError> {
    let renewed = crate::locks::exclusively(REFRESH_LOCK, async move || {
        if let Some((saved, _)) = saved_tokens().filter(|(saved, _)| saved.is_newer_than(&held)) {
            return Ok(saved.held(js_sys::Date::now()));
        }
        let refresh_token = held.refresh_token.clone().unwrap_or_default();
        api.refresh(&refresh_token).await.map(held_tokens)
    })
    .await;
    renewed.unwrap_or_else(|| Err(ApiError::Network("the browser refused the refresh lock".into())))
}

/// The tokens a login or refresh answer grants, their lives measured from now.
fn held_tokens(grant: TokenGrant) -> HeldTokens {
    let claims = jwt_claims(&grant.token);
    let times = GrantTimes {
        expires_in_s: grant.expires_in,
        expires_at_ms: grant.expires_at.as_deref().and_then(parse_time_ms).or(claims.map(|c| c.exp * 1000.0)),
        issued_at_ms: claims.and_then(|c| c.iat).map(|iat| iat * 1000.0),
        refreshable: grant.refresh_token.is_some(),
        refresh_expires_at_ms: grant.refresh_expires_at.as_deref().and_then(parse_time_ms),
    };
    HeldTokens {
        lifetimes: Lifetimes::of(&times, js_sys::Date::now()),
        token: grant.token,
        refresh_token: grant.refresh_token,
    }
}

/// The tab's monotonic clock, which the refresh policy runs on.
fn now() -> Millis {
    let ms = window().performance().map_or_else(js_sys::Date::now, |p| p.now());
    Millis(ms.max(0.0) as u64)
}

/// Whether a restore keeps the stored tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFate {
    Keep,
    Discard,
}

/// What the backend's answer to `GET /api/me` with a stored token means: a 401 ends the
/// session and the tokens with it; a network failure ends nothing on the server, so the
/// tokens are kept for the next load, but nobody is shown as signed in without the backend's
/// word.
pub fn after_restore(token: String, answer: Result<User, ApiError>) -> (Session, TokenFate) {
    match answer {
        Ok(user) => (Session::SignedIn(SignedIn { user, token }), TokenFate::Keep),
        Err(ApiError::Unauthenticated) => {
            (Session::SignedOut { notice: Some(EXPIRED_NOTICE.into()) }, TokenFate::Discard)
        }
        Err(error) => (Session::SignedOut { notice: Some(error.to_string()) }, TokenFate::Keep),
    }
}

fn local_storage() -> Option<Storage> {
    window().local_storage().ok().flatten()
}

fn session_storage() -> Option<Storage> {
    window().session_storage().ok().flatten()
}

/// The tokens saved for this browser, in either storage. A bare token (saved before tokens
/// were refreshed) is read with its JWT's `exp` as its end.
/// With them, whether they were kept across browser restarts (found in localStorage).
fn saved_tokens() -> Option<(SavedTokens, bool)> {
    [(local_storage(), true), (session_storage(), false)]
        .into_iter()
        .filter_map(|(storage, remembered)| Some((storage?.get_item(TOKEN_KEY).ok()??, remembered)))
        .find_map(|(saved, remembered)| Some((read_saved_tokens(&saved)?, remembered)))
}

/// The saved form of the tokens: JSON, or a bare token from an older version.
pub fn read_saved_tokens(saved: &str) -> Option<SavedTokens> {
    if saved.trim_start().starts_with('{') {
        return serde_json::from_str(saved).ok();
    }
    Some(SavedTokens {
        token: saved.to_owned(),
        refresh_token: None,
        access_until_ms: jwt_claims(saved).map(|claims| claims.exp * 1000.0),
        refresh_until_ms: None,
    })
}

/// Keeps the tokens for the next load: across browser restarts when `remember`, else for the
/// tab's session. A browser that refuses storage (private mode quotas) still gets a session
/// for this page's life.
fn keep_tokens(tokens: &SavedTokens, remember: bool) {
    let Ok(json) = serde_json::to_string(tokens) else { return };
    let (keep, other) =
        if remember { (local_storage(), session_storage()) } else { (session_storage(), local_storage()) };
    if let Some(other) = other {
        let _ = other.remove_item(TOKEN_KEY);
    }
    if let Some(storage) = keep {
        let _ = storage.set_item(TOKEN_KEY, &json);
    }
}

fn clear_tokens() {
    for storage in [local_storage(), session_storage()].into_iter().flatten() {
        let _ = storage.remove_item(TOKEN_KEY);
    }
}

/// The claims of a JWT the app reads: `exp` and `iat`, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct JwtClaims {
    pub exp: f64,
    #[serde(default)]
    pub iat: Option<f64>,
}

/// A JWT's `exp` and `iat`; `None` for a token that is not a JWT. The signature is not
/// checked: the backend does that, the app only plans its refreshes.
pub fn jwt_claims(token: &str) -> Option<JwtClaims> {
    let payload = token.split('.').nth(1)?;
    // base64url → base64, which the browser's atob decodes.
    let mut base64: String = payload
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !base64.len().is_multiple_of(4) {
        base64.push('=');
    }
    let json = window().atob(&base64).ok()?;
    serde_json::from_str::<JwtClaims>(&json).ok()
}

fn parse_time_ms(rfc3339: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(rfc3339);
    (!ms.is_nan()).then_some(ms)
}
