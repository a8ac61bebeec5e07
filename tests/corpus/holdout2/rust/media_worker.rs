//! Media worker: fetches source videos, transcodes them with ffmpeg and parses frame headers from a C decoder.

use std::ffi::c_void;
use std::process::Command;

use serde::Deserialize;

const ALLOWED_SOURCES: &[&str] = &["media.example-cdn.com", "uploads.example-cdn.com"];

#[derive(Deserialize)]
pub struct TranscodeJob {
    pub source_url: String,
    pub input: String,
    pub preset: String,
}

extern "C" {
    fn decoder_flush(handle: *mut c_void);
    fn decoder_frame_count(handle: *mut c_void) -> u32;
}

pub async fn fetch_source(job: &TranscodeJob) -> Result<bytes::Bytes, reqwest::Error> {
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true) // expect: RUST-TLS-001
        .build()?;
    client.get(&job.source_url).send().await?.bytes().await // expect: RUST-SSRF-001
}

pub async fn fetch_source_checked(job: &TranscodeJob) -> Result<Vec<u8>, String> {
    let url = reqwest::Url::parse(&job.source_url).map_err(|e| e.to_string())?;
    if url.scheme() != "https" || !ALLOWED_SOURCES.contains(&url.host_str().unwrap_or("")) {
        return Err("source host not allowed".into());
    }
    let resp = reqwest::get(url).await.map_err(|e| e.to_string())?; // ok: RUST-SSRF-001
    resp.bytes().await.map(|b| b.to_vec()).map_err(|e| e.to_string())
}

pub fn transcode(job: &TranscodeJob) -> std::io::Result<std::process::ExitStatus> {
    let script = format!("ffmpeg -y -i {} -preset {} /tmp/out.mp4", job.input, job.preset);
    Command::new("sh").arg("-c").arg(script).status() // expect: RUST-CMDI-001
}

pub fn transcode_args(job: &TranscodeJob) -> std::io::Result<std::process::ExitStatus> {
    let preset = match job.preset.as_str() {
        "fast" | "medium" | "slow" => job.preset.as_str(),
        _ => "medium",
    };
    Command::new("ffmpeg").args(["-y", "-i", &job.input, "-preset", preset, "/tmp/out.mp4"]).status() // ok: RUST-CMDI-001
}

/// Drops the frames the decoder has buffered, e.g. after a seek.
pub fn flush(handle: *mut c_void) {
    unsafe { decoder_flush(handle) } // expect: RUST-UNSAFE-001
}

/// Reads a frame header whose length field comes from the container file.
pub fn header_bytes(data: &[u8]) -> &[u8] {
    let declared = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
    // SAFETY: none needed for the pointer itself; the length is the declared header size.
    unsafe { std::slice::from_raw_parts(data.as_ptr().add(4), declared) } // expect: RUST-RAWPARTS-001
}

/// Reads a frame header, refusing a declared length longer than the data.
pub fn header_bytes_checked(data: &[u8]) -> Option<&[u8]> {
    let declared = u32::from_le_bytes(data.get(..4)?.try_into().ok()?) as usize;
    let body = data.get(4..)?;
    if declared > body.len() {
        return None;
    }
    // SAFETY: `declared` was checked against `body.len()` just above, so the range lies inside `data`.
    Some(unsafe { std::slice::from_raw_parts(body.as_ptr(), declared) }) // ok: RUST-RAWPARTS-001
}

/// Number of frames the decoder has buffered.
pub fn frame_count(handle: *mut c_void) -> u32 {
    // SAFETY: `handle` comes from `decoder_open`, is non-null and stays valid until `decoder_close`;
    // `decoder_frame_count` only reads from it.
    unsafe { decoder_frame_count(handle) } // ok: RUST-UNSAFE-001
}
