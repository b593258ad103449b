//! The images a camera sends, as packed RGB: JPEG, PNG, or Viam's raw RGBA
//! (`image/vnd.viam.rgba`: "RGBA", width and height as big-endian u32s,
//! then the pixels).

use std::io::Cursor;

use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// No frame larger than this many pixels is decoded (a 4K frame is 8.3 M).
const MAX_PIXELS: usize = 16 << 20;

pub struct Rgb {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

fn checked(width: usize, height: usize) -> Result<(), String> {
    match width.checked_mul(height) {
        Some(n) if n <= MAX_PIXELS => Ok(()),
        _ => Err(format!("{width}x{height} is too large (at most {MAX_PIXELS} pixels)")),
    }
}

/// Decodes `bytes`, which say what they are when they start as a JPEG, a
/// PNG or a raw RGBA frame does: Viam's Python SDK labels every image it
/// sends for detection `image/jpeg`. Other bytes are read as `mime_type`
/// says, and so refused naming it.
pub fn decode(mime_type: &str, bytes: &[u8]) -> Result<Rgb, String> {
    let sniffed = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(b"RGBA") {
        "image/vnd.viam.rgba"
    } else {
        mime_type
    };
    // A `+lazy` suffix (Viam's) changes nothing of the bytes.
    match sniffed.trim_end_matches("+lazy") {
        "image/jpeg" => jpeg(bytes),
        "image/png" => png(bytes),
        "image/vnd.viam.rgba" => rgba(bytes),
        other => Err(format!(
            "images of type {other:?} are not read (image/jpeg, image/png and image/vnd.viam.rgba are)"
        )),
    }
}

fn jpeg(bytes: &[u8]) -> Result<Rgb, String> {
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options);
    decoder.decode_headers().map_err(|e| format!("JPEG: {e:?}"))?;
    let (w, h) = decoder.dimensions().ok_or("JPEG: no frame header")?;
    checked(w, h)?;
    let data = decoder.decode().map_err(|e| format!("JPEG: {e:?}"))?;
    if data.len() != w * h * 3 {
        return Err(format!("JPEG: {} bytes decoded for {w}x{h} RGB", data.len()));
    }
    Ok(Rgb {
        width: w as u32,
        height: h as u32,
        data,
    })
}

fn png(bytes: &[u8]) -> Result<Rgb, String> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let info = decoder.read_header_info().map_err(|e| format!("PNG: {e}"))?;
    checked(info.width as usize, info.height as usize)?;
    let mut reader = decoder.read_info().map_err(|e| format!("PNG: {e}"))?;
    let size = reader.output_buffer_size().ok_or("PNG: too large")?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(|e| format!("PNG: {e}"))?;
    buf.truncate(frame.buffer_size());
    let data = match frame.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&y| [y, y, y]).collect(),
        png::ColorType::GrayscaleAlpha => buf.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0]]).collect(),
        png::ColorType::Indexed => return Err("PNG: a palette left unexpanded".into()),
    };
    Ok(Rgb {
        width: frame.width,
        height: frame.height,
        data,
    })
}

fn rgba(bytes: &[u8]) -> Result<Rgb, String> {
    let header = bytes.get(..12).ok_or("RGBA: shorter than its 12-byte header")?;
    if &header[..4] != b"RGBA" {
        return Err("RGBA: the header does not start with \"RGBA\"".into());
    }
    let width = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
    let height = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
    checked(width as usize, height as usize)?;
    let pixels = &bytes[12..];
    let n = width as usize * height as usize;
    if pixels.len() != n * 4 {
        return Err(format!("RGBA: {} bytes of pixels for {width}x{height}", pixels.len()));
    }
    Ok(Rgb {
        width,
        height,
        data: pixels.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
    })
}
