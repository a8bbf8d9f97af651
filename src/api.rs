//! Every HTTP request the app makes, with the backend's data types (the contract's records,
//! from `herald_contract`, and the requests' own). Errors come back as [`ApiError`], shaped
//! after what a Laravel backend sends.
//!
//! Invariant: no other module does HTTP.

use std::collections::BTreeMap;
use std::fmt;

use gloo_net::http::{Request, RequestBuilder, Response};
use herald_client::Page;
use herald_contract::Config;
use herald_protocol::AuthResult;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// The contract's records, as the requests below answer with them.
pub use herald_contract::{EventRecord, LoginAnswer, Role, Tenant, TenantId, TokenGrant, User, UserId};

/// Why a request failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 401: the token is missing, expired or revoked.
    Unauthenticated,
    /// 403, with the backend's message.
    Forbidden(String),
    /// 422: the backend's message and its errors per field.
    Validation { message: String, errors: BTreeMap<String, Vec<String>> },
    /// Any other status.
    Server { status: u16, message: String },
    /// The request never got an answer (backend down, network gone).
    Network(String),
    /// The answer was not what the contract says.
    Decode(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthenticated => write!(f, "Your session has ended. Please sign in again."),
            ApiError::Forbidden(message) => write!(f, "{message}"),
            ApiError::Validation { message, .. } => write!(f, "{message}"),
            ApiError::Server { status, message } if message.is_empty() => {
                write!(f, "The server answered with an error ({status}).")
            }
            ApiError::Server { message, .. } => write!(f, "{message}"),
            ApiError::Network(_) => {
                write!(f, "The server cannot be reached. Check your connection and try again.")
            }
            ApiError::Decode(detail) => write!(f, "The server sent an unexpected answer: {detail}"),
        }
    }
}

/// Laravel's error body.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct ChannelAuth {
    auth: String,
    #[serde(default)]
    channel_data: Option<String>,
}

/// The backend's HTTP API.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    config: Config,
}

impl Api {
    pub fn new(config: Config) -> Api {
        Api { config }
    }

    /// `remember`: the person asked to stay signed in, so the backend may keep the refresh
    /// token longer.
    pub async fn login(&self, email: &str, password: &str, remember: bool) -> Result<LoginAnswer, ApiError> {
        #[derive(Serialize)]
        struct Credentials<'a> {
            email: &'a str,
            password: &'a str,
            remember: bool,
        }
        let request = Request::post(&self.config.url("/api/login"))
            .header("Accept", "application/json")
            .json(&Credentials { email, password, remember })
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        decode(send(request).await?).await
    }

    /// `POST /api/refresh`: new tokens for the refresh token, which is spent.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenGrant, ApiError> {
        let request = Request::post(&self.config.url("/api/refresh"))
            .header("Accept", "application/json")
            .json(&herald_contract::RefreshRequest { refresh_token: refresh_token.to_owned() })
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        decode(send(request).await?).await
    }

    pub async fn me(&self, token: &str) -> Result<User, ApiError> {
        let request = authorized(Request::get(&self.config.url("/api/me")), token);
        decode(send_builder(request).await?).await
    }

    pub async fn logout(&self, token: &str) -> Result<(), ApiError> {
        let request = authorized(Request::post(&self.config.url("/api/logout")), token);
        check(send_builder(request).await?).await.map(drop)
    }

    /// Asks the backend to sign a private channel subscription, as pusher-js does: a
    /// form-encoded POST with the bearer token.
    pub async fn authorize_channel(&self, token: &str, socket_id: &str, channel: &str) -> AuthResult {
        let form = web_sys::UrlSearchParams::new().expect("URLSearchParams exists in every browser");
        form.append("socket_id", socket_id);
        form.append("channel_name", channel);
        let request =
            authorized(Request::post(&self.config.url(&self.config.auth_endpoint)), token).body(form);
        let response = match request {
            Ok(request) => request.send().await,
            Err(e) => return AuthResult::Failed { reason: e.to_string() },
        };
        match response {
            Err(e) => AuthResult::Failed { reason: format!("network error: {e}") },
            Ok(r) if r.status() == 401 => AuthResult::Unauthorized,
            Ok(r) if r.status() == 403 => AuthResult::Forbidden,
            Ok(r) if !r.ok() => AuthResult::Failed { reason: format!("status {}", r.status()) },
            Ok(r) => match r.json::<ChannelAuth>().await {
                Ok(auth) => AuthResult::Authorized { auth: auth.auth, channel_data: auth.channel_data },
                Err(e) => AuthResult::Failed { reason: format!("not an auth answer: {e}") },
            },
        }
    }
}

/// Who makes a request: their token, and the socket id of this tab's connection, which the
/// backend leaves out of the broadcast of the events the request causes.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub token: String,
    pub socket_id: Option<String>,
}

/// A user to create in a tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMember {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub password: String,
    pub password_confirmation: String,
}

/// Laravel's resource wrapper, `{"data": ...}`.
#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

impl Api {
    /// Every tenant (system admins), registrations included.
    pub async fn tenants(&self, caller: &Caller) -> Result<Vec<Tenant>, ApiError> {
        let list: Data<Vec<Tenant>> = self.call(Method::Get, "/api/tenants", caller, None::<&()>).await?;
        Ok(list.data)
    }

    pub async fn approve_tenant(&self, caller: &Caller, id: TenantId) -> Result<(), ApiError> {
        let path = format!("/api/tenants/{id}/approve");
        self.call::<serde_json::Value>(Method::Post, &path, caller, None::<&()>).await.map(drop)
    }

