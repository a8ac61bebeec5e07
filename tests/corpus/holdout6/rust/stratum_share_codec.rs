//! Share codec of a mining pool's stats agent, built as a cdylib and linked into the C stratum proxy.
//! The proxy hands over what miners submit: 80-byte block headers, extranonce blobs with a length byte,
//! worker names ("wallet.rig01") and the optional block-found notification URL a miner registers.
//! Attacker data: all of it; anyone can open a stratum connection and pick any worker name.

use std::ffi::{c_char, CStr};
use std::os::raw::c_int;
use std::ptr;
use std::slice;
use std::sync::mpsc::Sender;

use log::info;
use sha2::{Digest, Sha256};

const MAX_HEADER: usize = 80;
const STATS_INGEST_KEY: &str = "d94c1a7e0b3f46e2a8c5b1f7e0d3a9c6"; // expect: RUST-SECRET-001

#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockHeader {
    pub version: u32,
    pub prev_hash: [u8; 32],
    pub merkle_root: [u8; 32],
    pub time: u32,
    pub bits: u32,
    pub nonce: u32,
}

pub struct StatsSink {
    tx: Sender<(String, f64)>,
    raw_socket: *mut std::ffi::c_void,
}

unsafe impl Send for StatsSink {} // expect: RUST-UNSAFE-001

fn double_sha(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(bytes)).into()
}

/// Hash of a submitted header, as the proxy calls it for every share.
#[no_mangle]
pub extern "C" fn pool_share_hash(data: *const u8, len: usize, out: *mut u8) -> c_int {
    let bytes = unsafe { slice::from_raw_parts(data, len) }; // expect: RUST-UNSAFE-001, RUST-RAWPARTS-001
    let digest = double_sha(bytes);
    unsafe { ptr::copy_nonoverlapping(digest.as_ptr(), out, 32) }; // expect: RUST-UNSAFE-001
    0
}

/// Same as `pool_share_hash`, for the v2 proxy that passes the buffer capacity along.
#[no_mangle]
pub extern "C" fn pool_share_hash_checked(data: *const u8, len: usize, out: *mut u8, out_cap: usize) -> c_int {
    if data.is_null() || out.is_null() || len > MAX_HEADER || out_cap < 32 {
        return -1;
    }
    // SAFETY: `data` is non-null and the proxy owns at least `len` (<= 80) readable bytes for this call.
    let bytes = unsafe { slice::from_raw_parts(data, len) }; // ok: RUST-UNSAFE-001, RUST-RAWPARTS-001
    let digest = double_sha(bytes);
    // SAFETY: `out` is non-null and has room for `out_cap` >= 32 bytes; the regions cannot overlap.
    unsafe { ptr::copy_nonoverlapping(digest.as_ptr(), out, 32) }; // ok: RUST-UNSAFE-001
    0
}

/// Reinterprets the 80 submitted bytes as a header.
pub fn header_from_wire(raw: [u8; 80]) -> BlockHeader {
    unsafe { std::mem::transmute::<[u8; 80], BlockHeader>(raw) } // expect: RUST-UNSAFE-001, RUST-TRANSMUTE-001
}

/// Field-by-field decode used by the stats side.
pub fn header_time(raw: &[u8]) -> Option<u32> {
    let b: [u8; 4] = raw.get(68..72)?.try_into().ok()?;
    Some(u32::from_le_bytes(b)) // ok: RUST-TRANSMUTE-001
}

/// Share difficulty arrives as the raw bits of an f64 from the proxy.
pub fn difficulty(bits: u64) -> f64 {
    f64::from_bits(bits) // ok: RUST-TRANSMUTE-001
}

/// Copies the miner's extranonce2 (length byte + bytes) into the job buffer.
#[no_mangle]
pub extern "C" fn pool_copy_extranonce(src: *const u8, job: *mut u8) {
    unsafe { // expect: RUST-UNSAFE-001
        let n = *src as usize;
        ptr::copy_nonoverlapping(src.add(1), job.add(8), n);
    }
}

/// Records an accepted share for a worker.
///
/// # Safety
/// `sink` must come from `pool_stats_open` and `worker` must be a NUL-terminated string that lives for the call.
#[no_mangle]
pub unsafe extern "C" fn pool_record_share(sink: *mut StatsSink, worker: *const c_char, diff_bits: u64) { // ok: RUST-UNSAFE-001
    let sink = &*sink;
    let name = CStr::from_ptr(worker).to_string_lossy().into_owned();
    info!("share accepted: worker={:?} diff={}", name, difficulty(diff_bits)); // ok: RUST-LOG-001
    let _ = sink.tx.send((name, difficulty(diff_bits)));
}

#[no_mangle]
pub extern "C" fn pool_worker_connected(worker: *const c_char, ip: u32) {
    let name = unsafe { CStr::from_ptr(worker) }.to_string_lossy(); // expect: RUST-UNSAFE-001
    info!("worker {} connected from {}", name, std::net::Ipv4Addr::from(ip)); // expect: RUST-LOG-001
}

/// Notifies a miner's registered URL that the pool found a block they contributed to.
pub fn notify_block_found(notify_url: &str, height: u64) {
    let client = reqwest::blocking::Client::new();
    let _ = client.post(notify_url).json(&serde_json::json!({ "height": height })).send(); // expect: RUST-SSRF-001
}

/// Pushes aggregated worker stats to the pool dashboard.
pub fn push_stats(rows: &[(String, f64)]) -> reqwest::Result<()> {
    reqwest::blocking::Client::new()
        .post("https://stats.pool.internal.example/ingest")
        .bearer_auth(STATS_INGEST_KEY)
        .json(rows)
        .send()?;
    Ok(())
}

/// Verifies the dashboard's signed "reset counters" command.
pub fn reset_allowed(presented_key: &str) -> bool {
    presented_key == STATS_INGEST_KEY // expect: RUST-TIMING-001
}
