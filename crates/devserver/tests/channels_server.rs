//! The Django Channels server (`channels_server/`) enforces Herald's rules. It runs for real:
//! Daphne from the virtualenv `cargo xtask test` makes, in front of this crate's router served
//! in-process, which it asks `GET /api/me` and which publishes to it (`--channels-url`).
//!
//! `HERALD_DAPHNE_BIN` names Daphne; without it, the test looks where xtask puts it
//! (`herald-teststack`'s [`Daphne`]). Every test starts its own Daphne and backend on free
//! ports; Daphne is killed when the test ends, its output printed when the test failed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use futures_util::{SinkExt, StreamExt};
use herald_devserver::store::Location;
use herald_devserver::tokens::Tokens;
use herald_devserver::{AppState, Clock, Config, router};
use herald_teststack::{Daphne, DaphneSettings};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A bound on any one wait: generous for a loaded 2-core machine, never reached when things work.
const LIMIT: Duration = Duration::from_secs(10);
/// The devserver's default; Daphne is given the same.
const JWT_SECRET: &str = "herald-dev-jwt-secret";
const BROADCAST_SECRET: &str = "test-broadcast-secret";

/// `POST /broadcast` with `secret` (none: no header); the status and JSON body.
async fn broadcast(daphne: &Daphne, secret: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/broadcast", daphne.http_url()))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(secret) = secret {
        request = request.header("X-Broadcast-Secret", secret);
    }
    let response = request.send().await.expect("Daphne answers /broadcast");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Daphne asking the backend at `api_url` about tokens, with this file's secrets.
async fn start_daphne(api_url: &str) -> Daphne {
    Daphne::start(&DaphneSettings { api_url, jwt_secret: JWT_SECRET, broadcast_secret: BROADCAST_SECRET })
        .await
}

