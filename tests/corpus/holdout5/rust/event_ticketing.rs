//! Box office API of an event-ticketing site (actix-web 4, diesel on PostgreSQL,
//! jsonwebtoken). Attacker data: buyers' HTTP requests (paths, query strings,
//! JSON bodies, the Authorization header) and the QR payloads that door
//! scanners read off tickets, which anyone can print and edit.

use actix_cors::Cors;
use actix_files::NamedFile;
use actix_web::cookie::Cookie;
use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use hmac::{Hmac, Mac};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

pub struct AppConfig {
    pub door_key: Vec<u8>,
    pub jwt_public_pem: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: String,
    exp: usize,
}

#[derive(Deserialize)]
struct ScanBody {
    ticket_id: String,
    signature: String,
}

#[derive(QueryableByName, Serialize)]
struct SeatRow {
    #[diesel(sql_type = Text)]
    seat: String,
    #[diesel(sql_type = BigInt)]
    price_cents: i64,
}

fn organiser_key() -> EncodingKey {
    EncodingKey::from_secret(b"b0x-0ffice-9f2c1e77a4d8-signing") // expect: RUST-SECRET-001
}

pub fn issue_organiser_token(user: &str) -> String {
    let claims = Claims { sub: user.into(), role: "organiser".into(), exp: 4_102_444_800 };
    encode(&Header::default(), &claims, &organiser_key()).unwrap_or_default()
}

/// Hold codes reserve seats for 15 minutes; quoting one at the box office collects them.
fn hold_code() -> String {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let mut rng = SmallRng::seed_from_u64(seed); // expect: RUST-RAND-001
    (0..10).map(|_| char::from(b'A' + rng.gen_range(0..26))).collect()
}

fn seat_shuffle_hint() -> u32 {
    rand::thread_rng().gen_range(0..1000) // ok: RUST-RAND-001
}

fn claims_from(req: &HttpRequest, cfg: &AppConfig) -> Option<Claims> {
    let raw = req.headers().get("authorization")?.to_str().ok()?.strip_prefix("Bearer ")?;
    let key = DecodingKey::from_rsa_pem(&cfg.jwt_public_pem).ok()?;
    decode::<Claims>(raw, &key, &Validation::new(Algorithm::RS256)).ok().map(|d| d.claims) // ok: RUST-JWT-001
}

/// Partner resellers send their own tokens; we only need the reseller id from them.
fn reseller_id(raw: &str) -> Option<String> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.insecure_disable_signature_validation(); // expect: RUST-JWT-001
    let data = decode::<Claims>(raw, &DecodingKey::from_secret(&[]), &validation).ok()?;
    Some(data.claims.sub)
}

#[get("/events/{id}/seats")]
async fn seats(path: web::Path<i64>, q: web::Query<std::collections::HashMap<String, String>>, pool: web::Data<crate::DbPool>) -> impl Responder {
    let section = q.get("section").cloned().unwrap_or_else(|| "GA".into());
    let mut conn = pool.get().expect("db pool");
    let sql = format!("SELECT seat, price_cents FROM seats WHERE event_id = {} AND section = '{}' AND sold = false", path.into_inner(), section);
    match diesel::sql_query(sql).load::<SeatRow>(&mut conn) { // expect: RUST-SQLI-001
        Ok(rows) => HttpResponse::Ok().json(rows),
        Err(e) => HttpResponse::InternalServerError().body(format!("seat query failed: {e}")), // expect: RUST-ERRLEAK-001
    }
}

#[get("/orders/{order}/tickets")]
async fn ticket_codes(req: HttpRequest, path: web::Path<String>, pool: web::Data<crate::DbPool>, cfg: web::Data<AppConfig>) -> impl Responder {
    let Some(claims) = claims_from(&req, &cfg) else { return HttpResponse::Unauthorized().finish() };
    let mut conn = pool.get().expect("db pool");
    let rows = diesel::sql_query("SELECT seat, price_cents FROM tickets WHERE order_ref = $1 AND buyer = $2") // ok: RUST-SQLI-001
        .bind::<Text, _>(path.into_inner())
        .bind::<Text, _>(claims.sub)
        .load::<SeatRow>(&mut conn);
    match rows {
        Ok(rows) => HttpResponse::Ok().json(rows),
        Err(_) => HttpResponse::InternalServerError().body("could not load tickets"), // ok: RUST-ERRLEAK-001
    }
}

#[get("/tickets/download")]
async fn ticket_pdf(q: web::Query<std::collections::HashMap<String, String>>) -> actix_web::Result<NamedFile> {
    let file = q.get("name").cloned().unwrap_or_default();
    Ok(NamedFile::open(format!("/srv/boxoffice/pdf/{}", file))?) // expect: RUST-PATH-001
}

#[get("/receipts/{file}")]
async fn receipt_pdf(file: web::Path<String>) -> actix_web::Result<NamedFile> {
    let name = Path::new(file.as_str()).file_name().ok_or_else(|| actix_web::error::ErrorBadRequest("bad name"))?;
    Ok(NamedFile::open(Path::new("/srv/boxoffice/receipts").join(name))?) // ok: RUST-PATH-001
}

/// Door scanners post what they read from the QR code.
#[post("/door/scan")]
async fn door_scan(body: web::Json<ScanBody>, cfg: web::Data<AppConfig>) -> impl Responder {
    let mut mac = HmacSha256::new_from_slice(&cfg.door_key).expect("key length");
    mac.update(body.ticket_id.as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    if expected == body.signature { // expect: RUST-TIMING-001
        HttpResponse::Ok().body("admit")
    } else {
        HttpResponse::Forbidden().body("reject")
    }
}

/// Newer scanners send raw signature bytes (hex) and use the MAC's own check.
#[post("/door/scan/v2")]
async fn door_scan_v2(body: web::Json<ScanBody>, cfg: web::Data<AppConfig>) -> impl Responder {
    let mut mac = HmacSha256::new_from_slice(&cfg.door_key).expect("key length");
    mac.update(body.ticket_id.as_bytes());
    let sig = hex::decode(&body.signature).unwrap_or_default();
    match mac.verify_slice(&sig) { // ok: RUST-TIMING-001
        Ok(()) => HttpResponse::Ok().body("admit"),
        Err(_) => HttpResponse::Forbidden().body("reject"),
    }
}

#[post("/checkout/session")]
async fn start_checkout() -> impl Responder {
    let session = Cookie::build("boxoffice_session", uuid::Uuid::new_v4().to_string()).path("/").finish(); // expect: RUST-COOKIE-001
    let body = serde_json::json!({ "hold": hold_code(), "hint": seat_shuffle_hint() });
    HttpResponse::Ok().cookie(session).json(body)
}

pub fn cors() -> Cors {
    Cors::default().allowed_origin("https://tickets.example.com").supports_credentials() // ok: RUST-CORS-001
}
