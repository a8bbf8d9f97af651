//! The Rust signer against `signing_vectors.json`, the vectors `bench/publisher.ts` is held to
//! as well (`e2e/signing.spec.ts`): both sign Sockudo's HTTP API requests, and must agree.

use std::collections::BTreeMap;

use herald_contract::signing::{Credentials, signed_query};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vector {
    about: String,
    app: App,
    method: String,
    path: String,
    body: String,
    timestamp: u64,
    /// The whole signed query, `auth_signature` included.
    query: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct App {
    id: String,
    key: String,
    secret: String,
}

#[test]
fn the_signer_gives_the_pinned_vectors() {
    let vectors: Vec<Vector> = serde_json::from_str(include_str!("signing_vectors.json")).unwrap();
    assert!(vectors.len() >= 2);
    for vector in vectors {
        let credentials =
            Credentials { app_id: vector.app.id, key: vector.app.key, secret: vector.app.secret };
        let body = Some(vector.body.as_bytes()).filter(|body| !body.is_empty());
        let query = signed_query(
            &credentials,
            &vector.method,
            &vector.path,
            body,
            vector.timestamp,
            &BTreeMap::new(),
        );
        assert_eq!(query, vector.query, "{}", vector.about);
    }
}