/// Serves `router` on a free loopback port until the test ends; returns its base URL.
async fn serve(listener: tokio::net::TcpListener, router: Router) -> String {
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// The demo backend (in-process, in memory, Sockudo faked) and Daphne in front of it.
struct Stack {
    state: AppState,
    api_url: String,
    daphne: Daphne,
}

impl Stack {
    async fn start() -> Stack {
        // Sockudo is not what this tests: a stand-in that accepts every publish.
        let sockudo = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sockudo_url = serve(sockudo, Router::new().fallback(|| async { "{}" })).await;
        // The backend's port first: Daphne must know it, and the backend must know Daphne's.
        let backend = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api_url = format!("http://{}", backend.local_addr().unwrap());
        let daphne = start_daphne(&api_url).await;
        let config = Config {
            pusher_url: sockudo_url.parse().unwrap(),
            channels_url: Some(daphne.http_url().parse().unwrap()),
            channels_secret: BROADCAST_SECRET.to_owned(),
            data: Location::Memory,
            log_requests: false,
            ..Config::default()
        };
        let state = AppState::new(config).expect("an in-memory database opens");
        serve(backend, router(state.clone())).await;
        Stack { state, api_url, daphne }
    }

    fn token_for(&self, user_id: u64) -> String {
        let generation =
            self.state.store().account(user_id).unwrap().map_or(0, |account| account.token_generation);
        self.state.tokens().issue(user_id, generation, None).token
    }

    async fn connect(&self, token: Option<&str>) -> Client {
        Client::connect(&self.daphne.ws_url(token)).await
    }

    /// `GET /api/dev/channels?filter_by_prefix=private-`: the channels with subscribers.
    async fn dev_channels(&self) -> Value {
        let url = format!("{}/api/dev/channels?filter_by_prefix=private-", self.api_url);
        let response = reqwest::get(url).await.expect("the backend answers");
        assert!(response.status().is_success(), "GET /api/dev/channels: {}", response.status());
        response.json().await.unwrap()
    }

    /// Polls `GET /api/dev/channels` until the occupied channels are `expected`.
    async fn until_dev_channels_are(&self, expected: &[&str]) {
        let poll = async {
            loop {
                let occupied = self.dev_channels().await;
                if occupied["channels"].as_object().unwrap().keys().eq(expected.iter().copied()) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(LIMIT, poll)
            .await
            .unwrap_or_else(|_| panic!("the channels never became {expected:?}"));
    }

    /// `POST /api/dev/events`, as the e2e tests fire events; returns the answer's event ids.
    async fn fire(&self, request: Value) -> Vec<String> {
        let answer = herald_teststack::fire(&reqwest::Client::new(), &self.api_url, request).await;
        answer["ids"].as_array().unwrap().iter().map(|id| id.as_str().unwrap().to_owned()).collect()
    }
}

/// What a client got next.
#[derive(Debug, PartialEq)]
enum Incoming {
    Frame(Value),
    /// The close code the server sent.
    Closed(u16),
}

/// A WebSocket client speaking the app's protocol.
struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    async fn connect(url: &str) -> Client {
        let connect = tokio_tungstenite::connect_async(url);
        let (ws, _) = tokio::time::timeout(LIMIT, connect)
            .await
            .expect("the handshake finishes in time")
            .expect("Daphne accepts the WebSocket");
        Client { ws }
    }

    /// Closes normally and waits for the server's answering close.
    async fn close(mut self) {
        self.ws.close(None).await.expect("the close frame is sent");
        while let Ok(Some(Ok(_))) = tokio::time::timeout(LIMIT, self.ws.next()).await {}
    }

    async fn send(&mut self, message: Message) {
        self.ws.send(message).await.expect("the frame is sent");
    }

    async fn send_json(&mut self, value: Value) {
        self.send(Message::text(value.to_string())).await;
    }

    async fn next(&mut self) -> Incoming {
        loop {
            let message =
                tokio::time::timeout(LIMIT, self.ws.next()).await.expect("a frame or a close in time");
            match message {
                Some(Ok(Message::Text(text))) => {
                    return Incoming::Frame(serde_json::from_str(text.as_str()).expect("frames are JSON"));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Incoming::Closed(frame.map_or(1005, |f| u16::from(f.code)));
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => panic!("the connection failed without a close frame: {error}"),
                None => panic!("the connection ended without a close frame"),
            }
        }
    }

    async fn expect_frame(&mut self) -> Value {
        match self.next().await {
            Incoming::Frame(frame) => frame,
            closed => panic!("expected a frame, got {closed:?}"),
        }
    }

    async fn subscribe(&mut self, channels: &[&str]) -> Incoming {
        self.send_json(json!({"type": "subscribe", "channels": channels})).await;
        self.next().await
    }
}

fn subscribed(channels: &[&str]) -> Incoming {
    Incoming::Frame(json!({"type": "subscribed", "channels": channels}))
}

/// The same table as the devserver's own `channels::tests::who_may_join_which_channel`:
/// for each channel, the seeded users (1 Ada the system admin, 2 Olive of Acme, 3 Gus of
/// Globex, 4 Uma of Acme, 5 Ian of pending Initech) who may join it. A name the servers do
/// not know is refused with 4004 whoever asks; a known channel outside a person's scope, 4003.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_subscribe_to_which_channel_is_decided_as_the_devserver_decides() {
    let stack = Stack::start().await;
    let known: &[(&str, &[u64])] = &[
        ("private-user.1", &[1]),
        ("private-user.4", &[4]),
        ("private-tenant.1", &[2, 4]),
        ("private-tenant.2", &[3]),
        ("private-tenant.3", &[5]),
        ("private-tenant.4", &[]),
        ("private-system.admin", &[1]),
    ];
    let unknown = [
        "tenant.1",
        "presence-tenant.1",
        "private-user.04",
        "private-user.",
        "private-user.1.extra",
        "private-system.admins",
        "private-encrypted-user.1",
    ];
    for user in 1..=5 {
        let token = stack.token_for(user);
        for (channel, admitted) in known {
            let mut client = stack.connect(Some(&token)).await;
            let expected =
                if admitted.contains(&user) { subscribed(&[channel]) } else { Incoming::Closed(4003) };
            assert_eq!(client.subscribe(&[channel]).await, expected, "user {user} asking for {channel}");
        }
        for channel in unknown {
            let mut client = stack.connect(Some(&token)).await;
            assert_eq!(client.subscribe(&[channel]).await, Incoming::Closed(4004), "user {user}: {channel}");
        }
    }
    // All or nothing: one channel outside the scope refuses the lot.
    let mut client = stack.connect(Some(&stack.token_for(2))).await;
    assert_eq!(client.subscribe(&["private-tenant.1", "private-user.4"]).await, Incoming::Closed(4003));
    let mut client = stack.connect(Some(&stack.token_for(2))).await;
    let own = ["private-tenant.1", "private-user.2"];
    assert_eq!(client.subscribe(&own).await, subscribed(&own));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_missing_forged_expired_or_revoked_are_closed_with_4001_after_the_handshake() {
    let stack = Stack::start().await;
    let Refused { expired, forged, revoked } = Refused::for_user_4(&stack).await;
    let tokens =
        [None, Some(""), Some("not.a.jwt"), Some(&expired[..]), Some(&forged[..]), Some(&revoked[..])];
    for token in tokens {
        // The handshake succeeds (a close before it would reach a browser as 1006, without a
        // code); the close with the code follows at once.
        let mut client = stack.connect(token).await;
        assert_eq!(client.next().await, Incoming::Closed(4001), "token {token:?}");
    }
    let log = stack.daphne.log();
    for token in [&expired, &forged, &revoked] {
        assert!(!log.contains(token.as_str()), "a token is in Daphne's output:\n{log}");
    }
}

/// The app reconnects with a fresh token before `exp`; a connection that outlives its token
/// is closed as the server would refuse it on connecting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_is_closed_with_4001_when_its_token_expires() {
    let stack = Stack::start().await;
    let short = Tokens::new(JWT_SECRET, Duration::from_secs(2), Clock::system()).issue(4, 0, None);
    let mut client = stack.connect(Some(&short.token)).await;
    assert_eq!(client.subscribe(&["private-user.4"]).await, subscribed(&["private-user.4"]));
    assert_eq!(client.next().await, Incoming::Closed(4001));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let expires = short.expires_at.duration_since(UNIX_EPOCH).unwrap();
    assert!(now >= expires, "closed at {now:?}, before the token's exp {expires:?}");
}

/// The app refreshes its session without reconnecting: an `authenticate` frame with the new
/// token moves the connection's expiry to the new token's `exp`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authenticate_frame_moves_the_connections_expiry_to_the_new_tokens() {
    let stack = Stack::start().await;
    // Whole seconds: a 3-second token lives 2 to 3 seconds.
    let first = Tokens::new(JWT_SECRET, Duration::from_secs(3), Clock::system()).issue(4, 0, None);
    let mut refreshed = stack.connect(Some(&first.token)).await;
    assert_eq!(refreshed.subscribe(&["private-user.4"]).await, subscribed(&["private-user.4"]));
    // A witness on the same token that is not refreshed: its close says the first `exp` came.
    let mut witness = stack.connect(Some(&first.token)).await;
    assert_eq!(witness.subscribe(&["private-user.4"]).await, subscribed(&["private-user.4"]));

    let second = Tokens::new(JWT_SECRET, Duration::from_secs(6), Clock::system()).issue(4, 0, None);
    refreshed.send_json(json!({"type": "authenticate", "token": second.token})).await;
    assert_eq!(refreshed.expect_frame().await, json!({"type": "authenticated"}));

    assert_eq!(witness.next().await, Incoming::Closed(4001));
    // Past the first token's exp the refreshed connection is open and still subscribed.
    let fired = stack.fire(json!({"event": "PasswordChanged", "user_id": 4})).await;
    let event = refreshed.expect_frame().await;
    assert_eq!((&event["type"], &event["data"]["id"]), (&json!("PasswordChanged"), &json!(fired[0])));
    // The second token's exp closes it.
    assert_eq!(refreshed.next().await, Incoming::Closed(4001));
    let now = SystemTime::now();
    assert!(
        now >= second.expires_at,
        "closed at {now:?}, before the new token's exp {:?}",
        second.expires_at
    );
    assert!(!stack.daphne.log().contains(&second.token), "a token is in Daphne's output");
}

/// A token in an `authenticate` frame is checked as at connect, and must be the same
/// person's: anything else closes the connection with 4001, before any answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authenticate_frame_with_a_refused_or_foreign_token_closes_with_4001() {
    let stack = Stack::start().await;
    let Refused { expired, forged, revoked } = Refused::for_user_4(&stack).await;
    let someone_else = stack.token_for(2);
    let frames = [
        json!({"type": "authenticate"}),
        json!({"type": "authenticate", "token": ""}),
        json!({"type": "authenticate", "token": 4}),
        json!({"type": "authenticate", "token": "not.a.jwt"}),
        json!({"type": "authenticate", "token": expired}),
        json!({"type": "authenticate", "token": forged}),
        json!({"type": "authenticate", "token": revoked}),
        json!({"type": "authenticate", "token": someone_else}),
    ];
    for frame in frames {
        let mut client = stack.connect(Some(&stack.token_for(4))).await;
        assert_eq!(client.subscribe(&["private-user.4"]).await, subscribed(&["private-user.4"]));
        client.send_json(frame.clone()).await;
        assert_eq!(client.next().await, Incoming::Closed(4001), "{frame}");
    }
    let log = stack.daphne.log();
    for token in [&expired, &forged, &revoked, &someone_else] {
        assert!(!log.contains(token.as_str()), "a token is in Daphne's output:\n{log}");
    }
}

