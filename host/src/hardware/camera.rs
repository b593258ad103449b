//! What a camera backend does: hand over the next frame, in whatever form
//! the device produces it. Conversion to what a client or a guest asked for
//! (JPEG, PNG, packed RGB) happens here, once, for every backend.

use super::{HwError, HwResult};
use crate::core::image_codec;

/// A frame as the device produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pixels {
    /// Packed 8-bit RGB.
    Rgb8(Vec<u8>),
    /// YUV 4:2:2, two pixels in four bytes (Y0 U Y1 V).
    Yuyv(Vec<u8>),
    Jpeg(Vec<u8>),
    Png(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub pixels: Pixels,
}

/// The formats a frame can be handed over in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Jpeg,
    Png,
    Rgb8,
}

impl Encoding {
    pub fn mime_type(self) -> &'static str {
        match self {
            Encoding::Jpeg => "image/jpeg",
            Encoding::Png => "image/png",
            Encoding::Rgb8 => "image/x-rgb8",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        match mime.split(';').next().unwrap_or("").trim() {
            "image/jpeg" => Some(Encoding::Jpeg),
            "image/png" => Some(Encoding::Png),
            _ => None,
        }
    }
}

/// Facts about a camera for GetProperties.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceInfo {
    pub width: u32,
    pub height: u32,
    pub fps: Option<f32>,
}

pub trait FrameSource: Send {
    /// The next frame. May block for up to one frame period.
    fn grab(&mut self) -> HwResult<Frame>;
    fn info(&self) -> SourceInfo;
}

const JPEG_QUALITY: u8 = 85;

/// The frame's bytes in `encoding`, converting only when needed.
pub fn encode(frame: Frame, encoding: Encoding) -> HwResult<Vec<u8>> {
    match (frame.pixels, encoding) {
        (Pixels::Jpeg(b), Encoding::Jpeg) | (Pixels::Png(b), Encoding::Png) => Ok(b),
        (pixels, encoding) => {
            let (width, height, rgb) = to_rgb(frame.width, frame.height, pixels)?;
            match encoding {
                Encoding::Rgb8 => Ok(rgb),
                Encoding::Jpeg => image_codec::encode_jpeg(&rgb, width, height, JPEG_QUALITY)
                    .map_err(|e| HwError::Unavailable(format!("encoding JPEG: {e}"))),
                Encoding::Png => image_codec::encode_png(&rgb, width, height)
                    .map_err(|e| HwError::Unavailable(format!("encoding PNG: {e}"))),
            }
        }
    }
}

/// The frame as packed RGB: width, height and pixels. An encoded frame
/// keeps the size it decodes to.
fn to_rgb(width: u32, height: u32, pixels: Pixels) -> HwResult<(u32, u32, Vec<u8>)> {
    let size = width as usize * height as usize * 3;
    match pixels {
        Pixels::Rgb8(mut raw) if raw.len() >= size => {
            raw.truncate(size);
            Ok((width, height, raw))
        }
        Pixels::Rgb8(_) => Err(HwError::Unavailable("the camera sent a bad RGB frame".into())),
        Pixels::Yuyv(raw) => Ok((width, height, yuyv_to_rgb(&raw, width, height)?)),
        Pixels::Jpeg(b) | Pixels::Png(b) => image_codec::decode(&b)
            .map(|image| (image.width, image.height, image.rgb))
            .map_err(|e| HwError::Unavailable(format!("decoding a frame: {e}"))),
    }
}

/// YUYV (BT.601, limited range) to packed RGB.
pub fn yuyv_to_rgb(raw: &[u8], width: u32, height: u32) -> HwResult<Vec<u8>> {
    let pixels = width as usize * height as usize;
    if !width.is_multiple_of(2) || raw.len() < pixels * 2 {
        return Err(HwError::Unavailable(format!(
            "a YUYV frame of {width}x{height} needs {} bytes, got {}",
            pixels * 2,
            raw.len()
        )));
    }
    let mut out = Vec::with_capacity(pixels * 3);
    for quad in raw[..pixels * 2].chunks_exact(4) {
        let (u, v) = (f32::from(quad[1]) - 128.0, f32::from(quad[3]) - 128.0);
        for y in [quad[0], quad[2]] {
            let c = 1.164 * (f32::from(y) - 16.0);
            let clamp = |x: f32| x.round().clamp(0.0, 255.0) as u8;
            out.extend([
                clamp(c + 1.596 * v),
                clamp(c - 0.392 * u - 0.813 * v),
                clamp(c + 2.017 * u),
            ]);
        }
    }
    Ok(out)
}

/// Width and height of an encoded image, without decoding it.
pub fn dimensions(bytes: &[u8]) -> HwResult<(u32, u32)> {
    image_codec::dimensions(bytes).map_err(|e| HwError::InvalidArgument(format!("not an image: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_grey_and_white_convert_to_rgb() {
        // Y=235 with neutral chroma is white; Y=16 is black.
        let rgb = yuyv_to_rgb(&[235, 128, 16, 128], 2, 1).unwrap();
        assert_eq!(rgb, [255, 255, 255, 0, 0, 0]);
        assert!(yuyv_to_rgb(&[0; 3], 2, 1).is_err());
    }

    #[test]
    fn frames_round_trip_through_jpeg_and_png() {
        let frame = Frame {
            width: 16,
            height: 8,
            pixels: Pixels::Rgb8(vec![200; 16 * 8 * 3]),
        };
        let png = encode(frame.clone(), Encoding::Png).unwrap();
        assert_eq!(dimensions(&png).unwrap(), (16, 8));
        let jpeg = encode(frame, Encoding::Jpeg).unwrap();
        assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
        let back = encode(
            Frame {
                width: 16,
                height: 8,
                pixels: Pixels::Jpeg(jpeg),
            },
            Encoding::Rgb8,
        )
        .unwrap();
        assert_eq!(back.len(), 16 * 8 * 3);
    }
}
