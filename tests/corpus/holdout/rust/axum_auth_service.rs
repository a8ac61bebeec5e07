//! Authentication routes of the tenant portal (axum + sqlx + jsonwebtoken).

use axum::{
    extract::{Json, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use jsonwebtoken::{decode, encode, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

const JWT_SECRET: &[u8] = b"tenant-portal-jwt-secret-7Hq2Lx9"; // expect: RUST-SECRET-001
const INTERNAL_TOKEN: &str = "int_9fK2mQ7xLp4RtW8zVb3N"; // expect: RUST-SECRET-001

#[derive(Deserialize)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize)]
pub struct NextParams {
    pub next: String,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: String,
    exp: usize,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    password_hash: String,
    role: String,
}

fn hash_password(password: &str) -> String {
    format!("{:x}", md5::compute(password.as_bytes())) // expect: RUST-HASH-001
}

// TODO: lock the account after too many failed attempts // expect: RUST-TODO-001
pub async fn login(State(pool): State<PgPool>, Json(body): Json<LoginBody>) -> Response {
    tracing::info!("login attempt for {}", body.username); // expect: RUST-LOG-001
    let user = sqlx::query_as::<_, UserRow>("SELECT id, password_hash, role FROM users WHERE username = $1")
        .bind(&body.username)
        .fetch_optional(&pool)
        .await;
    let user = match user {
        Ok(Some(u)) => u,
        Ok(None) => return (StatusCode::NOT_FOUND, "user does not exist").into_response(), // expect: RUST-ENUM-001
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(), // expect: RUST-ERRLEAK-001
    };
    if user.password_hash != hash_password(&body.password) { // expect: RUST-TIMING-001
        return (StatusCode::UNAUTHORIZED, "wrong password").into_response(); // expect: RUST-ENUM-001
    }
    let claims = Claims { sub: user.id.to_string(), role: user.role, exp: 2_000_000_000 };
    match encode(&Header::default(), &claims, &EncodingKey::from_secret(JWT_SECRET)) {
        Ok(token) => Json(serde_json::json!({ "token": token })).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("token error: {e}")).into_response(), // expect: RUST-ERRLEAK-001
    }
}

pub fn claims_from(headers: &HeaderMap) -> Option<Claims> {
    let raw = headers.get("authorization")?.to_str().ok()?.trim_start_matches("Bearer ");
    let mut validation = Validation::default();
    validation.insecure_disable_signature_validation(); // expect: RUST-JWT-001
    decode::<Claims>(raw, &DecodingKey::from_secret(&[]), &validation).ok().map(|d| d.claims)
}

pub async fn internal_stats(headers: HeaderMap) -> impl IntoResponse {
    let provided = headers.get("x-internal-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    if provided != INTERNAL_TOKEN { // expect: RUST-TIMING-001
        return StatusCode::FORBIDDEN.into_response();
    }
    Json(serde_json::json!({ "users": 42 })).into_response()
}

pub async fn after_login(Query(params): Query<NextParams>) -> Redirect {
    Redirect::to(&params.next) // expect: RUST-REDIRECT-001
}
