//! Lending service of a city library network (axum 0.7 + sqlx on PostgreSQL).
//! Attacker data: requests from the public catalogue site and the self-checkout
//! kiosks (query strings, JSON bodies, form fields). Patrons pick their own
//! display names, which later show up on overdue notices.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::HashMap;
use tower_http::cors::CorsLayer;
use tracing::{info, warn};

const DATABASE_URL: &str = "postgres://lending:Lx7!q2Rv9zT4@db.internal.example:5432/lending"; // expect: RUST-SECRET-001
const LOAN_COLUMNS: &str = "id, item_barcode, due_on, renewals";

#[derive(Deserialize)]
struct CatalogueQuery {
    q: String,
    branch: Option<String>,
}

#[derive(Deserialize)]
struct SignIn {
    card_number: String,
    pin: String,
    next: Option<String>,
}

pub async fn search(State(pool): State<PgPool>, Query(p): Query<CatalogueQuery>) -> impl IntoResponse {
    let mut sql = format!(
        "SELECT id, title, author FROM items WHERE title ILIKE '%{}%'",
        p.q.replace('%', "")
    );
    if let Some(branch) = &p.branch {
        sql.push_str(&format!(" AND branch_code = '{}'", branch));
    }
    let rows: Vec<(i64, String, String)> = sqlx::query_as(&sql).fetch_all(&pool).await.unwrap_or_default(); // expect: RUST-SQLI-001
    Json(rows)
}

pub async fn loans_for_card(State(pool): State<PgPool>, Path(card): Path<String>) -> impl IntoResponse {
    let sql = format!("SELECT {LOAN_COLUMNS} FROM loans WHERE card_number = $1 ORDER BY due_on");
    match sqlx::query_as::<_, (i64, String, chrono::NaiveDate, i32)>(&sql) // ok: RUST-SQLI-001
        .bind(&card)
        .fetch_all(&pool)
        .await
    {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "loan lookup failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response() // ok: RUST-ERRLEAK-001
        }
    }
}

pub async fn sign_in(State(pool): State<PgPool>, Form(form): Form<SignIn>) -> impl IntoResponse {
    let row: Option<(String,)> = sqlx::query_as("SELECT pin_sha256 FROM patrons WHERE card_number = $1")
        .bind(&form.card_number)
        .fetch_optional(&pool)
        .await
        .unwrap_or(None);
    let Some((stored,)) = row else {
        return (StatusCode::NOT_FOUND, "This library card is not registered").into_response(); // expect: RUST-ENUM-001
    };
    let digest = hex::encode(Sha256::digest(form.pin.as_bytes())); // expect: RUST-HASH-001
    if digest != stored { // expect: RUST-TIMING-001
        warn!("bad PIN for card {}", form.card_number); // expect: RUST-LOG-001
        return (StatusCode::UNAUTHORIZED, "Wrong PIN for this card").into_response(); // expect: RUST-ENUM-001
    }
    info!(card = ?form.card_number, "patron signed in"); // ok: RUST-LOG-001
    match form.next.as_deref() {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            Redirect::to(path).into_response() // ok: RUST-REDIRECT-001
        }
        _ => Redirect::to("/account").into_response(),
    }
}

/// Kiosks send patrons back to the page they came from after checkout.
pub async fn kiosk_done(Query(params): Query<HashMap<String, String>>) -> Redirect {
    let back = params.get("return").cloned().unwrap_or_else(|| "/kiosk".into());
    Redirect::to(&back) // expect: RUST-REDIRECT-001
}

pub async fn renew(State(pool): State<PgPool>, Query(params): Query<HashMap<String, String>>) -> impl IntoResponse {
    let loan_id: i64 = params.get("loan").unwrap().parse().unwrap(); // expect: RUST-UNWRAP-001
    let weeks: i32 = params.get("weeks").and_then(|w| w.parse().ok()).unwrap_or(3).clamp(1, 4); // ok: RUST-UNWRAP-001
    let res = sqlx::query("UPDATE loans SET due_on = due_on + make_interval(weeks => $1), renewals = renewals + 1 WHERE id = $2 AND renewals < 3")
        .bind(weeks)
        .bind(loan_id)
        .execute(&pool)
        .await;
    match res {
        Ok(r) if r.rows_affected() == 1 => (StatusCode::OK, "renewed".to_string()),
        Ok(_) => (StatusCode::CONFLICT, "no more renewals".to_string()),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("could not renew loan: {e}")), // expect: RUST-ERRLEAK-001
    }
}

/// Printable overdue notice, opened from the staff desk.
pub async fn overdue_notice(State(pool): State<PgPool>, Path(card): Path<String>) -> impl IntoResponse {
    let name: String = sqlx::query_scalar("SELECT display_name FROM patrons WHERE card_number = $1")
        .bind(&card)
        .fetch_one(&pool)
        .await
        .unwrap_or_default();
    let safe_card = html_escape::encode_text(&card);
    let mut page = format!("<h1>Overdue items for card {}</h1>", safe_card); // ok: RUST-XSS-001
    page.push_str(&format!("<p>Dear {},</p><p>please return your items.</p>", name));
    Html(page) // expect: RUST-XSS-001
}

pub fn router(pool: PgPool) -> Router {
    Router::new()
        .route("/catalogue", get(search))
        .route("/loans/:card", get(loans_for_card))
        .route("/sign-in", post(sign_in))
        .route("/kiosk/done", get(kiosk_done))
        .route("/renew", post(renew))
        .route("/notices/:card", get(overdue_notice))
        .layer(cors_layer())
        .with_state(pool)
}

fn cors_layer() -> CorsLayer {
    let cors = CorsLayer::very_permissive(); // expect: RUST-CORS-001
    cors
}

pub fn database_url() -> String {
    std::env::var("LENDING_DATABASE_URL").unwrap_or_else(|_| DATABASE_URL.to_string())
}
