//! Frame codec of a site-to-site VPN appliance, built as a cdylib and called by
//! the appliance's C daemon. Attacker data: every UDP datagram that reaches the
//! tunnel port (anyone on the internet can send one; the daemon passes the raw
//! bytes and the length from recvfrom), and peer names typed into the admin panel.

use constant_time_eq::constant_time_eq;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::ffi::{c_char, CStr, CString};
use std::{mem, ptr, slice};

pub const MAX_FRAME: usize = 1500;
const HEADER_LEN: usize = 8;
const TAG_LEN: usize = 16;

/// Key used by peers that have not been provisioned yet.
const BOOTSTRAP_PSK: &[u8; 32] = b"vpn-bootstrap-9c41d7e08ab35f2e6d"; // expect: RUST-SECRET-001

#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FrameKind {
    Handshake = 1,
    Data = 2,
    Keepalive = 3,
}

impl TryFrom<u8> for FrameKind {
    type Error = ();
    fn try_from(b: u8) -> Result<Self, ()> {
        match b {
            1 => Ok(FrameKind::Handshake),
            2 => Ok(FrameKind::Data),
            3 => Ok(FrameKind::Keepalive),
            _ => Err(()),
        }
    }
}

#[derive(Debug)]
pub struct FrameHeader {
    pub kind: u8,
    pub payload_len: u16,
    pub peer_id: u32,
}

pub struct Peer {
    pub name: String,
    pub key: [u8; 32],
}

pub struct PeerTable {
    peers: *mut Peer,
    len: usize,
}

unsafe impl Send for PeerTable {} // expect: RUST-UNSAFE-001

impl PeerTable {
    pub fn by_id(&self, id: u32) -> &Peer {
        unsafe { &*self.peers.add(id as usize) } // expect: RUST-UNSAFE-001
    }

    pub fn checked(&self, id: u32) -> Option<&Peer> {
        if (id as usize) >= self.len {
            return None;
        }
        // SAFETY: `peers` points to `len` initialised peers owned by the table, and id < len.
        Some(unsafe { &*self.peers.add(id as usize) }) // ok: RUST-UNSAFE-001
    }
}

extern "C" {
    fn daemon_log(level: i32, msg: *const c_char);
}

fn parse_header(frame: &[u8]) -> Option<FrameHeader> {
    if frame.len() < HEADER_LEN {
        return None;
    }
    Some(FrameHeader {
        kind: frame[0],
        payload_len: u16::from_be_bytes([frame[2], frame[3]]),
        peer_id: u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]),
    })
}

#[no_mangle]
pub extern "C" fn vpn_frame_kind(buf: *const u8, len: usize) -> i32 {
    let bytes = unsafe { slice::from_raw_parts(buf, len) }; // expect: RUST-UNSAFE-001, RUST-RAWPARTS-001
    if bytes.is_empty() {
        return -1;
    }
    let kind: FrameKind = unsafe { mem::transmute(bytes[0]) }; // expect: RUST-UNSAFE-001, RUST-TRANSMUTE-001
    kind as i32
}

/// Checked variant used by the v2 daemon.
///
/// # Safety
/// `buf` must be null or point to `len` readable bytes for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn vpn_frame_kind_v2(buf: *const u8, len: usize) -> i32 { // ok: RUST-UNSAFE-001
    if buf.is_null() || len == 0 || len > MAX_FRAME {
        return -1;
    }
    // SAFETY: non-null, 0 < len <= MAX_FRAME, and the caller guarantees `len` readable bytes.
    let bytes = unsafe { slice::from_raw_parts(buf, len) }; // ok: RUST-UNSAFE-001, RUST-RAWPARTS-001
    FrameKind::try_from(bytes[0]).map(|k| k as i32).unwrap_or(-1) // ok: RUST-TRANSMUTE-001
}

/// Copies a data frame's payload into the daemon's MAX_FRAME reassembly buffer.
#[no_mangle]
pub extern "C" fn vpn_copy_payload(frame: *const u8, frame_len: usize, out: *mut u8) -> isize {
    let data = unsafe { slice::from_raw_parts(frame, frame_len) }; // expect: RUST-UNSAFE-001, RUST-RAWPARTS-001
    let Some(h) = parse_header(data) else { return -1 };
    unsafe { ptr::copy_nonoverlapping(data.as_ptr().add(HEADER_LEN), out, h.payload_len as usize) }; // expect: RUST-UNSAFE-001
    h.payload_len as isize
}

/// Round-trip time that keepalive frames carry as IEEE-754 bits.
pub fn keepalive_rtt(frame: &[u8]) -> Option<f32> {
    let raw: [u8; 4] = frame.get(HEADER_LEN..HEADER_LEN + 4)?.try_into().ok()?;
    Some(f32::from_bits(u32::from_be_bytes(raw))) // ok: RUST-TRANSMUTE-001
}

fn tag_of(key: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(payload);
    mac.finalize().into_bytes()[..TAG_LEN].to_vec()
}

pub fn verify_bootstrap(payload: &[u8], tag: &[u8]) -> bool {
    tag_of(BOOTSTRAP_PSK, payload) == tag // expect: RUST-TIMING-001
}

pub fn verify_peer(peer: &Peer, payload: &[u8], tag: &[u8]) -> bool {
    constant_time_eq(&tag_of(&peer.key, payload), tag) // ok: RUST-TIMING-001
}

#[no_mangle]
pub extern "C" fn vpn_announce_peer_name(table: &PeerTable, id: u32, name: *const c_char) -> i32 {
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned(); // expect: RUST-UNSAFE-001
    let msg = CString::new(format!("renaming peer {id} to {name:?}")).unwrap_or_default().as_ptr();
    unsafe { daemon_log(6, msg) }; // expect: RUST-UNSAFE-001
    match table.checked(id) {
        Some(_) => {
            let done = CString::new("peer renamed").unwrap_or_default();
            // SAFETY: `done` lives until the end of this block and daemon_log copies the string.
            unsafe { daemon_log(6, done.as_ptr()) }; // ok: RUST-UNSAFE-001
            0
        }
        None => -1,
    }
}
