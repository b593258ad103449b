//! JPEG and PNG to and from packed 8-bit RGB, the only conversions a camera
//! needs: `png` both ways, `zune-jpeg` to decode, `jpeg-encoder` to encode;
//! and the size of Viam's raw frame (`image/vnd.viam.rgba`: "RGBA", width
//! and height as big-endian u32s, then the pixels).
//! Small codecs rather than the `image` crate, whose colour management
//! (moxcms) alone took longer to compile than all three (a minute of CPU
//! on every fresh build).

use std::io::Cursor;

use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// The formats this module reads, told apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Jpeg,
    Png,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const RGBA_MAGIC: &[u8] = b"RGBA";

/// A raw RGBA frame's size, checked against its pixels.
fn viam_rgba(bytes: &[u8]) -> Result<(u32, u32), String> {
    let header = bytes.get(..12).ok_or("RGBA: shorter than its 12-byte header")?;
    if !header.starts_with(RGBA_MAGIC) {
        return Err("RGBA: the header does not start with \"RGBA\"".into());
    }
    let side = |at: usize| u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    let (width, height) = (side(4), side(8));
    let pixels = &bytes[12..];
    let expected = (width as usize)
        .checked_mul(height as usize)
        .and_then(|n| n.checked_mul(4));
    if expected != Some(pixels.len()) {
        return Err(format!("RGBA: {} bytes of pixels for {width}x{height}", pixels.len()));
    }
    Ok((width, height))
}

fn format(bytes: &[u8]) -> Result<Format, String> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(Format::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Ok(Format::Png)
    } else {
        Err("neither JPEG nor PNG".into())
    }
}

/// The most a decode may produce: an 8K frame (7680x4320, 100 MB) fits. A
/// file's header alone sets the size, and an image folder is anyone's
/// files: a few hundred bytes may claim a terapixel.
pub const MAX_DECODED_BYTES: usize = 128 << 20;

/// Refuses a decode of `width` x `height` RGB larger than [`MAX_DECODED_BYTES`].
fn within_cap(width: usize, height: usize) -> Result<(), String> {
    match width.checked_mul(height).and_then(|n| n.checked_mul(3)) {
        Some(n) if n <= MAX_DECODED_BYTES => Ok(()),
        _ => Err(format!(
            "{width}x{height} is too large to decode (at most {} MB of RGB)",
            MAX_DECODED_BYTES >> 20
        )),
    }
}

/// zune-jpeg's options: any size JPEG can state (its default stops at
/// 16384 a side), packed RGB out.
fn jpeg_options() -> DecoderOptions {
    DecoderOptions::default()
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .jpeg_set_out_colorspace(ColorSpace::RGB)
}

/// A decoded image: `rgb` holds `width * height` pixels of three bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgb8 {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// Width and height of an image of `mime_type` (JPEG, PNG or Viam's raw
/// RGBA; `+lazy` as Viam's clients may add it), from its headers alone.
pub fn dimensions_of(mime_type: &str, bytes: &[u8]) -> Result<(u32, u32), String> {
    match mime_type.trim_end_matches("+lazy") {
        "image/vnd.viam.rgba" => viam_rgba(bytes),
        "image/jpeg" | "image/png" => dimensions(bytes),
        other => Err(format!("images of type {other:?} have no size read here")),
    }
}

/// Width and height of a JPEG or PNG, from its headers alone.
pub fn dimensions(bytes: &[u8]) -> Result<(u32, u32), String> {
    match format(bytes)? {
        Format::Jpeg => {
            let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), jpeg_options());
            decoder.decode_headers().map_err(|e| format!("JPEG: {e:?}"))?;
            let (w, h) = decoder.dimensions().ok_or("JPEG: no frame header")?;
            Ok((to_u32(w)?, to_u32(h)?))
        }
        Format::Png => {
            let mut decoder = png::Decoder::new(Cursor::new(bytes));
            let info = decoder.read_header_info().map_err(|e| format!("PNG: {e}"))?;
            Ok((info.width, info.height))
        }
    }
}

/// Decodes a JPEG or PNG to packed RGB (alpha dropped, grey spread to three
/// channels, 16-bit samples cut to 8).
pub fn decode(bytes: &[u8]) -> Result<Rgb8, String> {
    match format(bytes)? {
        Format::Jpeg => decode_jpeg(bytes),
        Format::Png => decode_png(bytes),
    }
}

fn decode_jpeg(bytes: &[u8]) -> Result<Rgb8, String> {
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), jpeg_options());
    decoder.decode_headers().map_err(|e| format!("JPEG: {e:?}"))?;
    let (w, h) = decoder.dimensions().ok_or("JPEG: no frame header")?;
    within_cap(w, h).map_err(|e| format!("JPEG: {e}"))?;
    let rgb = decoder.decode().map_err(|e| format!("JPEG: {e:?}"))?;
    if rgb.len() != w * h * 3 {
        return Err(format!("JPEG: {} bytes decoded for {w}x{h} RGB", rgb.len()));
    }
    Ok(Rgb8 {
        width: to_u32(w)?,
        height: to_u32(h)?,
        rgb,
    })
}

