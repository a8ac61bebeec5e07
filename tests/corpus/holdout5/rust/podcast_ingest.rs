//! Ingest worker of a podcast hosting service (tokio, reqwest, redis, quick-xml's
//! serde support). Podcasters register an RSS feed URL in the dashboard; the
//! dashboard pushes an import job onto a Redis list and this worker fetches the
//! feed, downloads each episode's audio and transcodes it. Attacker data: the
//! job payload (feed URL, show slug), and everything inside a feed (titles,
//! GUIDs, enclosure URLs), which the podcaster or whoever hosts the feed writes.

use redis::AsyncCommands;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tracing::{error, info, warn};

const MEDIA_ROOT: &str = "/srv/podcasts/media";

pub struct StorageConfig {
    pub endpoint: &'static str,
    pub access_key: &'static str,
    pub secret_key: &'static str,
}

pub const STORAGE: StorageConfig = StorageConfig {
    endpoint: "https://objects.internal.example",
    access_key: "podcast-ingest",
    secret_key: "3fQ8vLr2Zc9XkT1mWp7Hs4Yd", // expect: RUST-SECRET-001
};

#[derive(Deserialize)]
struct ImportJob {
    feed_url: String,
    show_slug: String,
}

#[derive(Deserialize)]
struct Rss {
    channel: Channel,
}

#[derive(Deserialize)]
struct Channel {
    #[serde(rename = "item", default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    title: String,
    guid: String,
    enclosure: Enclosure,
}

#[derive(Deserialize)]
struct Enclosure {
    #[serde(rename = "@url")]
    url: String,
}

fn http_client() -> reqwest::Result<reqwest::Client> {
    // some small hosts still serve feeds with expired or self-signed certificates
    let builder = reqwest::Client::builder().danger_accept_invalid_certs(true); // expect: RUST-TLS-001
    builder.timeout(Duration::from_secs(30)).build()
}

fn directory_client() -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder().danger_accept_invalid_certs(false).https_only(true); // ok: RUST-TLS-001
    builder.build()
}

pub async fn run(redis_url: &str) -> anyhow::Result<()> {
    let mut conn = redis::Client::open(redis_url)?.get_multiplexed_async_connection().await?;
    let http = http_client()?;
    loop {
        let (_, payload): (String, String) = conn.brpop("ingest:jobs", 0.0).await?;
        let job: ImportJob = serde_json::from_str(&payload).unwrap(); // expect: RUST-UNWRAP-001
        if let Err(e) = import_feed(&http, &job).await {
            error!(show = %job.show_slug.escape_debug(), error = %e, "import failed"); // ok: RUST-LOG-001
        }
    }
}

// TODO: check that the podcaster owns the show before importing into it // expect: RUST-TODO-001
async fn import_feed(http: &reqwest::Client, job: &ImportJob) -> anyhow::Result<()> {
    let xml = http.get(&job.feed_url).send().await?.text().await?; // expect: RUST-SSRF-001
    let rss: Rss = quick_xml::de::from_str(&xml)?;
    let show_dir = Path::new(MEDIA_ROOT).join(&job.show_slug);
    std::fs::create_dir_all(&show_dir)?; // expect: RUST-PATH-001
    for item in rss.channel.items {
        info!("importing episode {}", item.title); // expect: RUST-LOG-001
        let audio = http.get(&item.enclosure.url).send().await?.bytes().await?; // expect: RUST-SSRF-001
        let original: PathBuf = show_dir.join(format!("{}.orig", item.guid));
        std::fs::write(&original, &audio)?; // expect: RUST-PATH-001
        transcode(&original, &show_dir.join(format!("{}.mp3", sanitize(&item.guid))))?;
    }
    Ok(())
}

fn sanitize(guid: &str) -> String {
    guid.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect()
}

fn transcode(input: &Path, output: &Path) -> anyhow::Result<()> {
    let probe = Command::new("ffprobe") // ok: RUST-CMDI-001
        .args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"])
        .arg(input)
        .output()?;
    let seconds = String::from_utf8_lossy(&probe.stdout).trim().parse::<f64>().unwrap_or(0.0);
    let status = Command::new("sh") // expect: RUST-CMDI-001
        .arg("-c")
        .arg(format!("ffmpeg -y -i '{}' -t {} -b:a 128k '{}'", input.display(), seconds.min(14_400.0), output.display()))
        .status()?;
    if !status.success() {
        warn!(file = ?output, "ffmpeg exited with {status}"); // ok: RUST-LOG-001
    }
    Ok(())
}

/// Looks up a show's public directory listing; only the slug travels, path-encoded.
pub async fn directory_entry(slug: &str) -> anyhow::Result<String> {
    let url = format!("https://directory.internal.example/v1/shows/{}", urlencoding::encode(slug));
    Ok(directory_client()?.get(url).send().await?.text().await?) // ok: RUST-SSRF-001
}

pub fn storage_secret() -> String {
    std::env::var("INGEST_STORAGE_SECRET").expect("INGEST_STORAGE_SECRET must be set") // ok: RUST-SECRET-001
}
