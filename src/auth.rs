//! The auth store: who is signed in, restored on refresh, ended on expiry, sign-out or any
//! 401. Everything else follows its [`Session`]: the routes, the channels the socket
//! carries, whose notifications are shown.
//!
//! Consumers get the session read-only and the commands below; only this module writes it.
//!
//! The auth stores of one browser's tabs keep one session (`herald_client::SessionNews`, over
//! a `BroadcastChannel`): signing in, signing out, expiry and suspension in one tab apply in
//! every tab that is open. Whether a tab opened later finds the session is still the person's
//! "keep me signed in": the token is kept in localStorage, or in the tab's sessionStorage.

use herald_client::{SessionNews, SessionStep};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BroadcastChannel, MessageEvent, Storage};

use crate::api::{Api, ApiError, User};

/// Where the token is kept, under one key, in one of the two storages.
const TOKEN_KEY: &str = "herald.token";

/// The channel the tabs' auth stores talk over.
const SESSION_CHANNEL: &str = "herald.session";

/// What the login page says after a session ran out.
pub const EXPIRED_NOTICE: &str = "Your session expired. Please sign in again.";

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
    pub token: String,
    /// When the token stops working, in milliseconds since the Unix epoch, from the JWT's
    /// `exp` or the login's `expires_at`.
    pub expires_at_ms: Option<f64>,
}

/// The auth store. `Copy`, so any component can hold it.
#[derive(Clone, Copy)]
pub struct Auth {
    session: RwSignal<Session>,
    api: StoredValue<Api>,
    expiry_timer: StoredValue<Option<TimeoutHandle>>,
    /// The channel to the other tabs' auth stores; `None` where the browser has none.
    siblings: StoredValue<Option<Siblings>, LocalStorage>,
}

