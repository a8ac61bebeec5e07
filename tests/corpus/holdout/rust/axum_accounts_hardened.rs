//! Account routes of the scheduling app (axum), following the security checklist.

use argon2::{password_hash::PasswordHash, Argon2, PasswordVerifier};
use axum::{
    extract::{Json, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use constant_time_eq::constant_time_eq;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sqlx::PgPool;
use std::sync::Arc;

pub struct AppState {
    pub pool: PgPool,
    pub jwt_secret: Vec<u8>,
    pub metrics_token: String,
}

impl AppState {
    pub fn from_env(pool: PgPool) -> Self {
        let jwt_secret = std::env::var("JWT_SECRET").expect("JWT_SECRET must be set").into_bytes();
        let metrics_token = std::env::var("METRICS_TOKEN").expect("METRICS_TOKEN must be set");
        Self { pool, jwt_secret, metrics_token }
    }
}

#[derive(Deserialize)]
pub struct Login {
    pub email: String,
    pub password: String,
}

#[derive(Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: usize,
}

#[derive(Deserialize)]
pub struct Next {
    pub next: Option<String>,
}

pub async fn login(State(state): State<Arc<AppState>>, Json(body): Json<Login>) -> Response {
    tracing::info!(email = ?body.email, "login attempt"); // ok: RUST-LOG-001
    let row: Result<Option<(String,)>, sqlx::Error> =
        sqlx::query_as("SELECT password_hash FROM users WHERE email = $1")
            .bind(&body.email)
            .fetch_optional(&state.pool)
            .await;
    let stored = match row {
        Ok(Some((hash,))) => hash,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "invalid email or password").into_response(), // ok: RUST-ENUM-001
        Err(e) => {
            tracing::error!(error = %e, "user lookup failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(); // ok: RUST-ERRLEAK-001
        }
    };
    let valid = PasswordHash::new(&stored)
        .map(|parsed| Argon2::default().verify_password(body.password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false);
    if !valid {
        return (StatusCode::UNAUTHORIZED, "invalid email or password").into_response(); // ok: RUST-ENUM-001
    }
    StatusCode::NO_CONTENT.into_response()
}

pub fn verify_token(state: &AppState, raw: &str) -> Option<Claims> {
    let validation = Validation::new(Algorithm::HS256);
    decode::<Claims>(raw, &DecodingKey::from_secret(&state.jwt_secret), &validation) // ok: RUST-JWT-001
        .ok()
        .map(|data| data.claims)
}

pub async fn metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> impl IntoResponse {
    let provided = headers.get("x-metrics-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !constant_time_eq(provided.as_bytes(), state.metrics_token.as_bytes()) { // ok: RUST-TIMING-001
        return StatusCode::FORBIDDEN.into_response();
    }
    "ok".into_response()
}

pub async fn continue_to(Query(params): Query<Next>) -> Redirect {
    let target = params.next.unwrap_or_default();
    if target.starts_with('/') && !target.starts_with("//") && !target.contains('\\') {
        Redirect::to(&target) // ok: RUST-REDIRECT-001
    } else {
        Redirect::to("/home") // ok: RUST-REDIRECT-001
    }
}