fn decode_png(bytes: &[u8]) -> Result<Rgb8, String> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    // Palettes become colours, low bit depths and 16-bit samples become 8.
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let info = decoder.read_header_info().map_err(|e| format!("PNG: {e}"))?;
    within_cap(info.width as usize, info.height as usize).map_err(|e| format!("PNG: {e}"))?;
    let mut reader = decoder.read_info().map_err(|e| format!("PNG: {e}"))?;
    let size = reader.output_buffer_size().ok_or("PNG: too large")?;
    // Before expansion a grey pixel may be one byte, after it at most four.
    if size > MAX_DECODED_BYTES / 3 * 4 {
        return Err(format!("PNG: {size} bytes is too large to decode"));
    }
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(|e| format!("PNG: {e}"))?;
    buf.truncate(frame.buffer_size());
    let rgb = match frame.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&y| [y, y, y]).collect(),
        png::ColorType::GrayscaleAlpha => buf.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0]]).collect(),
        png::ColorType::Indexed => return Err("PNG: a palette left unexpanded".into()),
    };
    Ok(Rgb8 {
        width: frame.width,
        height: frame.height,
        rgb,
    })
}

/// Packed RGB to JPEG at `quality` (1–100).
pub fn encode_jpeg(rgb: &[u8], width: u32, height: u32, quality: u8) -> Result<Vec<u8>, String> {
    let too_large = || format!("{width}x{height} is larger than a JPEG can be (65535 a side)");
    let w = u16::try_from(width).map_err(|_| too_large())?;
    let h = u16::try_from(height).map_err(|_| too_large())?;
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Packed RGB to PNG.
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

fn to_u32(n: usize) -> Result<u32, String> {
    u32::try_from(n).map_err(|_| format!("a side of {n} pixels"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 4x2: red, green, blue, white over black, grey, yellow, cyan.
    fn pattern() -> Vec<u8> {
        [
            [255, 0, 0],
            [0, 255, 0],
            [0, 0, 255],
            [255, 255, 255],
            [0, 0, 0],
            [128, 128, 128],
            [255, 255, 0],
            [0, 255, 255],
        ]
        .concat()
    }

    #[test]
    fn png_round_trips_exactly() {
        let png = encode_png(&pattern(), 4, 2).unwrap();
        assert_eq!(dimensions(&png).unwrap(), (4, 2));
        assert_eq!(
            decode(&png).unwrap(),
            Rgb8 {
                width: 4,
                height: 2,
                rgb: pattern()
            }
        );
    }

    #[test]
    fn jpeg_round_trips_within_its_loss() {
        // A flat colour survives JPEG's loss almost unchanged.
        let flat: Vec<u8> = [200, 40, 90].repeat(16 * 8);
        let jpeg = encode_jpeg(&flat, 16, 8, 85).unwrap();
        assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
        assert_eq!(dimensions(&jpeg).unwrap(), (16, 8));
        let back = decode(&jpeg).unwrap();
        assert_eq!((back.width, back.height, back.rgb.len()), (16, 8, 16 * 8 * 3));
        for (got, want) in back.rgb.iter().zip(&flat) {
            assert!(got.abs_diff(*want) <= 4, "{got} vs {want}");
        }
    }

    #[test]
    fn grey_and_alpha_pngs_decode_to_rgb() {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 2, 1);
        encoder.set_color(png::ColorType::GrayscaleAlpha);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[10, 255, 200, 0]).unwrap();
        writer.finish().unwrap();
        assert_eq!(decode(&out).unwrap().rgb, [10, 10, 10, 200, 200, 200]);
    }

    /// A valid PNG header (and nothing after it) claiming `width` x `height`.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let encoder = png::Encoder::new(&mut out, width, height);
        drop(encoder.write_header());
        out
    }

    #[test]
    fn a_header_claiming_a_huge_image_is_refused_before_any_allocation() {
        let png = png_header(1_000_000, 1_000_000);
        assert_eq!(dimensions(&png).unwrap(), (1_000_000, 1_000_000));
        let e = decode(&png).unwrap_err();
        assert!(e.starts_with("PNG: 1000000x1000000 is too large"), "{e}");
        // A small JPEG whose frame header (SOF0: FF C0, length, precision,
        // height, width) is rewritten to claim 60000x60000.
        let mut jpeg = encode_jpeg(&[0; 16 * 8 * 3], 16, 8, 85).unwrap();
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        assert_eq!(dimensions(&jpeg).unwrap(), (60000, 60000));
        let e = decode(&jpeg).unwrap_err();
        assert!(e.starts_with("JPEG: 60000x60000 is too large"), "{e}");
    }

    #[test]
    fn a_raw_rgba_frame_has_the_size_its_header_and_pixels_agree_on() {
        let mut frame = b"RGBA".to_vec();
        frame.extend(3u32.to_be_bytes());
        frame.extend(2u32.to_be_bytes());
        frame.extend([0; 3 * 2 * 4]);
        assert_eq!(dimensions_of("image/vnd.viam.rgba", &frame).unwrap(), (3, 2));
        let e = dimensions_of("image/vnd.viam.rgba", &frame[..frame.len() - 1]).unwrap_err();
        assert_eq!(e, "RGBA: 23 bytes of pixels for 3x2");
        let png = png_header(5, 4);
        assert_eq!(dimensions_of("image/png+lazy", &png).unwrap(), (5, 4));
        assert!(
            dimensions_of("image/vnd.viam.dep", &png)
                .unwrap_err()
                .contains("no size")
        );
        assert!(
            dimensions_of("image/vnd.viam.rgba", &png)
                .unwrap_err()
                .contains("\"RGBA\"")
        );
    }

    #[test]
    fn other_bytes_are_refused_by_name() {
        assert_eq!(decode(b"GIF89a").unwrap_err(), "neither JPEG nor PNG");
        assert!(dimensions(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap_err().starts_with("JPEG"));
        assert!(encode_jpeg(&[0; 3], 70_000, 1, 85).unwrap_err().contains("65535"));
    }
}
