//! Account endpoints for the customer portal (actix-web): sign-in, password reset, API keys and SSO return.

use actix_web::{
    cookie::{Cookie, SameSite},
    get, http::header::LOCATION, post, web, HttpRequest, HttpResponse, Responder,
};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use constant_time_eq::constant_time_eq;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

const JWT_SECRET: &[u8] = b"portal-signing-Vq83nLx02Jd7RkaP"; // expect: RUST-SECRET-001
const API_KEY_HEADER: &str = "x-portal-api-key"; // ok: RUST-SECRET-001

pub struct Settings {
    pub partner_api_key: String,
    pub allowed_return_hosts: Vec<String>,
}

impl Settings {
    pub fn from_env() -> Self {
        Settings {
            partner_api_key: std::env::var("PARTNER_API_KEY").expect("PARTNER_API_KEY must be set"), // ok: RUST-SECRET-001, RUST-UNWRAP-001
            allowed_return_hosts: vec!["portal.example.com".into(), "help.example.com".into()],
        }
    }
}

#[derive(Deserialize)]
pub struct SignIn {
    email: String,
    password: String,
}

#[derive(Deserialize)]
pub struct ResetRequest {
    email: String,
}

#[derive(Serialize, Deserialize)]
pub struct Claims {
    sub: String,
    role: String,
    exp: usize,
}

#[derive(sqlx::FromRow)]
struct Account {
    id: i64,
    password_hash: String,
    legacy_sha256: Option<String>,
}

#[post("/sign-in")]
async fn sign_in(db: web::Data<PgPool>, form: web::Json<SignIn>) -> impl Responder {
    let account = sqlx::query_as::<_, Account>("SELECT id, password_hash, legacy_sha256 FROM accounts WHERE email = $1")
        .bind(&form.email)
        .fetch_optional(db.get_ref())
        .await;
    let account = match account {
        Ok(Some(a)) => a,
        Ok(None) => return HttpResponse::NotFound().body("No account uses this email address"), // expect: RUST-ENUM-001
        Err(_) => return HttpResponse::InternalServerError().body("internal error"),
    };
    let valid = match &account.legacy_sha256 {
        Some(stored) => {
            let digest = hex::encode(Sha256::digest(form.password.as_bytes())); // expect: RUST-HASH-001
            digest == *stored // expect: RUST-TIMING-001
        }
        None => PasswordHash::new(&account.password_hash)
            .map(|h| Argon2::default().verify_password(form.password.as_bytes(), &h).is_ok()) // ok: RUST-TIMING-001
            .unwrap_or(false),
    };
    if !valid {
        return HttpResponse::Unauthorized().body("Wrong password"); // expect: RUST-ENUM-001
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    if sqlx::query("INSERT INTO sessions (token, account_id) VALUES ($1, $2)").bind(&token).bind(account.id).execute(db.get_ref()).await.is_err() {
        return HttpResponse::InternalServerError().body("internal error");
    }
    let session = Cookie::build("portal_session", token) // expect: RUST-COOKIE-001
        .path("/")
        .finish();
    HttpResponse::Ok().cookie(session).finish()
}

#[post("/password-reset")]
async fn request_reset(db: web::Data<PgPool>, form: web::Json<ResetRequest>) -> impl Responder {
    let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM accounts WHERE email = $1")
        .bind(&form.email)
        .fetch_optional(db.get_ref())
        .await
        .unwrap_or(None);
    if let Some((id,)) = exists {
        let _ = sqlx::query("INSERT INTO reset_jobs (account_id) VALUES ($1)").bind(id).execute(db.get_ref()).await;
    }
    HttpResponse::Accepted().body("If an account exists for that address, we sent a reset link.") // ok: RUST-ENUM-001
}

#[get("/partner/orders")]
async fn partner_orders(req: HttpRequest, settings: web::Data<Settings>) -> impl Responder {
    let provided = req.headers().get(API_KEY_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if provided.is_empty() || !constant_time_eq(provided.as_bytes(), settings.partner_api_key.as_bytes()) { // ok: RUST-TIMING-001
        return HttpResponse::Unauthorized().finish();
    }
    HttpResponse::Ok().json(serde_json::json!({ "orders": [] }))
}

#[get("/me")]
async fn me(req: HttpRequest) -> impl Responder {
    let Some(token) = req.cookie("portal_jwt") else {
        return HttpResponse::Unauthorized().finish();
    };
    let mut validation = Validation::new(Algorithm::HS256);
    validation.insecure_disable_signature_validation(); // expect: RUST-JWT-001
    match decode::<Claims>(token.value(), &DecodingKey::from_secret(JWT_SECRET), &validation) {
        Ok(data) => HttpResponse::Ok().json(data.claims),
        Err(_) => HttpResponse::Unauthorized().finish(),
    }
}

#[derive(Deserialize)]
pub struct ReturnTo {
    next: String,
}

#[get("/sso/callback")]
async fn sso_callback(query: web::Query<ReturnTo>) -> impl Responder {
    HttpResponse::Found().append_header((LOCATION, query.next.clone())).finish() // expect: RUST-REDIRECT-001
}

#[get("/sso/logout")]
async fn sso_logout(query: web::Query<ReturnTo>, settings: web::Data<Settings>) -> impl Responder {
    let target = url::Url::parse(&query.next)
        .ok()
        .filter(|u| u.scheme() == "https")
        .filter(|u| u.host_str().is_some_and(|h| settings.allowed_return_hosts.iter().any(|a| a == h)))
        .map(|u| u.to_string())
        .unwrap_or_else(|| "/".to_string());
    let cleared = Cookie::build("portal_session", "").path("/").secure(true).http_only(true).same_site(SameSite::Lax).finish(); // ok: RUST-COOKIE-001
    HttpResponse::Found().cookie(cleared).append_header((LOCATION, target)).finish() // ok: RUST-REDIRECT-001
}
