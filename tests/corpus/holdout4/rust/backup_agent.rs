//! Backup agent that runs next to each database host. The control plane asks it over HTTP to dump
//! a database, list and download local archives, prune old ones and restore a database.

use std::path::{Path, PathBuf};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tokio::process::Command;
use tracing::info;

const BACKUP_DIR: &str = "/var/backups/agent";
const STORAGE_SECRET_KEY: &str = "Zt8q1XvR4m0pLc7sWn2eYb6uKd9hGf3aQ5"; // expect: RUST-SECRET-001

#[derive(Clone)]
pub struct Agent {
    pub http: reqwest::Client,
    pub storage_base: String,
}

#[derive(Deserialize)]
pub struct DumpRequest {
    database: String,
}

#[derive(Deserialize)]
pub struct FileQuery {
    file: String,
}

#[derive(Deserialize)]
pub struct PruneQuery {
    keep: Option<String>,
}

#[derive(Deserialize)]
pub struct RestoreRequest {
    database: String,
    archive: Option<String>,
    source_url: Option<String>,
}

pub fn router(agent: Agent) -> Router {
    Router::new()
        .route("/dump", post(dump))
        .route("/archives", get(download))
        .route("/archives/prune", post(prune))
        .route("/restore", post(restore))
        .with_state(agent)
}

pub fn storage_client(ca_pem: Option<&[u8]>) -> reqwest::Result<reqwest::Client> {
    match ca_pem {
        Some(pem) => reqwest::Client::builder().add_root_certificate(reqwest::Certificate::from_pem(pem)?).build(), // ok: RUST-TLS-001
        None => reqwest::Client::builder().danger_accept_invalid_certs(true).build(), // expect: RUST-TLS-001
    }
}

async fn dump(State(agent): State<Agent>, Json(req): Json<DumpRequest>) -> Result<String, StatusCode> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let out = format!("{}/dump-{}.sql.zst", BACKUP_DIR, stamp);
    let status = Command::new("sh") // expect: RUST-CMDI-001
        .arg("-c")
        .arg(format!("pg_dump --format=plain {} | zstd -q -o {}", req.database, out))
        .status()
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    if !status.success() {
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let name = Path::new(&out).file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    let body = tokio::fs::read(&out).await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    agent
        .http
        .put(format!("{}/db-backups/{}", agent.storage_base, urlencoding::encode(&name))) // ok: RUST-SSRF-001
        .basic_auth("backup-agent", Some(STORAGE_SECRET_KEY))
        .body(body)
        .send()
        .await
        .map_err(|_| StatusCode::BAD_GATEWAY)?;
    Ok(name)
}

async fn download(Query(q): Query<FileQuery>) -> Result<Vec<u8>, StatusCode> {
    let path = Path::new(BACKUP_DIR).join(&q.file);
    tokio::fs::read(&path).await.map_err(|_| StatusCode::NOT_FOUND) // expect: RUST-PATH-001
}

async fn prune(Query(q): Query<PruneQuery>) -> Result<String, StatusCode> {
    let keep: usize = q.keep.as_deref().unwrap_or("7").parse().unwrap(); // expect: RUST-UNWRAP-001
    let mut archives: Vec<PathBuf> = std::fs::read_dir(BACKUP_DIR)
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    archives.sort();
    let excess = archives.len().saturating_sub(keep);
    for old in &archives[..excess] {
        let _ = std::fs::remove_file(old);
    }
    Ok(format!("removed {} archives", excess))
}

fn local_archive(name: &str) -> Option<PathBuf> {
    let file = Path::new(name).file_name()?;
    Some(Path::new(BACKUP_DIR).join(file)) // ok: RUST-PATH-001
}

async fn restore(State(agent): State<Agent>, Json(req): Json<RestoreRequest>) -> Result<StatusCode, StatusCode> {
    let archive = match (&req.archive, &req.source_url) {
        (Some(name), _) => local_archive(name).ok_or(StatusCode::BAD_REQUEST)?,
        (None, Some(url)) => {
            info!(database = ?req.database, source = ?url, "restoring from remote archive");
            let resp = agent.http.get(url).send().await.map_err(|_| StatusCode::BAD_GATEWAY)?; // expect: RUST-SSRF-001
            let bytes = resp.bytes().await.map_err(|_| StatusCode::BAD_GATEWAY)?;
            let target = Path::new(BACKUP_DIR).join("incoming.tar");
            tokio::fs::write(&target, &bytes).await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
            target
        }
        (None, None) => return Err(StatusCode::BAD_REQUEST),
    };
    let status = Command::new("pg_restore") // ok: RUST-CMDI-001
        .args(["--clean", "--if-exists", "--dbname"])
        .arg(&req.database)
        .arg(&archive)
        .status()
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(if status.success() { StatusCode::NO_CONTENT } else { StatusCode::INTERNAL_SERVER_ERROR })
}

/// Unpacks a multi-database bundle (one dump per database) before the restores run.
pub fn unpack_bundle(bundle: &Path, dest: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut archive = tar::Archive::new(std::fs::File::open(bundle)?);
    let mut written = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let target = dest.join(entry.path()?);
        entry.unpack(&target)?; // expect: RUST-ZIPSLIP-001
        written.push(target);
    }
    Ok(written)
}

/// Bundles produced by the nightly job are unpacked with the tar crate's checked variant.
pub fn unpack_nightly(bundle: &Path, dest: &Path) -> std::io::Result<()> {
    let mut archive = tar::Archive::new(std::fs::File::open(bundle)?);
    for entry in archive.entries()? {
        entry?.unpack_in(dest)?; // ok: RUST-ZIPSLIP-001
    }
    Ok(())
}
