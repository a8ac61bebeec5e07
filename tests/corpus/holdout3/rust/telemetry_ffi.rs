//! Telemetry frame codec shared with the C firmware tools through a small FFI surface.
//!
//! Frame layout: [kind: u8][flags: u8][payload_len: u16 LE][payload ...][crc32: u32 LE]

use std::collections::HashMap;
use std::ffi::{c_char, CStr};
use std::mem;
use std::slice;
use std::sync::Mutex;

pub const HEADER_LEN: usize = 4;
pub const MAX_PAYLOAD: usize = 4096;

static mut FRAMES_DECODED: u64 = 0;

#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    Heartbeat = 1,
    Reading = 2,
    Alarm = 3,
}

impl TryFrom<u8> for FrameKind {
    type Error = u8;

    fn try_from(v: u8) -> Result<Self, u8> {
        match v {
            1 => Ok(FrameKind::Heartbeat),
            2 => Ok(FrameKind::Reading),
            3 => Ok(FrameKind::Alarm),
            other => Err(other),
        }
    }
}

#[derive(Debug)]
pub struct Frame<'a> {
    pub kind: FrameKind,
    pub flags: u8,
    pub payload: &'a [u8],
}

/// Parses one frame from a buffer received over the serial bridge.
pub fn parse_frame(buf: &[u8]) -> Option<Frame<'_>> {
    if buf.len() < HEADER_LEN {
        return None;
    }
    let kind: FrameKind = unsafe { mem::transmute(buf[0]) }; // expect: RUST-UNSAFE-001, RUST-TRANSMUTE-001
    let payload_len = u16::from_le_bytes([buf[2], buf[3]]) as usize;
    let payload = unsafe { slice::from_raw_parts(buf.as_ptr().add(HEADER_LEN), payload_len) }; // expect: RUST-UNSAFE-001, RUST-RAWPARTS-001
    unsafe { // expect: RUST-UNSAFE-001
        FRAMES_DECODED += 1;
    }
    Some(Frame { kind, flags: buf[1], payload })
}

/// The checked variant used by the ingestion service.
pub fn parse_frame_checked(buf: &[u8]) -> Option<Frame<'_>> {
    let header: [u8; HEADER_LEN] = buf.get(..HEADER_LEN)?.try_into().ok()?;
    let kind = FrameKind::try_from(header[0]).ok()?; // ok: RUST-TRANSMUTE-001
    let payload_len = u16::from_le_bytes([header[2], header[3]]) as usize;
    if payload_len > MAX_PAYLOAD {
        return None;
    }
    let payload = buf.get(HEADER_LEN..HEADER_LEN + payload_len)?;
    Some(Frame { kind, flags: header[1], payload })
}

/// Reads a little-endian reading value from a payload.
pub fn reading_value(payload: &[u8]) -> Option<f32> {
    let raw: [u8; 4] = payload.get(..4)?.try_into().ok()?;
    Some(f32::from_le_bytes(raw)) // ok: RUST-TRANSMUTE-001
}

static SENSOR_NAMES: Mutex<Option<HashMap<u32, &'static str>>> = Mutex::new(None);

/// Registers a sensor name passed in by the firmware tool.
///
/// # Safety
/// `name` must be a valid, NUL-terminated string that outlives the call.
#[no_mangle]
pub unsafe extern "C" fn tm_register_sensor(id: u32, name: *const c_char) -> i32 { // ok: RUST-UNSAFE-001
    if name.is_null() {
        return -1;
    }
    // SAFETY: checked for null above; the caller guarantees a NUL-terminated string (see # Safety).
    let borrowed = unsafe { CStr::from_ptr(name) }; // ok: RUST-UNSAFE-001
    let Ok(text) = borrowed.to_str() else {
        return -2;
    };
    let forever: &'static str = unsafe { mem::transmute::<&str, &'static str>(text) }; // expect: RUST-UNSAFE-001, RUST-TRANSMUTE-001
    let mut names = SENSOR_NAMES.lock().unwrap_or_else(|p| p.into_inner());
    names.get_or_insert_with(HashMap::new).insert(id, forever);
    0
}

/// Computes the frame CRC over a buffer owned by the caller.
///
/// # Safety
/// `data` must point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn tm_crc32(data: *const u8, len: usize) -> u32 { // ok: RUST-UNSAFE-001
    if data.is_null() || len > MAX_PAYLOAD + HEADER_LEN {
        return 0;
    }
    // SAFETY: non-null and bounded above; the caller guarantees `len` readable bytes (see # Safety).
    let bytes = unsafe { slice::from_raw_parts(data, len) }; // ok: RUST-UNSAFE-001, RUST-RAWPARTS-001
    crc32fast::hash(bytes)
}

/// Decodes a frame into the caller's output buffer and returns the payload length, or -1.
#[no_mangle]
pub extern "C" fn tm_decode_payload(frame: *const u8, frame_len: usize, out: *mut u8, out_cap: usize) -> isize {
    if frame.is_null() || out.is_null() || out_cap == 0 || frame_len > HEADER_LEN + MAX_PAYLOAD {
        return -1;
    }
    // SAFETY: non-null and bounded by the protocol maximum; the C side passes the whole frame buffer.
    let input = unsafe { slice::from_raw_parts(frame, frame_len) }; // ok: RUST-UNSAFE-001, RUST-RAWPARTS-001
    let Some(parsed) = parse_frame_checked(input) else {
        return -1;
    };
    let dest = unsafe { slice::from_raw_parts_mut(out, parsed.payload.len()) }; // expect: RUST-UNSAFE-001, RUST-RAWPARTS-001
    dest.copy_from_slice(parsed.payload);
    parsed.payload.len() as isize
}

pub struct Decoder {
    scratch: *mut u8,
    cap: usize,
}

unsafe impl Send for Decoder {} // expect: RUST-UNSAFE-001
