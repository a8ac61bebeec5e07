//! Notes service (axum + sqlx): search, attachments and note lookup by id.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::{
    extract::{Path as UrlPath, Query, State},
    http::StatusCode,
    response::{IntoResponse, Json},
    routing::get,
    Router,
};
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};

const ATTACHMENT_DIR: &str = "/var/lib/notes/attachments";

#[derive(Clone)]
struct AppState {
    db: PgPool,
}

#[derive(Serialize, FromRow)]
struct Note {
    id: i64,
    title: String,
    body: String,
}

#[derive(Deserialize)]
struct SearchParams {
    q: String,
    tag: Option<String>,
}

pub fn router(db: PgPool) -> Router {
    Router::new()
        .route("/notes/search", get(search))
        .route("/notes/by-tag", get(by_tag))
        .route("/notes/lookup", get(lookup))
        .route("/notes/attachments/:name", get(attachment))
        .route("/notes/attachments-v2/:name", get(attachment_checked))
        .with_state(AppState { db })
}

async fn search(State(state): State<AppState>, Query(params): Query<SearchParams>) -> impl IntoResponse {
    tracing::info!("note search: {}", params.q); // expect: RUST-LOG-001
    let sql = format!("SELECT id, title, body FROM notes WHERE title ILIKE '%{}%' ORDER BY id DESC", params.q);
    match sqlx::query_as::<_, Note>(&sql).fetch_all(&state.db).await { // expect: RUST-SQLI-001
        Ok(notes) => Json(notes).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("database error: {e}")).into_response(), // expect: RUST-ERRLEAK-001
    }
}

async fn by_tag(State(state): State<AppState>, Query(params): Query<SearchParams>) -> impl IntoResponse {
    tracing::info!(tag = ?params.tag, "notes by tag"); // ok: RUST-LOG-001
    let notes = sqlx::query_as::<_, Note>("SELECT id, title, body FROM notes WHERE tag = $1 AND title ILIKE $2") // ok: RUST-SQLI-001
        .bind(params.tag.unwrap_or_default())
        .bind(format!("%{}%", params.q))
        .fetch_all(&state.db)
        .await;
    match notes {
        Ok(notes) => Json(notes).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "by_tag query failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response() // ok: RUST-ERRLEAK-001
        }
    }
}

async fn lookup(State(state): State<AppState>, Query(params): Query<HashMap<String, String>>) -> impl IntoResponse {
    let id: i64 = params.get("id").unwrap().parse().unwrap(); // expect: RUST-UNWRAP-001
    let note = sqlx::query_as::<_, Note>("SELECT id, title, body FROM notes WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db)
        .await;
    match note {
        Ok(Some(n)) => Json(n).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn attachment(UrlPath(name): UrlPath<String>) -> impl IntoResponse {
    match tokio::fs::read(format!("{}/{}", ATTACHMENT_DIR, name)).await { // expect: RUST-PATH-001
        Ok(bytes) => (StatusCode::OK, bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn attachment_checked(UrlPath(name): UrlPath<String>) -> impl IntoResponse {
    let file_name = match Path::new(&name).file_name() {
        Some(f) => f.to_owned(),
        None => return StatusCode::BAD_REQUEST.into_response(),
    };
    let target: PathBuf = Path::new(ATTACHMENT_DIR).join(file_name);
    match tokio::fs::read(&target).await { // ok: RUST-PATH-001
        Ok(bytes) => (StatusCode::OK, bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
