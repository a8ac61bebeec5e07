//! Inventory service: stock search, item updates and CSV exports over axum + sqlx (PostgreSQL).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::{
    extract::{Path as UrlPath, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};
use tracing::{error, info, warn};

const EXPORT_DIR: &str = "/var/lib/inventory/exports";

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
}

#[derive(Serialize, FromRow)]
pub struct Item {
    id: i64,
    sku: String,
    name: String,
    warehouse: String,
    quantity: i32,
}

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    warehouse: Option<String>,
    sort: Option<String>,
}

#[derive(Deserialize)]
pub struct AdjustRequest {
    delta: i32,
    reason: String,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/items", get(search_items))
        .route("/items/:id", get(get_item))
        .route("/items/:id/adjust", post(adjust_stock))
        .route("/reservations/:sku/release", post(release_reservations))
        .route("/exports", get(download_export))
        .route("/exports/:name", get(download_named))
        .with_state(state)
}

fn order_clause(sort: Option<&str>) -> &'static str {
    match sort {
        Some("name") => "name ASC",
        Some("quantity") => "quantity DESC",
        _ => "id ASC",
    }
}

async fn search_items(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<Vec<Item>>, (StatusCode, String)> {
    let term = params.q.clone().unwrap_or_default();
    info!("inventory search q={} warehouse={:?}", term, params.warehouse); // expect: RUST-LOG-001
    let sql = format!(
        "SELECT id, sku, name, warehouse, quantity FROM items WHERE name ILIKE '%{}%' ORDER BY {}",
        term,
        order_clause(params.sort.as_deref())
    );
    let items = sqlx::query_as::<_, Item>(&sql) // expect: RUST-SQLI-001
        .fetch_all(&state.db)
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?; // expect: RUST-ERRLEAK-001
    Ok(Json(items))
}

async fn get_item(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Item>, StatusCode> {
    let item = sqlx::query_as::<_, Item>("SELECT id, sku, name, warehouse, quantity FROM items WHERE id = $1") // ok: RUST-SQLI-001
        .bind(id)
        .fetch_optional(&state.db)
        .await
        .map_err(|e| {
            error!(error = %e, item = id, "item lookup failed");
            StatusCode::INTERNAL_SERVER_ERROR // ok: RUST-ERRLEAK-001
        })?;
    item.map(Json).ok_or(StatusCode::NOT_FOUND)
}

async fn adjust_stock(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    Json(body): Json<AdjustRequest>,
) -> Response {
    let id: i64 = id.parse().unwrap(); // expect: RUST-UNWRAP-001
    warn!(item = id, reason = ?body.reason, delta = body.delta, "manual stock adjustment"); // ok: RUST-LOG-001
    let updated = sqlx::query(&format!("UPDATE items SET quantity = quantity + {} WHERE id = {}", body.delta, id)) // ok: RUST-SQLI-001
        .execute(&state.db)
        .await;
    match updated {
        Ok(r) if r.rows_affected() == 1 => StatusCode::NO_CONTENT.into_response(),
        Ok(_) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("update failed: {e}")).into_response(), // expect: RUST-ERRLEAK-001
    }
}

async fn release_reservations(State(state): State<AppState>, UrlPath(sku): UrlPath<String>) -> StatusCode {
    let sql = format!("DELETE FROM reservations WHERE sku = '{}' AND expires_at < now()", sku);
    match sqlx::query(&sql).execute(&state.db).await { // expect: RUST-SQLI-001
        Ok(_) => StatusCode::NO_CONTENT,
        Err(e) => {
            error!(error = %e, "releasing reservations failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

async fn download_export(Query(params): Query<HashMap<String, String>>) -> Response {
    let Some(file) = params.get("file") else {
        return (StatusCode::BAD_REQUEST, "missing file").into_response();
    };
    let path = Path::new(EXPORT_DIR).join(file);
    match tokio::fs::read(&path).await { // expect: RUST-PATH-001
        Ok(bytes) => ([(header::CONTENT_TYPE, "text/csv")], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

fn safe_export_path(name: &str) -> Option<PathBuf> {
    let file_name = Path::new(name).file_name()?;
    Some(Path::new(EXPORT_DIR).join(file_name))
}

async fn download_named(UrlPath(name): UrlPath<String>) -> Response {
    let Some(path) = safe_export_path(&name) else {
        return (StatusCode::BAD_REQUEST, "invalid name").into_response();
    };
    match tokio::fs::read(&path).await { // ok: RUST-PATH-001
        Ok(bytes) => ([(header::CONTENT_TYPE, "text/csv")], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
