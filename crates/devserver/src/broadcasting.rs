//! `POST /broadcasting/auth`: the signature that lets one socket join one private channel.
//!
//! pusher-js calls this when the app subscribes to a private channel, with the socket id
//! Sockudo gave it. The order of checks is Laravel's: who you are (401), what you sent (422),
//! whether you may join (403). Only then is the secret used, to sign `socket_id:channel_name`.

use axum::Json;
use axum::extract::State;
use herald_contract::{
    Channel,
    signing::{channel_auth, is_valid_channel_name, is_valid_socket_id},
};
use serde_json::{Value, json};

use crate::AppState;
use crate::api::Authenticated;
use crate::error::{ApiError, FieldErrors};
use crate::input::Input;

pub async fn authorize(
    State(state): State<AppState>,
    authenticated: Authenticated,
    input: Input,
) -> Result<Json<Value>, ApiError> {
    let mut errors = FieldErrors::default();
    let socket_id = input.formatted("socket_id", is_valid_socket_id, &mut errors);
    let channel_name = input.formatted("channel_name", is_valid_channel_name, &mut errors);
    errors.into_result()?;
    let (Some(socket_id), Some(channel_name)) = (socket_id, channel_name) else {
        return Err(ApiError::forbidden());
    };

    let admitted = Channel::parse(&channel_name).is_some_and(|channel| channel.admits(&authenticated.user));
    if !admitted {
        return Err(ApiError::forbidden());
    }
    let config = state.config();
    let auth = channel_auth(&config.app_key, &config.app_secret, &socket_id, &channel_name);
    Ok(Json(json!({ "auth": auth })))
}