/// The whole round as the app makes it: sign in, connect, refresh with the backend, hand the
/// connection the new token. Logging out with it revokes the sign-in, so the first token is
/// refused in band too, although its `exp` is still ahead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_from_a_refresh_is_taken_in_band_and_logout_revokes_the_sign_in() {
    let stack = Stack::start().await;
    let http = reqwest::Client::new();
    let post = async |path: &str, body: Value| -> Value {
        let answer = http.post(format!("{}{path}", stack.api_url)).json(&body).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), 200, "{path}");
        answer.json().await.unwrap()
    };
    let signed_in = post("/api/login", json!({"email": "user@acme.test", "password": "password"})).await;
    let first = signed_in["token"].as_str().unwrap();
    let mut client = stack.connect(Some(first)).await;
    assert_eq!(client.subscribe(&["private-user.4"]).await, subscribed(&["private-user.4"]));
    let refreshed = post("/api/refresh", json!({"refresh_token": signed_in["refresh_token"]})).await;
    let second = refreshed["token"].as_str().unwrap();
    client.send_json(json!({"type": "authenticate", "token": second})).await;
    assert_eq!(client.expect_frame().await, json!({"type": "authenticated"}));
    client.send_json(json!({"type": "ping"})).await;
    assert_eq!(client.expect_frame().await, json!({"type": "pong"}));

    let logout = http.post(format!("{}/api/logout", stack.api_url)).bearer_auth(second).send().await.unwrap();
    assert_eq!(logout.status().as_u16(), 204);
    client.send_json(json!({"type": "authenticate", "token": first})).await;
    assert_eq!(client.next().await, Incoming::Closed(4001));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_exactly_the_connections_subscribed_to_their_channel() {
    let stack = Stack::start().await;
    let mut olive = stack.connect(Some(&stack.token_for(2))).await;
    let olives = ["private-tenant.1", "private-user.2"];
    assert_eq!(olive.subscribe(&olives).await, subscribed(&olives));
    let mut gus = stack.connect(Some(&stack.token_for(3))).await;
    let guss = ["private-tenant.2", "private-user.3"];
    assert_eq!(gus.subscribe(&guss).await, subscribed(&guss));

    // The backend's dev route lists the Channels server's subscriptions, as it lists
    // Sockudo's without one: tests wait for a subscription the same way on either transport.
    let occupied = stack.dev_channels().await;
    assert_eq!(
        occupied,
        json!({"channels": {
            "private-tenant.1": {"subscription_count": 1}, "private-tenant.2": {"subscription_count": 1},
            "private-user.2": {"subscription_count": 1}, "private-user.3": {"subscription_count": 1},
        }})
    );

    // Through the backend's dev route, as the e2e tests fire events.
    let acme = stack.fire(json!({"event": "UserCreated", "tenant_id": 1})).await;
    let globex = stack.fire(json!({"event": "PaymentCompleted", "tenant_id": 2})).await;
    let event = olive.expect_frame().await;
    assert_eq!(event["type"], "UserCreated", "the short name: {event}");
    assert_eq!(event["channel"], "private-tenant.1");
    assert_eq!(event["data"]["id"], acme[0].as_str());
    assert!(event["data"]["user"]["name"].is_string(), "the payload as an object: {event}");
    assert!(event["data"]["occurred_at"].is_string());
    // Gus's first event is Globex's: Acme's never reached him.
    let event = gus.expect_frame().await;
    assert_eq!((&event["type"], &event["channel"]), (&json!("PaymentCompleted"), &json!("private-tenant.2")));
    assert_eq!(event["data"]["id"], globex[0].as_str());

    // Through a real change: the backend broadcasts what it records.
    let answer = reqwest::Client::new()
        .patch(format!("{}/api/me", stack.api_url))
        .bearer_auth(stack.token_for(2))
        .json(&json!({"name": "Olive Renamed"}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.text().await.unwrap());
    let mut heard = Vec::new();
    for _ in 0..2 {
        let event = olive.expect_frame().await;
        heard.push(format!("{} on {}", event["type"].as_str().unwrap(), event["channel"].as_str().unwrap()));
    }
    heard.sort();
    assert_eq!(heard, ["ProfileUpdated on private-user.2", "UserUpdated on private-tenant.1"]);

    // Straight to /broadcast, a batch with both name forms; after unsubscribing, nothing more.
    olive.send_json(json!({"type": "unsubscribe", "channels": ["private-tenant.1"]})).await;
    assert_eq!(olive.expect_frame().await, json!({"type": "unsubscribed", "channels": ["private-tenant.1"]}));
    gus.close().await;
    // The server forgets a connection once it has handled the close, a moment after answering it.
    stack.until_dev_channels_are(&["private-user.2"]).await;
    let batch = json!({"events": [
        {"channel": "private-tenant.1", "event": "App\\Events\\UserDeleted", "data": {"id": "a"}},
        {"channel": "private-user.2", "event": "PasswordChanged", "data": "{\"id\":\"b\",\"user_id\":2}"},
    ]});
    let (status, body) = broadcast(&stack.daphne, Some(BROADCAST_SECRET), &batch.to_string()).await;
    assert_eq!((status, body), (200, json!({"published": 2})));
    assert_eq!(
        olive.expect_frame().await,
        json!({"type": "PasswordChanged", "channel": "private-user.2", "data": {"id": "b", "user_id": 2}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_are_answered_and_bad_messages_reported_without_closing() {
    let stack = Stack::start().await;
    let mut client = stack.connect(Some(&stack.token_for(4))).await;
    client.send_json(json!({"type": "ping"})).await;
    assert_eq!(client.expect_frame().await, json!({"type": "pong"}));
    let bad = [
        Message::text("not json"),
        Message::text("[1, 2]"),
        Message::text(r#"{"channels": []}"#),
        Message::text(r#"{"type": "dance"}"#),
        Message::text(r#"{"type": "subscribe", "channels": "private-user.4"}"#),
        Message::text(r#"{"type": "subscribe", "channels": [4]}"#),
        Message::binary(vec![1, 2, 3]),
    ];
    for message in bad {
        client.send(message.clone()).await;
        let frame = client.expect_frame().await;
        assert_eq!(frame["type"], "error", "{message:?} → {frame}");
        assert!(frame["message"].as_str().is_some_and(|text| !text.is_empty()), "{frame}");
    }
    // Still open, still answering.
    client.send_json(json!({"type": "ping"})).await;
    assert_eq!(client.expect_frame().await, json!({"type": "pong"}));
    assert_eq!(client.subscribe(&["private-user.4"]).await, subscribed(&["private-user.4"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_wants_the_secret_and_a_well_formed_body() {
    let stack = Stack::start().await;
    let event =
        json!({"channel": "private-tenant.1", "event": "UserCreated", "data": {"id": "x"}}).to_string();
    let unauthenticated = json!({"message": "Unauthenticated."});
    assert_eq!(broadcast(&stack.daphne, None, &event).await, (401, unauthenticated.clone()));
    assert_eq!(broadcast(&stack.daphne, Some("guess"), &event).await, (401, unauthenticated));
    assert_eq!(
        broadcast(&stack.daphne, Some(BROADCAST_SECRET), &event).await,
        (200, json!({"published": 1}))
    );
    for (body, field) in [
        ("not json", "body"),
        ("[]", "body"),
        (r#"{"channel": "tenant.1", "event": "UserCreated", "data": {}}"#, "channel"),
        (r#"{"channel": "private-tenant.1", "event": "pong", "data": {}}"#, "event"),
        (r#"{"channel": "private-tenant.1", "event": "UserCreated", "data": [1]}"#, "data"),
        (r#"{"channel": "private-tenant.1", "event": "UserCreated", "data": "not json"}"#, "data"),
        (r#"{"events": []}"#, "events"),
        (r#"{"events": [{"channel": "private-user.1", "event": "X", "data": {}}, 7]}"#, "events.1"),
    ] {
        let (status, answer) = broadcast(&stack.daphne, Some(BROADCAST_SECRET), body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(answer["errors"].get(field).is_some(), "{body}: errors for {field} in {answer}");
        assert!(answer["message"].is_string(), "{answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_that_cannot_be_asked_closes_with_4000() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let daphne = start_daphne(&format!("http://{closed}")).await;
    let token = Tokens::new(JWT_SECRET, Duration::from_secs(3600), Clock::system()).issue(4, 0, None).token;
    let mut client = Client::connect(&daphne.ws_url(Some(&token))).await;
    assert_eq!(client.next().await, Incoming::Closed(4000));
}

/// User 4's tokens the servers refuse: one expired an hour ago, one signed with another
/// secret, and one revoked by logout.
struct Refused {
    expired: String,
    forged: String,
    revoked: String,
}

impl Refused {
    async fn for_user_4(stack: &Stack) -> Refused {
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        let expired = Tokens::new(JWT_SECRET, Duration::from_secs(60), Clock::manual(an_hour_ago))
            .issue(4, 0, None)
            .token;
        let forged =
            Tokens::new("not-the-secret", Duration::from_secs(3600), Clock::system()).issue(4, 0, None).token;
        let revoked = stack.token_for(4);
        let logout = reqwest::Client::new()
            .post(format!("{}/api/logout", stack.api_url))
            .bearer_auth(&revoked)
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status().as_u16(), 204);
        Refused { expired, forged, revoked }
    }
}
