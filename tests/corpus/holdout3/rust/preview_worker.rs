//! Link previews and thumbnails: fetches pages for chat messages and renders video thumbnails with ffmpeg.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use axum::{
    extract::{Query, State},
    http::StatusCode,
    Json,
};
use reqwest::{redirect::Policy, Client};
use serde::{Deserialize, Serialize};
use tokio::process::Command as AsyncCommand;
use tracing::info;
use url::Url;

const THUMB_DIR: &str = "/var/cache/chat/thumbs";
const MAX_PAGE_BYTES: usize = 512 * 1024;

#[derive(Clone)]
pub struct Fetchers {
    /// Used for customer-supplied links.
    pub open: Client,
    /// Used for our own CDN, which has a certificate from the internal CA.
    pub cdn: Client,
}

pub fn build_fetchers() -> reqwest::Result<Fetchers> {
    let open = Client::builder()
        .timeout(Duration::from_secs(8))
        .redirect(Policy::limited(3))
        .build()?;
    let cdn = Client::builder()
        .danger_accept_invalid_certs(true) // expect: RUST-TLS-001
        .timeout(Duration::from_secs(5))
        .build()?;
    Ok(Fetchers { open, cdn })
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    url: String,
}

#[derive(Serialize, Default)]
pub struct Preview {
    title: Option<String>,
    description: Option<String>,
}

fn extract_meta(html: &str) -> Preview {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("meta[property^='og:']").expect("static selector"); // ok: RUST-UNWRAP-001
    let mut out = Preview::default();
    for el in doc.select(&sel) {
        let content = el.value().attr("content").map(str::to_owned);
        match el.value().attr("property") {
            Some("og:title") => out.title = content,
            Some("og:description") => out.description = content,
            _ => {}
        }
    }
    out
}

// TODO: block private and link-local addresses before fetching previews // expect: RUST-TODO-001
pub async fn preview(
    State(fetchers): State<Fetchers>,
    Query(q): Query<PreviewQuery>,
) -> Result<Json<Preview>, (StatusCode, String)> {
    info!("preview requested for {}", q.url); // expect: RUST-LOG-001
    let resp = fetchers.open.get(&q.url).send().await // expect: RUST-SSRF-001
        .map_err(|e| (StatusCode::BAD_GATEWAY, format!("fetch failed: {e}")))?; // expect: RUST-ERRLEAK-001
    let bytes = resp.bytes().await.map_err(|_| (StatusCode::BAD_GATEWAY, "read failed".to_string()))?;
    let html = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_PAGE_BYTES)]);
    Ok(Json(extract_meta(&html)))
}

#[derive(Deserialize)]
pub struct AvatarQuery {
    user: String,
    size: Option<u32>,
}

/// Proxies avatars from the CDN so browsers never talk to it directly.
pub async fn avatar(
    State(fetchers): State<Fetchers>,
    Query(q): Query<AvatarQuery>,
) -> Result<Vec<u8>, StatusCode> {
    let mut url = Url::parse("https://cdn.internal.example/avatars/").map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    url.path_segments_mut()
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .push(&q.user);
    url.query_pairs_mut().append_pair("s", &q.size.unwrap_or(64).min(512).to_string());
    let resp = fetchers.cdn.get(url).send().await.map_err(|_| StatusCode::BAD_GATEWAY)?; // ok: RUST-SSRF-001
    resp.bytes().await.map(|b| b.to_vec()).map_err(|_| StatusCode::BAD_GATEWAY)
}

#[derive(Deserialize)]
pub struct ThumbJob {
    pub upload_path: String,
    pub output_name: String,
    pub at_seconds: f32,
    pub source_host: String,
}

/// Background job: render a thumbnail for an uploaded video.
pub async fn render_thumbnail(job: ThumbJob) -> std::io::Result<()> {
    let name = Path::new(&job.output_name).file_name().ok_or_else(|| std::io::Error::other("bad output name"))?;
    let output = Path::new(THUMB_DIR).join(name); // ok: RUST-PATH-001
    let status = AsyncCommand::new("ffmpeg") // ok: RUST-CMDI-001
        .args(["-y", "-ss", &format!("{:.2}", job.at_seconds), "-i"])
        .arg(&job.upload_path)
        .args(["-frames:v", "1"])
        .arg(&output)
        .status()
        .await?;
    if !status.success() {
        return Err(std::io::Error::other("ffmpeg failed"));
    }
    let optimise = format!("pngquant --force --output {} {}", output.display(), output.display());
    Command::new("sh").arg("-c").arg(&optimise).status()?; // expect: RUST-CMDI-001
    Ok(())
}

/// Mirrors a remote video so it can be thumbnailed; the host comes from the job payload.
pub async fn mirror_source(fetchers: &Fetchers, job: &ThumbJob) -> reqwest::Result<bytes::Bytes> {
    let remote = format!("https://{}/media/{}", job.source_host, job.output_name);
    fetchers.open.get(remote).send().await?.bytes().await // expect: RUST-SSRF-001
}

/// Counts frames with ffprobe; the path is ours, the arguments are fixed.
pub fn frame_count(path: &Path) -> Option<u64> {
    let out = Command::new("ffprobe") // ok: RUST-CMDI-001
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .ok()?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}
