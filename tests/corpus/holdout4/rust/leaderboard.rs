//! Game leaderboard API (actix-web 4 + sqlx on SQLite): player sign-in, signed score
//! submissions from the game client, ranked boards and player avatars.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::LOCATION;
use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::Argon2;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

const SCORE_SIGNING_KEY: &[u8] = b"lb-score-key-4f9a0c7e2d51b836"; // expect: RUST-SECRET-001

#[derive(Deserialize)]
pub struct Login {
    player: String,
    password: String,
    return_to: Option<String>,
}

#[derive(Deserialize)]
pub struct Submission {
    player: String,
    board: String,
    score: i64,
    signature: String,
}

#[derive(Deserialize)]
pub struct BoardQuery {
    sort: Option<String>,
    limit: Option<u32>,
}

#[derive(Deserialize)]
pub struct AvatarForm {
    avatar_url: String,
}

#[post("/login")]
async fn login(pool: web::Data<SqlitePool>, form: web::Form<Login>) -> impl Responder {
    let row: Option<(String,)> = sqlx::query_as("SELECT password_hash FROM players WHERE name = ?")
        .bind(&form.player)
        .fetch_optional(pool.get_ref())
        .await
        .unwrap_or(None);
    let Some((stored,)) = row else {
        return HttpResponse::NotFound().body("unknown player name"); // expect: RUST-ENUM-001
    };
    let digest = hex::encode(Sha256::digest(form.password.as_bytes())); // expect: RUST-HASH-001
    if digest != stored { // expect: RUST-TIMING-001
        return HttpResponse::Unauthorized().body("wrong password for this player"); // expect: RUST-ENUM-001
    }
    let session = uuid::Uuid::new_v4().to_string();
    let cookie = Cookie::build("lb_session", session).path("/").finish(); // expect: RUST-COOKIE-001
    let target = form.return_to.clone().unwrap_or_else(|| "/boards".to_string());
    HttpResponse::Found().append_header((LOCATION, target)).cookie(cookie).finish() // expect: RUST-REDIRECT-001
}

#[post("/register")]
async fn register(pool: web::Data<SqlitePool>, form: web::Form<Login>) -> impl Responder {
    let salt = SaltString::generate(&mut OsRng);
    let Ok(hash) = Argon2::default().hash_password(form.password.as_bytes(), &salt) else { // ok: RUST-HASH-001
        return HttpResponse::InternalServerError().finish();
    };
    let created = sqlx::query("INSERT INTO players (name, password_hash) VALUES (?, ?)")
        .bind(&form.player)
        .bind(hash.to_string())
        .execute(pool.get_ref())
        .await;
    if created.is_err() {
        return HttpResponse::Conflict().body("could not register this name");
    }
    let cookie = Cookie::build("lb_session", uuid::Uuid::new_v4().to_string())
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    let next = form.return_to.as_deref().filter(|t| t.starts_with('/') && !t.starts_with("//") && !t.contains('\\'));
    let location = next.unwrap_or("/boards").to_string();
    HttpResponse::Found().append_header((LOCATION, location)).cookie(cookie).finish() // ok: RUST-REDIRECT-001
}

#[post("/scores")]
async fn submit_score(pool: web::Data<SqlitePool>, body: web::Json<Submission>) -> impl Responder {
    let mut mac = Hmac::<Sha256>::new_from_slice(SCORE_SIGNING_KEY).expect("hmac accepts any key length");
    mac.update(format!("{}:{}:{}", body.player, body.board, body.score).as_bytes());
    let Ok(signature) = hex::decode(&body.signature) else {
        return HttpResponse::BadRequest().finish();
    };
    if mac.verify_slice(&signature).is_err() { // ok: RUST-TIMING-001
        log::warn!("rejected score {} for player {}", body.score, body.player); // expect: RUST-LOG-001
        return HttpResponse::Forbidden().finish();
    }
    let result = sqlx::query("INSERT INTO scores (player, board, score) VALUES (?, ?, ?)")
        .bind(&body.player)
        .bind(&body.board)
        .bind(body.score)
        .execute(pool.get_ref())
        .await;
    match result {
        Ok(_) => HttpResponse::Created().finish(),
        Err(e) => HttpResponse::InternalServerError().body(format!("database error: {}", e)), // expect: RUST-ERRLEAK-001
    }
}

#[get("/boards/{board}")]
async fn board(pool: web::Data<SqlitePool>, path: web::Path<String>, q: web::Query<BoardQuery>) -> impl Responder {
    let limit = q.limit.unwrap_or(50).min(200);
    let order = match q.sort.as_deref() {
        Some("oldest") => "submitted_at ASC",
        _ => "score DESC",
    };
    let sql = format!("SELECT player, score FROM scores WHERE board = ? ORDER BY {} LIMIT {}", order, limit);
    let rows: Vec<(String, i64)> = sqlx::query_as(&sql) // ok: RUST-SQLI-001
        .bind(path.into_inner())
        .fetch_all(pool.get_ref())
        .await
        .unwrap_or_default();
    HttpResponse::Ok().json(rows)
}

#[get("/boards/{board}/around")]
async fn around_player(pool: web::Data<SqlitePool>, path: web::Path<String>, req: HttpRequest) -> impl Responder {
    let player = req.headers().get("x-player").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let sql = format!(
        "SELECT player, score FROM scores WHERE board = '{}' AND score >= (SELECT score FROM scores WHERE player = '{}') - 100",
        path.into_inner(),
        player
    );
    let rows: Vec<(String, i64)> = sqlx::query_as(&sql).fetch_all(pool.get_ref()).await.unwrap_or_default(); // expect: RUST-SQLI-001
    HttpResponse::Ok().json(rows)
}

#[post("/me/avatar")]
async fn set_avatar(client: web::Data<reqwest::Client>, form: web::Json<AvatarForm>) -> impl Responder {
    let resp = match client.get(&form.avatar_url).send().await { // expect: RUST-SSRF-001
        Ok(resp) => resp,
        Err(_) => return HttpResponse::BadGateway().body("could not fetch avatar"),
    };
    let bytes = resp.bytes().await.unwrap_or_default();
    HttpResponse::Ok().content_type("image/png").body(bytes)
}
