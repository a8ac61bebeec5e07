//! Warehouse scanner gateway: handheld barcode scanners on the warehouse Wi-Fi connect over TCP and send
//! one line per scan (`SCAN <scanner-id> <barcode>` / `PHOTO <scanner-id> <name> <base64>`); the gateway
//! looks the code up in the stock database (rusqlite), prints labels and serves a small status page (axum).
//! Attacker data: every scanned barcode (labels on inbound pallets are printed by suppliers, QR codes by
//! anyone) and every line a device on the shared Wi-Fi sends to the port.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::response::Html;
use base64::Engine;
use log::{info, warn};
use rusqlite::{params, Connection};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const PHOTO_DIR: &str = "/srv/scanner/damage-photos";

struct CarrierConfig {
    api_base: &'static str,
    api_key: &'static str,
}

static CARRIER: CarrierConfig = CarrierConfig {
    api_base: "https://tracking.carrier.example/v2",
    api_key: "wh-track-3b7d0e9f21c84a65b0d4e7f1a2c3b8e6", // expect: RUST-SECRET-001
};

pub struct Gateway {
    db: Mutex<Connection>,
    recent: Mutex<Vec<(String, String)>>,
    http: reqwest::Client,
    printer: String,
}

pub async fn serve(gw: Arc<Gateway>) -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:9100").await?;
    loop {
        let (sock, peer) = listener.accept().await?;
        info!("scanner connected from {peer}");
        tokio::spawn(handle(gw.clone(), sock));
    }
}

async fn handle(gw: Arc<Gateway>, sock: TcpStream) {
    let mut lines = BufReader::new(sock).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let parts: Vec<&str> = line.splitn(4, ' ').collect();
        match parts.as_slice() {
            ["SCAN", scanner, code] => on_scan(&gw, scanner, code).await,
            ["PHOTO", scanner, name, data] => save_photo(scanner, name, data),
            ["QTY", scanner, code, qty] => {
                let qty: u32 = qty.trim().parse().unwrap(); // expect: RUST-UNWRAP-001
                adjust(&gw, scanner, code, qty);
            }
            _ => warn!("unparseable frame: {:?}", line), // ok: RUST-LOG-001
        }
    }
}

async fn on_scan(gw: &Gateway, scanner: &str, code: &str) {
    info!("scan from {}: {}", scanner, code); // expect: RUST-LOG-001
    gw.recent.lock().unwrap().push((scanner.to_string(), code.to_string()));
    if let Some(url) = code.strip_prefix("TRACK:") {
        // carrier QR labels embed the full tracking URL
        let _ = gw.http.get(url).header("x-api-key", CARRIER.api_key).send().await; // expect: RUST-SSRF-001
        return;
    }
    let sku = {
        let db = gw.db.lock().unwrap();
        let sql = format!("SELECT sku FROM barcodes WHERE code = '{}'", code);
        db.query_row(&sql, [], |r| r.get::<_, String>(0)).ok() // expect: RUST-SQLI-001
    };
    if let Some(sku) = sku {
        let job = format!("zpl-label --sku {} --caption '{}' | lp -d {} -o raw", sku, code, gw.printer);
        let _ = Command::new("sh").arg("-c").arg(job).status(); // expect: RUST-CMDI-001
    }
}

fn adjust(gw: &Gateway, scanner: &str, code: &str, qty: u32) {
    let db = gw.db.lock().unwrap();
    let res = db.execute(
        "UPDATE stock SET qty = ?1, counted_by = ?2 WHERE sku = (SELECT sku FROM barcodes WHERE code = ?3)", // ok: RUST-SQLI-001
        params![qty, scanner, code],
    );
    if let Err(e) = res {
        warn!("stock adjust failed for {:?}: {e}", code); // ok: RUST-LOG-001
    }
}

fn save_photo(scanner: &str, name: &str, data: &str) {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data.trim()) else {
        return;
    };
    let path = Path::new(PHOTO_DIR).join(scanner).join(name);
    let _ = std::fs::write(&path, bytes); // expect: RUST-PATH-001
}

/// Printer test page; the printer queue name comes from the gateway's own config, and no shell is used.
pub fn print_test_page(printer: &str) -> std::io::Result<std::process::ExitStatus> {
    Command::new("lp").args(["-d", printer, "-o", "raw", "/usr/share/scanner/test.zpl"]).status() // ok: RUST-CMDI-001
}

pub async fn carrier_status(gw: &Gateway, tracking_no: &str) -> reqwest::Result<String> {
    let url = format!("{}/shipments/{}", CARRIER.api_base, urlencoding::encode(tracking_no));
    gw.http.get(url).header("x-api-key", CARRIER.api_key).send().await?.text().await // ok: RUST-SSRF-001
}

/// Status page for the shift lead: the last scans of every scanner.
pub async fn status_page(gw: Arc<Gateway>) -> Html<String> {
    let recent = gw.recent.lock().unwrap();
    let mut rows = String::new();
    for (scanner, code) in recent.iter().rev().take(50) {
        rows.push_str(&format!("<tr><td>{}</td><td>{}</td></tr>", html_escape::encode_text(scanner), code));
    }
    Html(format!("<html><body><table>{rows}</table></body></html>")) // expect: RUST-XSS-001
}

/// Shows which scanner was seen last; that value is escaped before it is put into the page.
pub async fn last_seen(gw: Arc<Gateway>) -> Html<String> {
    let recent = gw.recent.lock().unwrap();
    let who = recent.last().map(|(s, _)| html_escape::encode_text(s).into_owned()).unwrap_or_default();
    Html(format!("<p>Last scanner seen: {who}</p>")) // ok: RUST-XSS-001
}
