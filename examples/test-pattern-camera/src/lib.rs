//! `armature:examples:test-pattern`: a camera that draws colour bars with a
//! square moving across them, and encodes each frame inside the guest with
//! the small `jpeg-encoder` and `png` crates.
//!
//! Attributes: `width` (320), `height` (240), `mime_type` ("image/jpeg",
//! "image/png", or "image/vnd.viam.rgba": Viam's raw frame, "RGBA", width
//! and height as big-endian u32s, then the pixels; no encode, and no decode
//! for a vision service that reads it), `fps` (the frame rate it reports, 10).
//!
//! DoCommand:
//! - `{"command": "place_blob", "x": .., "y": .., "color": "#RRGGBB",
//!   "size": 40}` draws a square blob of that colour, `size` pixels a side,
//!   centred on (x, y), over everything else, until it is placed elsewhere
//!   or removed: something for a vision service to find.
//! - `{"command": "remove_blob"}`; `{"command": "stats"}` answers
//!   `{"frames", "last_frame_ms", "blob"}` (the time the last frame took to
//!   draw and encode, by the guest's clock).
//! - `{"command": "fail", "message": ".."}` makes every image request fail
//!   with UNAVAILABLE and that message (a simulated fault: an unplugged
//!   cable) until `{"command": "recover"}`; with `"no_image": true` instead
//!   every request succeeds with no image at all (a source not streaming).

use std::time::Instant;

use armature_guest::prelude::*;

const BARS: [[u8; 3]; 8] = [
    [255, 255, 255],
    [255, 255, 0],
    [0, 255, 255],
    [0, 255, 0],
    [255, 0, 255],
    [255, 0, 0],
    [0, 0, 255],
    [0, 0, 0],
];

const MIME_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/vnd.viam.rgba"];

/// A square of one colour, centred on (x, y).
#[derive(Debug, Clone, Copy)]
struct Blob {
    x: u32,
    y: u32,
    size: u32,
    rgb: [u8; 3],
}

impl Blob {
    fn from_command(command: &Map, width: u32, height: u32) -> Result<Blob> {
        let coordinate = |key: &str, limit: u32| -> Result<u32> {
            let v = command.get(key).and_then(Json::as_f64).ok_or_else(|| {
                Error::invalid_argument(format!("place_blob: `{key}` is required, a number of pixels"))
            })?;
            if !(0.0..f64::from(limit)).contains(&v) {
                return Err(Error::invalid_argument(format!(
                    "place_blob: `{key}` must be within 0..{limit} (the frame), got {v}"
                )));
            }
            Ok(v as u32)
        };
        let x = coordinate("x", width)?;
        let y = coordinate("y", height)?;
        let text = command.get("color").and_then(Json::as_str).unwrap_or("#FF8000");
        let rgb = parse_color(text)
            .ok_or_else(|| Error::invalid_argument(format!("place_blob: `color` must be \"#RRGGBB\", got {text:?}")))?;
        let size = match command.get("size") {
            None => 40,
            Some(v) => match v.as_u64() {
                Some(n) if (1..=u64::from(width.max(height))).contains(&n) => n as u32,
                _ => {
                    return Err(Error::invalid_argument(format!(
                        "place_blob: `size` must be a whole number of pixels within 1..={}, got {v}",
                        width.max(height)
                    )));
                }
            },
        };
        Ok(Blob { x, y, size, rgb })
    }
}

/// `#RRGGBB` as three bytes.
fn parse_color(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// A simulated fault, from `fail` until `recover`.
enum Failure {
    Error(String),
    NoImage,
}

pub struct TestPattern {
    blob: Option<Blob>,
    failing: Option<Failure>,
    /// How long the last frame took to draw and encode.
    last_frame_ms: f64,
    width: u32,
    height: u32,
    mime_type: String,
    fps: f32,
    start: Instant,
    frames: u64,
}

impl TestPattern {
    fn settings(config: &Config) -> Result<(u32, u32, String, f32)> {
        let width: u32 = config.get_or("width", 320)?;
        let height: u32 = config.get_or("height", 240)?;
        if !(16..=4096).contains(&width) || !(16..=4096).contains(&height) {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attributes `width` and `height` must be within 16..=4096",
                config.name
            )));
        }
        let mime_type: String = config.get_or("mime_type", "image/jpeg".to_string())?;
        if !MIME_TYPES.contains(&mime_type.as_str()) {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `mime_type` must be one of {MIME_TYPES:?}, got {mime_type:?}",
                config.name
            )));
        }
        Ok((width, height, mime_type, config.get_or("fps", 10.0)?))
    }

    /// The frame as packed RGB, row by row.
    fn render(&self) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        // One row of bars, copied down the frame; then the square and the
        // blob over it, rectangle by rectangle.
        let bars: Vec<u8> = (0..w).flat_map(|x| BARS[x * BARS.len() / w]).collect();
        let mut rgb = Vec::with_capacity(w * h * 3);
        for _ in 0..h {
            rgb.extend_from_slice(&bars);
        }
        let mut fill = |x0: usize, y0: usize, side_x: usize, side_y: usize, colour: [u8; 3]| {
            for y in y0.min(h)..(y0 + side_y).min(h) {
                for x in x0.min(w)..(x0 + side_x).min(w) {
                    rgb[(y * w + x) * 3..][..3].copy_from_slice(&colour);
                }
            }
        };
        // The square crosses the frame every two seconds.
        let side = (h / 4).max(4);
        let t = self.start.elapsed().as_secs_f64() / 2.0;
        let x0 = (t.fract() * (w - side) as f64) as usize;
        fill(x0, (h - side) / 2, side, side, [32, 32, 32]);
        if let Some(b) = self.blob {
            let half = b.size as usize / 2;
            let (bx, by) = ((b.x as usize).saturating_sub(half), (b.y as usize).saturating_sub(half));
            fill(bx, by, b.size as usize, b.size as usize, b.rgb);
        }
        rgb
    }

    fn encode(&self, rgb: &[u8], mime_type: &str) -> Result<Vec<u8>> {
        let failed = |e: String| Error::internal(format!("encoding {mime_type}: {e}"));
        let mut out = Vec::new();
        if mime_type == "image/vnd.viam.rgba" {
            out.reserve(12 + rgb.len() / 3 * 4);
            out.extend_from_slice(b"RGBA");
            out.extend_from_slice(&self.width.to_be_bytes());
            out.extend_from_slice(&self.height.to_be_bytes());
            for pixel in rgb.chunks_exact(3) {
                out.extend_from_slice(pixel);
                out.push(255);
            }
        } else if mime_type == "image/png" {
            let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
            encoder.set_color(png::ColorType::Rgb);
            let mut writer = encoder.write_header().map_err(|e| failed(e.to_string()))?;
            writer.write_image_data(rgb).map_err(|e| failed(e.to_string()))?;
            writer.finish().map_err(|e| failed(e.to_string()))?;
        } else {
            // `settings` keeps both sides within 4096.
            jpeg_encoder::Encoder::new(&mut out, 85)
                .encode(rgb, self.width as u16, self.height as u16, jpeg_encoder::ColorType::Rgb)
                .map_err(|e| failed(e.to_string()))?;
        }
        Ok(out)
    }
}

