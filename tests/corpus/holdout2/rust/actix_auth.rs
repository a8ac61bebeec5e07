//! Authentication endpoints for the admin console (actix-web): login, token introspection, SSO return.

use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use subtle::ConstantTimeEq;

const JWT_SECRET: &[u8] = b"k3P9vXq2Lm8Zt5Rw1Yb7Nc4Hd6Fs0Ja"; // expect: RUST-SECRET-001

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: usize,
}

#[derive(Deserialize)]
struct ReturnTo {
    next: String,
}

fn legacy_hash(password: &str) -> String {
    let digest = Sha256::digest(password.as_bytes()); // expect: RUST-HASH-001
    hex::encode(digest)
}

#[post("/login")]
async fn login(pool: web::Data<SqlitePool>, form: web::Json<LoginForm>) -> impl Responder {
    let row: Option<(String, bool)> = sqlx::query_as("SELECT password_hash, legacy FROM admins WHERE username = ?")
        .bind(&form.username)
        .fetch_optional(pool.get_ref())
        .await
        .unwrap_or(None);
    let Some((stored, legacy)) = row else {
        return HttpResponse::NotFound().body("unknown username"); // expect: RUST-ENUM-001
    };
    let valid = if legacy {
        legacy_hash(&form.password) == stored // expect: RUST-TIMING-001
    } else {
        PasswordHash::new(&stored) // ok: RUST-HASH-001
            .map(|h| Argon2::default().verify_password(form.password.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    };
    if !valid {
        return HttpResponse::Unauthorized().body("wrong password"); // expect: RUST-ENUM-001
    }
    HttpResponse::Ok().json(serde_json::json!({ "user": form.username }))
}

#[post("/introspect")]
async fn introspect(req: HttpRequest) -> impl Responder {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.insecure_disable_signature_validation(); // expect: RUST-JWT-001
    match decode::<Claims>(token, &DecodingKey::from_secret(JWT_SECRET), &validation) {
        Ok(data) => HttpResponse::Ok().json(data.claims),
        Err(_) => HttpResponse::Unauthorized().finish(),
    }
}

#[post("/introspect-v2")]
async fn introspect_verified(req: HttpRequest) -> impl Responder {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let key = std::env::var("CONSOLE_JWT_KEY").unwrap_or_default();
    let validation = Validation::new(Algorithm::HS256);
    match decode::<Claims>(token, &DecodingKey::from_secret(key.as_bytes()), &validation) { // ok: RUST-JWT-001
        Ok(data) => HttpResponse::Ok().json(data.claims),
        Err(_) => HttpResponse::Unauthorized().finish(),
    }
}

#[post("/hooks/deploy")]
async fn deploy_hook(req: HttpRequest) -> impl Responder {
    let given = req.headers().get("x-deploy-token").map(|v| v.as_bytes()).unwrap_or_default();
    let expected = std::env::var("DEPLOY_TOKEN").unwrap_or_default();
    if given.ct_eq(expected.as_bytes()).into() { // ok: RUST-TIMING-001
        HttpResponse::Accepted().finish()
    } else {
        HttpResponse::Unauthorized().finish()
    }
}

#[get("/sso/return")]
async fn sso_return(query: web::Query<ReturnTo>) -> impl Responder {
    HttpResponse::Found().append_header(("Location", query.next.clone())).finish() // expect: RUST-REDIRECT-001
}

#[get("/sso/return-v2")]
async fn sso_return_local(query: web::Query<ReturnTo>) -> impl Responder {
    let next = if query.next.starts_with('/') && !query.next.starts_with("//") { query.next.as_str() } else { "/" };
    HttpResponse::Found().append_header(("Location", next)).finish() // ok: RUST-REDIRECT-001
}
