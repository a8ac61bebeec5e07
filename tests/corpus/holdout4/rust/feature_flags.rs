//! Feature-flag service: SDKs fetch the flags of an environment with their SDK key, and the
//! dashboard manages flags with an admin JWT (axum 0.7 + sqlx on PostgreSQL).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get};
use axum::{Json, Router};
use constant_time_eq::constant_time_eq;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_http::cors::CorsLayer;
use tracing::{info, warn};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub sdk_keys: Arc<HashMap<String, String>>,
    pub admin_secret: Arc<Vec<u8>>,
}

#[derive(Serialize, sqlx::FromRow)]
pub struct Flag {
    pub key: String,
    pub enabled: bool,
    pub rollout_percent: i32,
    pub description: String,
}

#[derive(Deserialize)]
pub struct AdminClaims {
    pub sub: String,
    pub project: String,
}

pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::very_permissive(); // expect: RUST-CORS-001
    Router::new()
        .route("/sdk/:env/flags", get(sdk_flags))
        .route("/admin/flags", get(search_flags))
        .route("/admin/flags/:key", delete(delete_flag))
        .layer(cors)
        .with_state(state)
}

/// Returns every flag of an environment to an SDK that presents the environment's key.
async fn sdk_flags(
    State(state): State<AppState>,
    Path(env): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Vec<Flag>>, StatusCode> {
    let provided = headers.get("x-sdk-key").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let expected = state.sdk_keys.get(&env).ok_or(StatusCode::NOT_FOUND)?;
    if provided != expected.as_str() { // expect: RUST-TIMING-001
        return Err(StatusCode::UNAUTHORIZED);
    }
    let flags = sqlx::query_as::<_, Flag>("SELECT key, enabled, rollout_percent, description FROM flags WHERE env = $1") // ok: RUST-SQLI-001
        .bind(&env)
        .fetch_all(&state.pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(Json(flags))
}

/// Used by the relay proxies, which forward the key they were configured with.
pub fn relay_key_matches(state: &AppState, env: &str, provided: &str) -> bool {
    match state.sdk_keys.get(env) {
        Some(expected) => constant_time_eq(provided.as_bytes(), expected.as_bytes()), // ok: RUST-TIMING-001
        None => false,
    }
}

fn admin_claims(state: &AppState, headers: &HeaderMap) -> Option<AdminClaims> {
    let token = headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ")?;
    let validation = Validation::new(Algorithm::HS256);
    let key = DecodingKey::from_secret(&state.admin_secret);
    decode::<AdminClaims>(token, &key, &validation).ok().map(|d| d.claims) // ok: RUST-JWT-001
}

/// Preview tokens come from the staging dashboard, whose signing key differs per deploy.
fn preview_claims(headers: &HeaderMap) -> Option<AdminClaims> {
    let token = headers.get("x-preview-token")?.to_str().ok()?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.insecure_disable_signature_validation(); // expect: RUST-JWT-001
    decode::<AdminClaims>(token, &DecodingKey::from_secret(&[]), &validation).ok().map(|d| d.claims)
}

async fn search_flags(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Flag>>, (StatusCode, String)> {
    let claims = admin_claims(&state, &headers)
        .or_else(|| preview_claims(&headers))
        .ok_or((StatusCode::UNAUTHORIZED, "unauthorized".to_string()))?;
    let term = params.get("q").cloned().unwrap_or_default();
    let page: i64 = params.get("page").map(String::as_str).unwrap_or("0").parse().unwrap_or(0); // ok: RUST-UNWRAP-001
    let per_page: i64 = params.get("per_page").unwrap().parse().unwrap(); // expect: RUST-UNWRAP-001
    let sql = format!(
        "SELECT key, enabled, rollout_percent, description FROM flags \
         WHERE project = $1 AND (key ILIKE '%{}%' OR description ILIKE '%{}%') LIMIT {} OFFSET {}",
        term,
        term,
        per_page,
        page * per_page
    );
    match sqlx::query_as::<_, Flag>(&sql).bind(&claims.project).fetch_all(&state.pool).await { // expect: RUST-SQLI-001
        Ok(flags) => Ok(Json(flags)),
        Err(e) => Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string())), // expect: RUST-ERRLEAK-001
    }
}

async fn delete_flag(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<StatusCode, (StatusCode, &'static str)> {
    let claims = admin_claims(&state, &headers).ok_or((StatusCode::UNAUTHORIZED, "unauthorized"))?;
    // TODO: only project owners should be able to delete flags, not every dashboard user // expect: RUST-TODO-001
    let result = sqlx::query("DELETE FROM flags WHERE project = $1 AND key = $2") // ok: RUST-SQLI-001
        .bind(&claims.project)
        .bind(&key)
        .execute(&state.pool)
        .await;
    match result {
        Ok(done) if done.rows_affected() > 0 => {
            info!("flag {} deleted by {}", key, claims.sub); // expect: RUST-LOG-001
            Ok(StatusCode::NO_CONTENT)
        }
        Ok(_) => Ok(StatusCode::NOT_FOUND),
        Err(e) => {
            warn!(error = %e, flag = ?key, "flag delete failed"); // ok: RUST-LOG-001
            Err((StatusCode::INTERNAL_SERVER_ERROR, "internal error")) // ok: RUST-ERRLEAK-001
        }
    }
}
