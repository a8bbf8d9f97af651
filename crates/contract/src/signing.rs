//! Pusher's two signatures, both HMAC-SHA256 with the app secret: a channel auth signature
//! (`socket_id:channel_name`) lets one socket join one private channel; an HTTP API signature
//! (method, path and sorted query, with the body's MD5) lets a server publish.
//!
//! Checked against the worked examples in Pusher's documentation, and against
//! `tests/signing_vectors.json`, which `bench/publisher.ts` (the bench's TypeScript publisher)
//! is checked against too (`e2e/signing.spec.ts`).

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;

/// An app's credentials, as the Pusher server knows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub app_id: String,
    pub key: String,
    pub secret: String,
}

/// The `auth` value of a `/broadcasting/auth` answer for a private channel:
/// `key:hex(hmac_sha256(secret, "socket_id:channel_name"))`.
pub fn channel_auth(key: &str, secret: &str, socket_id: &str, channel_name: &str) -> String {
    let signature = hmac_sha256_hex(secret, format!("{socket_id}:{channel_name}").as_bytes());
    format!("{key}:{signature}")
}

/// Whether `socket_id` looks like one Pusher servers hand out: two runs of digits joined by a
/// dot (`123.456`). Anything else is refused before signing, as Pusher's server libraries do.
pub fn is_valid_socket_id(socket_id: &str) -> bool {
    match socket_id.split_once('.') {
        Some((left, right)) => is_digits(left) && is_digits(right),
        None => false,
    }
}

/// Whether `name` is a channel name the Pusher protocol allows: 1 to 200 characters from
/// `A-Z a-z 0-9 _ - = @ , . ;`.
pub fn is_valid_channel_name(name: &str) -> bool {
    (1..=200).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-=@,.;".contains(&b))
}

/// The query parameters of a signed HTTP API request: `params`, plus `auth_key`,
/// `auth_timestamp`, `auth_version`, `body_md5` when there is a body, and `auth_signature`
/// over all of them (sorted by key, not URL-escaped).
pub fn signed_query(
    credentials: &Credentials,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    timestamp: u64,
    params: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut query: BTreeMap<String, String> =
        params.iter().map(|(key, value)| (key.to_lowercase(), value.clone())).collect();
    query.insert("auth_key".into(), credentials.key.clone());
    query.insert("auth_timestamp".into(), timestamp.to_string());
    query.insert("auth_version".into(), "1.0".into());
    if let Some(body) = body.filter(|body| !body.is_empty()) {
        query.insert("body_md5".into(), hex::encode(Md5::digest(body)));
    }
    let signature = request_signature(&credentials.secret, method, path, &query);
    query.insert("auth_signature".into(), signature);
    query
}

/// `hex(hmac_sha256(secret, "METHOD\npath\nk1=v1&k2=v2"))` with the query sorted by key.
/// `query` must not contain `auth_signature`.
pub fn request_signature(secret: &str, method: &str, path: &str, query: &BTreeMap<String, String>) -> String {
    let query: Vec<String> = query.iter().map(|(key, value)| format!("{key}={value}")).collect();
    let to_sign = format!("{}\n{path}\n{}", method.to_uppercase(), query.join("&"));
    hmac_sha256_hex(secret, to_sign.as_bytes())
}

fn hmac_sha256_hex(secret: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::signing::{
        Credentials, channel_auth, is_valid_channel_name, is_valid_socket_id, signed_query,
    };

    /// The worked example in Pusher's "Authentication and authorization signatures" docs.
    #[test]
    fn channel_auth_matches_pushers_worked_example() {
        assert_eq!(
            channel_auth("278d425bdf160c739803", "7ad3773142a6692b25b8", "1234.1234", "private-foobar"),
            "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
        );
    }

    #[test]
    fn a_get_has_no_body_md5_and_signs_its_own_parameters() {
        let credentials = Credentials { app_id: "3".into(), key: "k".into(), secret: "s".into() };
        let params = BTreeMap::from([("filter_by_prefix".to_owned(), "private-".to_owned())]);
        let query = signed_query(&credentials, "GET", "/apps/3/channels", None, 1, &params);
        assert!(!query.contains_key("body_md5"));
        assert_eq!(query["filter_by_prefix"], "private-");
        let unsigned = signed_query(&credentials, "GET", "/apps/3/channels", None, 1, &BTreeMap::new());
        assert_ne!(query["auth_signature"], unsigned["auth_signature"]);
    }

    #[test]
    fn socket_ids_and_channel_names_are_checked_as_pusher_does() {
        for good in ["123.456", "1.2", "0.0"] {
            assert!(is_valid_socket_id(good), "{good}");
        }
        for bad in ["", "123", "123.", ".456", "1.2.3", "12a.3", " 1.2", "1.2\n"] {
            assert!(!is_valid_socket_id(bad), "{bad:?}");
        }
        for good in ["private-user.1", "private-system.admin", "a_b-c=d@e,f.g;h"] {
            assert!(is_valid_channel_name(good), "{good}");
        }
        for bad in ["", "private user", "private-user.1\n", "kanal-ü", &"x".repeat(201)] {
            assert!(!is_valid_channel_name(bad), "{bad:?}");
        }
    }
}
