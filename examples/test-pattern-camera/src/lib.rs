//! `armature:examples:test-pattern`: a camera that draws colour bars with a
//! square moving across them, and encodes each frame inside the guest with
//! the small `jpeg-encoder` and `png` crates.
//!
//! Attributes: `width` (320), `height` (240), `mime_type` ("image/jpeg" or
//! "image/png"), `fps` (the frame rate it reports, 10).

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

const MIME_TYPES: [&str; 2] = ["image/jpeg", "image/png"];

pub struct TestPattern {
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
        let (w, h) = (self.width, self.height);
        let side = (h / 4).max(4);
        // The square crosses the frame every two seconds.
        let t = self.start.elapsed().as_secs_f64() / 2.0;
        let x0 = ((t.fract()) * f64::from(w - side)) as u32;
        let y0 = (h - side) / 2;
        let mut rgb = Vec::with_capacity(w as usize * h as usize * 3);
        for y in 0..h {
            for x in 0..w {
                if (x0..x0 + side).contains(&x) && (y0..y0 + side).contains(&y) {
                    rgb.extend([32, 32, 32]);
                } else {
                    rgb.extend(BARS[(x * BARS.len() as u32 / w) as usize]);
                }
            }
        }
        rgb
    }

    fn encode(&self, rgb: &[u8], mime_type: &str) -> Result<Vec<u8>> {
        let failed = |e: String| Error::internal(format!("encoding {mime_type}: {e}"));
        let mut out = Vec::new();
        if mime_type == "image/png" {
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
            Some("stats") => Ok(readings! { "frames" => self.frames }),
            other => Err(Error::invalid_argument(format!("unknown command {other:?}"))),
        }
    }
}

impl Camera for TestPattern {
    fn get_images(&mut self, filter_source_names: &[String], extra: &Map) -> Result<Vec<Image>> {
        const SOURCE: &str = "pattern";
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
        let frame = self.render();
        let data = self.encode(&frame, &mime_type)?;
        self.frames += 1;
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