struct Siblings {
    channel: BroadcastChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Auth {
    /// Creates the store, provides it as context and starts restoring a stored session.
    pub fn provide(api: Api) -> Auth {
        let auth = Auth {
            session: RwSignal::new(Session::Restoring),
            api: StoredValue::new(api),
            expiry_timer: StoredValue::new(None),
            siblings: StoredValue::new_local(None),
        };
        provide_context(auth);
        auth.siblings.set_value(auth.open_siblings());
        on_cleanup(move || {
            if let Some(siblings) = auth.siblings.try_update_value(Option::take).flatten() {
                siblings.channel.set_onmessage(None);
                siblings.channel.close();
            }
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
        match news.step(self.token().as_deref()) {
            SessionStep::Adopt { user, token, expires_at_ms, remember } => {
                keep_token(&token, remember);
                self.start(SignedIn { user, token, expires_at_ms });
            }
            SessionStep::Update { user } => {
                let changed = matches!(&*self.session.read_untracked(), Session::SignedIn(signed_in) if signed_in.user != user);
                if changed {
                    self.session.update(|session| {
                        if let Session::SignedIn(signed_in) = session {
                            signed_in.user = user;
                        }
                    });
                }
            }
            SessionStep::End { notice } => self.end(notice, false),
            SessionStep::Nothing => {}
        }
    }

    /// This tab's session as news for the others.
    fn news(&self) -> Option<SessionNews> {
        match &*self.session.read_untracked() {
            Session::SignedIn(signed_in) => Some(SessionNews::SignedIn {
                user: signed_in.user.clone(),
                token: signed_in.token.clone(),
                expires_at_ms: signed_in.expires_at_ms,
                remember: local_storage()
                    .and_then(|storage| storage.get_item(TOKEN_KEY).ok().flatten())
                    .is_some_and(|stored| stored == signed_in.token),
            }),
            _ => None,
        }
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

    /// Signs in with the backend; `remember` keeps the token across browser restarts.
    pub async fn sign_in(&self, email: String, password: String, remember: bool) -> Result<(), ApiError> {
        let api = self.api.get_value();
        let login = api.login(&email, &password).await?;
        keep_token(&login.token, remember);
        let expires_at_ms =
            jwt_expiry_ms(&login.token).or_else(|| login.expires_at.as_deref().and_then(parse_time_ms));
        self.start(SignedIn { user: login.user, token: login.token, expires_at_ms });
        if let Some(news) = self.news() {
            self.tell(&news);
        }
        Ok(())
    }

    /// Signs out: tells the backend (so the token stops working) but signs out locally at
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
        let changed = matches!(
            &*self.session.read_untracked(),
            Session::SignedIn(signed_in)
                if (!name.is_empty() && signed_in.user.name != name) || (!email.is_empty() && signed_in.user.email != email)
        );
        if !changed {
            return;
        }
        self.session.update(|session| {
            if let Session::SignedIn(signed_in) = session {
                if !name.is_empty() {
                    signed_in.user.name = name.to_owned();
                }
                if !email.is_empty() {
                    signed_in.user.email = email.to_owned();
                }
            }
        });
        if let Some(news) = self.news() {
            self.tell(&news);
        }
    }

    /// Ends the session without asking the backend, because it is already over there: a
    /// 401, an expired token, a suspended account. `notice` is shown on the login page.
    pub fn end_session(&self, notice: impl Into<String>) {
        if matches!(*self.session.read_untracked(), Session::SignedIn(_)) {
            self.end(Some(notice.into()), true);
        }
    }

    fn restore(&self) {
        let Some(token) = stored_token() else {
            self.session.set(Session::SignedOut { notice: None });
            return;
        };
        let this = *self;
        let api = self.api.get_value();
        spawn_local(async move {
            let answer = api.me(&token).await;
            let (session, token_fate) = after_restore(token, answer);
            if token_fate == TokenFate::Discard {
                clear_token();
            }
            match session {
                Session::SignedIn(signed_in) => this.start(signed_in),
                other => this.session.set(other),
            }
        });
    }

    fn start(&self, signed_in: SignedIn) {
        self.clear_expiry_timer();
        if let Some(expires_at_ms) = signed_in.expires_at_ms {
            let this = *self;
            let handle = set_timeout_with_handle(
                move || {
                    if js_sys::Date::now() >= expires_at_ms {
                        this.end_session(EXPIRED_NOTICE);
                    }
                },
                std::time::Duration::from_millis(expiry_delay_ms(expires_at_ms, js_sys::Date::now())),
            )
            .ok();
            self.expiry_timer.set_value(handle);
        }
        self.session.set(Session::SignedIn(signed_in));
    }

    /// Ends the session here, and in the other tabs when `tell_siblings`.
    fn end(&self, notice: Option<String>, tell_siblings: bool) {
        self.clear_expiry_timer();
        clear_token();
        self.session.set(Session::SignedOut { notice: notice.clone() });
        if tell_siblings {
            self.tell(&SessionNews::SignedOut { notice });
        }
    }

    fn clear_expiry_timer(&self) {
        if let Some(handle) = self.expiry_timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    }
}

/// Whether a restore keeps the stored token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFate {
    Keep,
    Discard,
}

/// What the backend's answer to `GET /api/me` with a stored token means: a 401 ends the
/// session and the token with it; a network failure ends nothing on the server, so the token
/// is kept for the next load, but nobody is shown as signed in without the backend's word.
pub fn after_restore(token: String, answer: Result<User, ApiError>) -> (Session, TokenFate) {
    match answer {
        Ok(user) => {
            let expires_at_ms = jwt_expiry_ms(&token);
            (Session::SignedIn(SignedIn { user, token, expires_at_ms }), TokenFate::Keep)
        }
        Err(ApiError::Unauthenticated) => {
            (Session::SignedOut { notice: Some(EXPIRED_NOTICE.into()) }, TokenFate::Discard)
        }
        Err(error) => (Session::SignedOut { notice: Some(error.to_string()) }, TokenFate::Keep),
    }
}

/// How long to wait before checking a token that expires at `expires_at_ms`. setTimeout's
/// delay is a 32-bit number of milliseconds and a longer one fires at once, so a long-lived
/// token is checked at the longest delay possible and, not expired yet, left alone then.
pub fn expiry_delay_ms(expires_at_ms: f64, now_ms: f64) -> u64 {
    (expires_at_ms - now_ms).clamp(0.0, f64::from(i32::MAX)) as u64
}

fn local_storage() -> Option<Storage> {
    window().local_storage().ok().flatten()
}

fn session_storage() -> Option<Storage> {
    window().session_storage().ok().flatten()
}

fn stored_token() -> Option<String> {
    [local_storage(), session_storage()]
        .into_iter()
        .flatten()
        .find_map(|storage| storage.get_item(TOKEN_KEY).ok().flatten())
}

/// Keeps `token` for the next load: across browser restarts when `remember`, else for the
/// browser's session. A browser that refuses storage (private mode quotas) still gets a
/// session for this page's life.
fn keep_token(token: &str, remember: bool) {
    clear_token();
    if let Some(storage) = if remember { local_storage() } else { session_storage() } {
        let _ = storage.set_item(TOKEN_KEY, token);
    }
}

fn clear_token() {
    for storage in [local_storage(), session_storage()].into_iter().flatten() {
        let _ = storage.remove_item(TOKEN_KEY);
    }
}

/// The `exp` claim of a JWT, in milliseconds; `None` for a token that is not a JWT.
/// The signature is not checked: the backend does that, the app only plans its sign-out.
pub fn jwt_expiry_ms(token: &str) -> Option<f64> {
    #[derive(Deserialize)]
    struct Claims {
        exp: f64,
    }
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
    serde_json::from_str::<Claims>(&json).ok().map(|claims| claims.exp * 1000.0)
}

fn parse_time_ms(rfc3339: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(rfc3339);
    (!ms.is_nan()).then_some(ms)
}
