//! Home-automation hub: the local REST API of the hub (axum + sqlx on SQLite) and its MQTT bridge to
//! Zigbee/Wi-Fi devices (rumqttc). Attacker data: requests from the phone app and from any browser page
//! on the LAN, and the MQTT announce/state messages devices publish (cheap plugs run third-party firmware).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use sqlx::SqlitePool;
use tower_http::cors::CorsLayer;
use tracing::{info, warn};

const HUB_API_TOKEN: &str = "hub_6f2b91d7c04e4a58b3e0f9a1d2c7e845"; // expect: RUST-SECRET-001
const FLOORPLAN_DIR: &str = "/var/lib/hub/floorplans";

#[derive(Clone)]
pub struct Hub {
    pub db: SqlitePool,
    pub http: reqwest::Client,
}

pub fn router(hub: Hub) -> Router {
    let cors = CorsLayer::very_permissive(); // expect: RUST-CORS-001
    Router::new()
        .route("/devices", get(list_devices))
        .route("/devices/:id/name", post(rename_device))
        .route("/scenes/:name/run", post(run_scene))
        .route("/cameras/snapshot", get(camera_snapshot))
        .route("/floorplans/:file", get(floorplan))
        .layer(cors)
        .with_state(hub)
}

fn authorised(headers: &HeaderMap) -> bool {
    let presented = headers.get("x-hub-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    presented == HUB_API_TOKEN // expect: RUST-TIMING-001
}

#[derive(Deserialize)]
pub struct DeviceFilter {
    room: Option<String>,
}

async fn list_devices(State(hub): State<Hub>, Query(f): Query<DeviceFilter>) -> impl IntoResponse {
    let mut sql = String::from("SELECT id, name, kind, room FROM devices WHERE 1 = 1");
    if let Some(room) = &f.room {
        sql.push_str(&format!(" AND room = '{}'", room));
    }
    let rows = sqlx::query_as::<_, (i64, String, String, String)>(&sql) // expect: RUST-SQLI-001
        .fetch_all(&hub.db)
        .await;
    match rows {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(), // expect: RUST-ERRLEAK-001
    }
}

const DEVICE_COLUMNS: &str = "id, name, kind, room";

pub async fn devices_of_kind(db: &SqlitePool, kind: &str) -> sqlx::Result<Vec<(i64, String, String, String)>> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE kind = ?1 ORDER BY name");
    sqlx::query_as(&sql).bind(kind).fetch_all(db).await // ok: RUST-SQLI-001
}

#[derive(Deserialize)]
pub struct Rename {
    name: String,
}

async fn rename_device(State(hub): State<Hub>, headers: HeaderMap, UrlPath(id): UrlPath<i64>, Json(body): Json<Rename>) -> StatusCode {
    if !authorised(&headers) {
        return StatusCode::UNAUTHORIZED;
    }
    info!(device = id, name = ?body.name, "device renamed"); // ok: RUST-LOG-001
    match sqlx::query("UPDATE devices SET name = ?1 WHERE id = ?2").bind(&body.name).bind(id).execute(&hub.db).await {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Runs a user-defined scene script with the target device as its argument.
async fn run_scene(UrlPath(name): UrlPath<String>, Query(q): Query<HashMap<String, String>>) -> StatusCode {
    let target = q.get("device").cloned().unwrap_or_default();
    let script = format!("/etc/hub/scenes/{}.sh {}", name, target);
    match Command::new("sh").arg("-c").arg(&script).status() { // expect: RUST-CMDI-001
        Ok(s) if s.success() => StatusCode::NO_CONTENT,
        _ => StatusCode::BAD_GATEWAY,
    }
}

/// Switches a plug through the broker's CLI client; no shell involved.
pub fn publish_switch(device_id: u32, on: bool) -> std::io::Result<std::process::ExitStatus> {
    let topic = format!("zigbee2mqtt/plug_{device_id}/set");
    Command::new("mosquitto_pub").args(["-h", "127.0.0.1", "-t", &topic, "-m", if on { "ON" } else { "OFF" }]).status() // ok: RUST-CMDI-001
}

#[derive(Deserialize)]
pub struct Snapshot {
    camera_url: Option<String>,
    camera_id: Option<u32>,
}

async fn camera_snapshot(State(hub): State<Hub>, Query(s): Query<Snapshot>) -> Result<Vec<u8>, StatusCode> {
    let resp = if let Some(url) = s.camera_url {
        hub.http.get(url).send().await // expect: RUST-SSRF-001
    } else {
        let id = s.camera_id.ok_or(StatusCode::BAD_REQUEST)?;
        hub.http.get(format!("http://cameras.internal.example/snap/{id}.jpg")).send().await // ok: RUST-SSRF-001
    };
    let resp = resp.map_err(|_| StatusCode::BAD_GATEWAY)?;
    Ok(resp.bytes().await.map_err(|_| StatusCode::BAD_GATEWAY)?.to_vec())
}

async fn floorplan(UrlPath(file): UrlPath<String>) -> Result<Vec<u8>, StatusCode> {
    let path = Path::new(FLOORPLAN_DIR).join(&file);
    tokio::fs::read(path).await.map_err(|_| StatusCode::NOT_FOUND) // expect: RUST-PATH-001
}

pub async fn floorplan_thumbnail(file: &str) -> Option<Vec<u8>> {
    let name = Path::new(file).file_name()?;
    tokio::fs::read(Path::new(FLOORPLAN_DIR).join("thumbs").join(name)).await.ok() // ok: RUST-PATH-001
}

#[derive(Deserialize)]
struct Announce {
    id: String,
    model: String,
    firmware: String,
}

/// Handles `hub/announce` messages from the MQTT bridge.
pub fn on_announce(payload: &[u8]) {
    let a: Announce = serde_json::from_slice(payload).unwrap(); // expect: RUST-UNWRAP-001
    warn!("unknown device {} announced model {} (fw {})", a.id, a.model, a.firmware); // expect: RUST-LOG-001
}