    pub async fn suspend_tenant(&self, caller: &Caller, id: TenantId, reason: &str) -> Result<(), ApiError> {
        let path = format!("/api/tenants/{id}/suspend");
        let body = serde_json::json!({ "reason": reason });
        self.call::<serde_json::Value>(Method::Post, &path, caller, Some(&body)).await.map(drop)
    }

    /// The members of a tenant (its admins and system admins).
    pub async fn members(&self, caller: &Caller, tenant_id: TenantId) -> Result<Vec<User>, ApiError> {
        let path = format!("/api/tenants/{tenant_id}/users");
        let list: Data<Vec<User>> = self.call(Method::Get, &path, caller, None::<&()>).await?;
        Ok(list.data)
    }

    pub async fn create_member(
        &self,
        caller: &Caller,
        tenant_id: TenantId,
        member: &NewMember,
    ) -> Result<User, ApiError> {
        let path = format!("/api/tenants/{tenant_id}/users");
        let created: Data<User> = self.call(Method::Post, &path, caller, Some(member)).await?;
        Ok(created.data)
    }

    pub async fn suspend_member(&self, caller: &Caller, id: UserId, reason: &str) -> Result<(), ApiError> {
        let path = format!("/api/users/{id}/suspend");
        let body = serde_json::json!({ "reason": reason });
        self.call::<serde_json::Value>(Method::Post, &path, caller, Some(&body)).await.map(drop)
    }

    pub async fn activate_member(&self, caller: &Caller, id: UserId) -> Result<(), ApiError> {
        let path = format!("/api/users/{id}/activate");
        self.call::<serde_json::Value>(Method::Post, &path, caller, None::<&()>).await.map(drop)
    }

    /// A tenant's payments, hotspot sessions and notices, newest first.
    pub async fn activity(&self, caller: &Caller, tenant_id: TenantId) -> Result<Vec<EventRecord>, ApiError> {
        let path = format!("/api/tenants/{tenant_id}/activity");
        let list: Data<Vec<EventRecord>> = self.call(Method::Get, &path, caller, None::<&()>).await?;
        Ok(list.data)
    }

    /// Changes the signed-in person's name and email; answers with the user, as `/api/me`.
    pub async fn update_profile(&self, caller: &Caller, name: &str, email: &str) -> Result<User, ApiError> {
        let body = serde_json::json!({ "name": name, "email": email });
        self.call(Method::Patch, "/api/me", caller, Some(&body)).await
    }

    pub async fn change_password(
        &self,
        caller: &Caller,
        current: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({
            "current_password": current,
            "password": password,
            "password_confirmation": confirmation,
        });
        self.call::<serde_json::Value>(Method::Put, "/api/me/password", caller, Some(&body)).await.map(drop)
    }

    /// One page of what the socket may have missed: the events after `after`, oldest first,
    /// from the runtime config's `catch_up_endpoint` (which must be set).
    pub async fn catch_up(&self, token: &str, after: &str, limit: u32) -> Result<Page, ApiError> {
        let endpoint = self.config.catch_up_endpoint.as_deref().unwrap_or("/api/notifications");
        let query = web_sys::UrlSearchParams::new().expect("URLSearchParams exists in every browser");
        query.append("after", after);
        query.append("limit", &limit.to_string());
        let url = format!("{}?{}", self.config.url(endpoint), String::from(query.to_string()));
        let request = authorized(Request::get(&url), token);
        decode(send_builder(request).await?).await
    }

    /// One JSON request as `caller`; an empty answer (204) reads as JSON `null`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        caller: &Caller,
        body: Option<&impl Serialize>,
    ) -> Result<T, ApiError> {
        let url = self.config.url(path);
        let builder = match method {
            Method::Get => Request::get(&url),
            Method::Post => Request::post(&url),
            Method::Put => Request::put(&url),
            Method::Patch => Request::patch(&url),
        };
        let mut builder = authorized(builder, &caller.token);
        if let Some(socket_id) = &caller.socket_id {
            builder = builder.header("X-Socket-ID", socket_id);
        }
        let request = match body {
            Some(body) => builder.json(body),
            None => builder.build(),
        }
        .map_err(|e| ApiError::Decode(e.to_string()))?;
        let response = check(send(request).await?).await?;
        let text = response.text().await.map_err(|e| ApiError::Network(e.to_string()))?;
        let text = if text.trim().is_empty() { "null" } else { &text };
        serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()))
    }
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
    Put,
    Patch,
}

fn authorized(builder: RequestBuilder, token: &str) -> RequestBuilder {
    builder.header("Accept", "application/json").header("Authorization", &format!("Bearer {token}"))
}

async fn send(request: Request) -> Result<Response, ApiError> {
    request.send().await.map_err(|e| ApiError::Network(e.to_string()))
}

async fn send_builder(builder: RequestBuilder) -> Result<Response, ApiError> {
    builder.send().await.map_err(|e| ApiError::Network(e.to_string()))
}

/// Turns a non-2xx answer into its [`ApiError`].
async fn check(response: Response) -> Result<Response, ApiError> {
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let body: ErrorBody =
        response.text().await.ok().and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default();
    Err(match status {
        401 => ApiError::Unauthenticated,
        403 => ApiError::Forbidden(if body.message.is_empty() {
            "You are not allowed to do that.".into()
        } else {
            body.message
        }),
        422 => ApiError::Validation { message: body.message, errors: body.errors },
        _ => ApiError::Server { status, message: body.message },
    })
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let response = check(response).await?;
    let text = response.text().await.map_err(|e| ApiError::Network(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| ApiError::Decode(e.to_string()))
}