impl Model for TestPattern {
    const MODEL: &'static str = "armature:examples:test-pattern";

    fn validate(config: &Config) -> Result<Dependencies> {
        Self::settings(config)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let (width, height, mime_type, fps) = Self::settings(config)?;
        Ok(Self {
            blob: None,
            failing: None,
            last_frame_ms: 0.0,
            width,
            height,
            mime_type,
            fps,
            start: Instant::now(),
            frames: 0,
        })
    }

    fn reconfigure(&mut self, config: &Config, _deps: Deps) -> Result<Reconfigured> {
        (self.width, self.height, self.mime_type, self.fps) = Self::settings(config)?;
        Ok(Reconfigured::Applied)
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        match command.get("command").and_then(Json::as_str) {
            Some("stats") => Ok(readings! {
                "frames" => self.frames,
                "last_frame_ms" => self.last_frame_ms,
                "blob" => self.blob.map(|b| json!({
                    "x": b.x, "y": b.y, "size": b.size,
                    "color": format!("#{:02X}{:02X}{:02X}", b.rgb[0], b.rgb[1], b.rgb[2]),
                })),
            }),
            Some("place_blob") => {
                self.blob = Some(Blob::from_command(&command, self.width, self.height)?);
                Ok(Map::new())
            }
            Some("fail") => {
                let message = command
                    .get("message")
                    .and_then(Json::as_str)
                    .unwrap_or("a simulated fault");
                self.failing = Some(match command.get("no_image").and_then(Json::as_bool) {
                    Some(true) => Failure::NoImage,
                    _ => Failure::Error(message.to_string()),
                });
                Ok(Map::new())
            }
            Some("recover") => {
                self.failing = None;
                Ok(Map::new())
            }
            Some("remove_blob") => {
                self.blob = None;
                Ok(Map::new())
            }
            other => Err(Error::invalid_argument(format!("unknown command {other:?}"))),
        }
    }
}

impl Camera for TestPattern {
    fn get_images(&mut self, filter_source_names: &[String], extra: &Map) -> Result<Vec<Image>> {
        const SOURCE: &str = "pattern";
        match &self.failing {
            Some(Failure::Error(message)) => return Err(Error::unavailable(message.clone())),
            Some(Failure::NoImage) => return Ok(Vec::new()),
            None => {}
        }
        if !filter_source_names.is_empty() && !filter_source_names.iter().any(|s| s == SOURCE) {
            return Ok(Vec::new());
        }
        // A client may ask for another encoding in `extra.mime_type`.
        let mime_type = extra
            .get("mime_type")
            .and_then(Json::as_str)
            .unwrap_or(&self.mime_type)
            .to_string();
        if !MIME_TYPES.contains(&mime_type.as_str()) {
            return Err(Error::invalid_argument(format!(
                "mime_type {mime_type:?} is not one of {MIME_TYPES:?}"
            )));
        }
        let started = Instant::now();
        let frame = self.render();
        let data = self.encode(&frame, &mime_type)?;
        self.frames += 1;
        self.last_frame_ms = started.elapsed().as_secs_f64() * 1e3;
        Ok(vec![Image {
            source_name: SOURCE.into(),
            mime_type,
            data,
        }])
    }

    fn get_properties(&mut self) -> Result<CameraProperties> {
        Ok(CameraProperties {
            supports_pcd: false,
            intrinsics: Some(Intrinsics {
                width_px: self.width,
                height_px: self.height,
                focal_x_px: f64::from(self.width),
                focal_y_px: f64::from(self.width),
                center_x_px: f64::from(self.width) / 2.0,
                center_y_px: f64::from(self.height) / 2.0,
            }),
            distortion: None,
            mime_types: MIME_TYPES.iter().map(|s| s.to_string()).collect(),
            frame_rate: Some(self.fps),
        })
    }
}

armature_guest::export_module!(camera(TestPattern));
