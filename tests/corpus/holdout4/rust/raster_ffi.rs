//! C ABI of the page rasteriser behind the PDF rendering service. The C++ front end hands page
//! buffers in and receives RGBA tiles; JPEG encoding goes through the vendored libjpeg-turbo.

use std::ffi::{c_char, c_int, c_ulong, c_void, CString};
use std::mem;
use std::ptr;
use std::slice;

pub const MAX_TILE_BYTES: usize = 64 * 1024 * 1024;

#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelFormat {
    Gray8 = 0,
    Rgb24 = 1,
    Rgba32 = 2,
}

impl TryFrom<u8> for PixelFormat {
    type Error = u8;
    fn try_from(v: u8) -> Result<Self, u8> {
        match v {
            0 => Ok(Self::Gray8),
            1 => Ok(Self::Rgb24),
            2 => Ok(Self::Rgba32),
            other => Err(other),
        }
    }
}

#[repr(C)]
pub struct Page {
    pub width: u32,
    pub height: u32,
    pub pixels: *const u8,
}

pub struct FontCache {
    names: Vec<String>,
    handle: *mut c_void,
}

unsafe impl Send for FontCache {} // expect: RUST-UNSAFE-001

extern "C" {
    fn tj_compress(handle: *mut c_void, src: *const u8, width: c_int, pitch: c_int, height: c_int,
                   out: *mut *mut u8, out_len: *mut c_ulong, quality: c_int) -> c_int;
    fn tj_free(buf: *mut u8);
    fn host_log(msg: *const c_char);
}

/// Checksum entry point kept for the v1 front end.
#[no_mangle]
pub extern "C" fn rr_tile_checksum(data: *const u8, len: usize) -> u32 {
    let bytes = unsafe { slice::from_raw_parts(data, len) }; // expect: RUST-UNSAFE-001, RUST-RAWPARTS-001
    crc32fast::hash(bytes)
}

#[no_mangle]
pub extern "C" fn rr_tile_checksum_v2(data: *const u8, len: usize) -> u32 {
    if data.is_null() || len > MAX_TILE_BYTES {
        return 0;
    }
    // SAFETY: the front end passes a live buffer of `len` bytes for the duration of the call;
    // null pointers and lengths above the protocol maximum are rejected above.
    let bytes = unsafe { slice::from_raw_parts(data, len) }; // ok: RUST-UNSAFE-001, RUST-RAWPARTS-001
    crc32fast::hash(bytes)
}

/// Renders a page into the caller's output buffer as RGBA.
#[no_mangle]
pub extern "C" fn rr_render_page(page: *const Page, out: *mut u8, out_len: usize) -> c_int {
    let page = unsafe { &*page }; // expect: RUST-UNSAFE-001
    let needed = page.width as usize * page.height as usize * 4;
    let dst = unsafe { slice::from_raw_parts_mut(out, needed) }; // expect: RUST-UNSAFE-001, RUST-RAWPARTS-001
    log_to_host(&format!("rendering {}x{} into {} bytes", page.width, page.height, out_len));
    dst.fill(0xff);
    0
}

/// Reads the pixel format byte of a tile header.
pub fn pixel_format_fast(byte: u8) -> PixelFormat {
    unsafe { mem::transmute::<u8, PixelFormat>(byte) } // expect: RUST-UNSAFE-001, RUST-TRANSMUTE-001
}

pub fn pixel_format(byte: u8) -> Option<PixelFormat> {
    PixelFormat::try_from(byte).ok() // ok: RUST-TRANSMUTE-001
}

pub fn gamma_bits(gamma: f32) -> u32 {
    gamma.to_bits() // ok: RUST-TRANSMUTE-001
}

impl FontCache {
    /// Fonts stay loaded for the life of the process, so callers get 'static names.
    pub fn font_name(&self, id: usize) -> Option<&'static str> {
        let name: &str = self.names.get(id)?.as_str();
        Some(unsafe { mem::transmute::<&str, &'static str>(name) }) // expect: RUST-UNSAFE-001, RUST-TRANSMUTE-001
    }

    pub fn clear(&mut self) {
        self.names.clear();
    }
}

fn log_to_host(msg: &str) {
    let ptr = CString::new(msg).unwrap_or_default().as_ptr();
    unsafe { host_log(ptr) } // expect: RUST-UNSAFE-001
}

pub fn encode_jpeg(cache: &FontCache, rgba: &[u8], width: u32, height: u32, quality: c_int) -> Option<Vec<u8>> {
    let pitch = width.checked_mul(4)?;
    if rgba.len() < (pitch as usize).checked_mul(height as usize)? {
        return None;
    }
    let mut out: *mut u8 = ptr::null_mut();
    let mut out_len: c_ulong = 0;
    // SAFETY: `rgba` holds at least pitch * height bytes (checked above) and outlives the call;
    // `out` and `out_len` are valid places for tj_compress to store its allocation.
    let rc = unsafe { // ok: RUST-UNSAFE-001
        tj_compress(cache.handle, rgba.as_ptr(), width as c_int, pitch as c_int, height as c_int,
                    &mut out, &mut out_len, quality)
    };
    if rc != 0 || out.is_null() {
        return None;
    }
    // SAFETY: on success tj_compress points `out` at an allocation of exactly `out_len` bytes.
    let jpeg = unsafe { slice::from_raw_parts(out, out_len as usize) }.to_vec(); // ok: RUST-UNSAFE-001, RUST-RAWPARTS-001
    // SAFETY: `out` came from tj_compress, is freed once here and is not used afterwards.
    unsafe { tj_free(out) }; // ok: RUST-UNSAFE-001
    Some(jpeg)
}

/// Frees a tile buffer that this library handed to the front end.
///
/// # Safety
/// `tile` must be a tile buffer this library returned, with length and capacity `len`, and must
/// not be used again.
#[no_mangle]
pub unsafe extern "C" fn rr_free_tile(tile: *mut u8, len: usize) { // ok: RUST-UNSAFE-001
    if !tile.is_null() {
        drop(Vec::from_raw_parts(tile, len, len));
    }
}
