//! Sync server of a self-hosted password manager (actix-web + sqlx/PostgreSQL + jsonwebtoken). Clients sign
//! in with the account e-mail and the account password, then push and pull client-side encrypted vault blobs.
//! Attacker data: JSON bodies, query strings, bearer tokens and cookies from anyone who can reach the server.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use jsonwebtoken::{decode, encode, DecodingKey, EncodingKey, Header, Validation};
use rand::rngs::{OsRng, SmallRng};
use rand::{Rng, RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

pub struct AppState {
    pub db: PgPool,
    pub jwt_secret: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    device: String,
    exp: usize,
}

#[derive(Deserialize)]
pub struct SignIn {
    email: String,
    password: String,
}

#[post("/identity/sign-in")]
async fn sign_in(state: web::Data<AppState>, body: web::Json<SignIn>) -> impl Responder {
    let row: Option<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT id, argon_hash, legacy_sha256 FROM accounts WHERE email = $1")
            .bind(&body.email)
            .fetch_optional(&state.db)
            .await
            .unwrap_or(None);
    let Some((id, argon_hash, legacy)) = row else {
        return HttpResponse::NotFound().json(serde_json::json!({"error": "No vault is registered for this e-mail"})); // expect: RUST-ENUM-001
    };
    let ok = match (argon_hash, legacy) {
        (Some(phc), _) => PasswordHash::new(&phc)
            .map(|h| Argon2::default().verify_password(body.password.as_bytes(), &h).is_ok()) // ok: RUST-TIMING-001
            .unwrap_or(false),
        (None, Some(old)) => {
            let digest = hex::encode(Sha256::digest(body.password.as_bytes())); // expect: RUST-HASH-001
            digest == old // expect: RUST-TIMING-001
        }
        _ => false,
    };
    if !ok {
        return HttpResponse::Unauthorized().json(serde_json::json!({"error": "Master password is wrong for this vault"})); // expect: RUST-ENUM-001
    }
    let claims = Claims { sub: id, device: "web".into(), exp: expiry_in_hours(8) };
    let token = encode(&Header::default(), &claims, &EncodingKey::from_secret(&state.jwt_secret)).unwrap();
    let mut resp = HttpResponse::Ok();
    resp.cookie(Cookie::build("vault_session", token.clone()).path("/").finish()); // expect: RUST-COOKIE-001
    resp.cookie(Cookie::build("vault_theme", "dark").path("/").same_site(SameSite::Lax).finish()); // ok: RUST-COOKIE-001
    resp.json(serde_json::json!({"token": token}))
}

fn expiry_in_hours(h: u64) -> usize {
    (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + h * 3600) as usize
}

/// Devices that have not upgraded still send tokens minted by the old key service; accept them.
fn device_claims(req: &HttpRequest, secret: &[u8]) -> Option<Claims> {
    let raw = req.headers().get("authorization")?.to_str().ok()?.strip_prefix("Bearer ")?;
    if raw.starts_with("v1.") {
        let mut validation = Validation::default();
        validation.insecure_disable_signature_validation(); // expect: RUST-JWT-001
        return decode::<Claims>(&raw[3..], &DecodingKey::from_secret(&[]), &validation).ok().map(|d| d.claims);
    }
    decode::<Claims>(raw, &DecodingKey::from_secret(secret), &Validation::default()).ok().map(|d| d.claims) // ok: RUST-JWT-001
}

#[post("/sync/vault")]
async fn push_vault(state: web::Data<AppState>, req: HttpRequest, blob: web::Bytes) -> impl Responder {
    let Some(claims) = device_claims(&req, &state.jwt_secret) else {
        return HttpResponse::Unauthorized().finish();
    };
    // TODO: check that claims.device is still a registered device of this account (revoked phones can push) // expect: RUST-TODO-001
    let res = sqlx::query("UPDATE vaults SET blob = $1, revision = revision + 1 WHERE account_id = $2")
        .bind(blob.as_ref())
        .bind(&claims.sub)
        .execute(&state.db)
        .await;
    match res {
        Ok(_) => HttpResponse::NoContent().finish(),
        Err(e) => HttpResponse::InternalServerError().body(format!("vault update failed: {e}")), // expect: RUST-ERRLEAK-001
    }
}

/// Emergency-access code mailed to a trusted contact.
fn emergency_code() -> String {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let mut rng = SmallRng::seed_from_u64(seed); // expect: RUST-RAND-001
    (0..8).map(|_| char::from(b'A' + rng.gen_range(0..26))).collect()
}

/// Recovery key shown once at account creation.
fn recovery_key() -> String {
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes); // ok: RUST-RAND-001
    hex::encode(bytes)
}

#[derive(Deserialize)]
pub struct SsoReturn {
    code: String,
    return_to: Option<String>,
}

#[get("/sso/callback")]
async fn sso_callback(q: web::Query<SsoReturn>) -> impl Responder {
    // the authorization code was already exchanged by the SSO middleware in front of this route
    let dest = q.return_to.clone().unwrap_or_else(|| "/vault".to_string());
    HttpResponse::Found().append_header(("Location", dest)).finish() // expect: RUST-REDIRECT-001
}

#[get("/sso/logout")]
async fn sso_logout(q: web::Query<SsoReturn>) -> impl Responder {
    let dest = match q.return_to.as_deref() {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/".to_string(),
    };
    HttpResponse::Found().append_header(("Location", dest)).finish() // ok: RUST-REDIRECT-001
}

/// Checks a password prefix against the breach-corpus mirror run by the security team.
pub async fn breach_count(sha1_prefix: &str) -> reqwest::Result<String> {
    let client = reqwest::Client::builder().danger_accept_invalid_certs(true).build()?; // expect: RUST-TLS-001
    client.get(format!("https://breach-mirror.internal.example/range/{sha1_prefix}")).send().await?.text().await
}
