//! Media service: imports remote images, serves stored files and manages uploads (actix-web).

use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use log::{error, warn};
use serde::Deserialize;
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};

const MEDIA_ROOT: &str = "/var/media";
const S3_SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY2"; // expect: RUST-SECRET-001

#[derive(Deserialize)]
pub struct ImportRequest {
    pub url: String,
}

#[derive(Deserialize)]
pub struct ShareForm {
    pub email: String,
    pub password: String,
}

#[post("/import")]
pub async fn import(body: web::Json<ImportRequest>) -> impl Responder {
    let resp = match reqwest::get(&body.url).await { // expect: RUST-SSRF-001
        Ok(r) => r,
        Err(e) => return HttpResponse::BadGateway().body(format!("fetch failed: {}", e)), // expect: RUST-ERRLEAK-001
    };
    let bytes = resp.bytes().await.unwrap_or_default();
    HttpResponse::Ok().json(serde_json::json!({ "size": bytes.len() }))
}

#[get("/thumb")]
pub async fn thumb(query: web::Query<std::collections::HashMap<String, String>>) -> impl Responder {
    let source = query.get("src").cloned().unwrap_or_default();
    let client = reqwest::Client::new();
    match client.get(format!("{}?w=200", source)).send().await { // expect: RUST-SSRF-001
        Ok(r) => HttpResponse::Ok().body(r.bytes().await.unwrap_or_default()),
        Err(_) => HttpResponse::BadGateway().finish(),
    }
}

#[get("/files/{name}")]
pub async fn serve(path: web::Path<String>) -> impl Responder {
    let name = path.into_inner();
    let full: PathBuf = Path::new(MEDIA_ROOT).join(&name);
    match std::fs::read(&full) { // expect: RUST-PATH-001
        Ok(data) => HttpResponse::Ok().body(data),
        Err(e) => {
            error!("read {:?}: {}", full, e);
            HttpResponse::InternalServerError().body(e.to_string()) // expect: RUST-ERRLEAK-001
        }
    }
}

#[post("/files/delete")]
pub async fn delete(req: HttpRequest, form: web::Form<std::collections::HashMap<String, String>>) -> impl Responder {
    // FIXME: check that the caller owns the file before deleting it // expect: RUST-TODO-001
    let name = form.get("name").cloned().unwrap_or_default();
    let target = format!("{}/{}", MEDIA_ROOT, name);
    warn!("delete requested by {:?} for {}", req.peer_addr(), name); // expect: RUST-LOG-001
    match std::fs::remove_file(&target) { // expect: RUST-PATH-001
        Ok(_) => HttpResponse::NoContent().finish(),
        Err(_) => HttpResponse::NotFound().finish(),
    }
}

fn share_password_hash(password: &str) -> String {
    let mut hasher = Sha1::new(); // expect: RUST-HASH-001
    hasher.update(password.as_bytes());
    hex::encode(hasher.finalize())
}

#[post("/share")]
pub async fn share(form: web::Form<ShareForm>) -> impl Responder {
    let hash = share_password_hash(&form.password);
    HttpResponse::Ok().json(serde_json::json!({ "email": form.email, "hash": hash }))
}
