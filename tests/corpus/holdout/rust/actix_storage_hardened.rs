//! Storage gateway: serves user files and proxies a fixed partner API (actix-web), reviewed for path and SSRF issues.

use actix_web::{get, web, HttpResponse, Responder};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const STORAGE_ROOT: &str = "/srv/storage";
const PARTNER_API: &str = "https://api.partner.example/v2";
const ALLOWED_HOSTS: &[&str] = &["images.partner.example", "cdn.partner.example"];

#[derive(Deserialize)]
pub struct FileQuery {
    pub name: String,
}

#[derive(Deserialize)]
pub struct ImageQuery {
    pub url: String,
}

fn resolve_inside(root: &Path, name: &str) -> Option<PathBuf> {
    let root = root.canonicalize().ok()?;
    let candidate = root.join(name).canonicalize().ok()?;
    candidate.starts_with(&root).then_some(candidate)
}

#[get("/file")]
pub async fn file(query: web::Query<FileQuery>) -> impl Responder {
    let Some(path) = resolve_inside(Path::new(STORAGE_ROOT), &query.name) else {
        return HttpResponse::BadRequest().body("invalid file name");
    };
    match std::fs::read(&path) { // ok: RUST-PATH-001
        Ok(data) => HttpResponse::Ok().body(data),
        Err(e) => {
            log::error!("reading {:?} failed: {}", path, e);
            HttpResponse::NotFound().body("not found") // ok: RUST-ERRLEAK-001
        }
    }
}

#[get("/checksum")]
pub async fn checksum(query: web::Query<FileQuery>) -> impl Responder {
    let Some(path) = resolve_inside(Path::new(STORAGE_ROOT), &query.name) else {
        return HttpResponse::BadRequest().body("invalid file name");
    };
    let data = std::fs::read(&path).unwrap_or_default();
    let digest = Sha256::digest(&data); // ok: RUST-HASH-001
    HttpResponse::Ok().body(hex::encode(digest))
}

#[get("/partner/orders/{id}")]
pub async fn partner_order(id: web::Path<u64>) -> impl Responder {
    let url = format!("{}/orders/{}", PARTNER_API, id.into_inner());
    match reqwest::get(&url).await { // ok: RUST-SSRF-001
        Ok(resp) => HttpResponse::Ok().body(resp.text().await.unwrap_or_default()),
        Err(e) => {
            log::warn!("partner api failed: {}", e);
            HttpResponse::BadGateway().body("upstream unavailable")
        }
    }
}

#[get("/image")]
pub async fn image(query: web::Query<ImageQuery>) -> impl Responder {
    let parsed = match url::Url::parse(&query.url) {
        Ok(u) => u,
        Err(_) => return HttpResponse::BadRequest().body("invalid url"),
    };
    if parsed.scheme() != "https" || !ALLOWED_HOSTS.contains(&parsed.host_str().unwrap_or("")) {
        return HttpResponse::BadRequest().body("host not allowed");
    }
    match reqwest::get(parsed).await { // ok: RUST-SSRF-001
        Ok(resp) => HttpResponse::Ok().body(resp.bytes().await.unwrap_or_default()),
        Err(_) => HttpResponse::BadGateway().finish(),
    }
}

#[get("/lookup")]
pub async fn lookup(query: web::Query<FileQuery>) -> impl Responder {
    log::info!("lookup for {:?}", query.name); // ok: RUST-LOG-001
    let encoded = urlencoding::encode(&query.name);
    let url = format!("{}/search?q={}", PARTNER_API, encoded);
    match reqwest::get(&url).await { // ok: RUST-SSRF-001
        Ok(resp) => HttpResponse::Ok().body(resp.text().await.unwrap_or_default()),
        Err(_) => HttpResponse::BadGateway().finish(),
    }
}
