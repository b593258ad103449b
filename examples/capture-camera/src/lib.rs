//! `armature:examples:crosshair-camera`: a camera built on another one. It
//! grabs raw frames from the host camera its config grants, crops them and
//! draws a crosshair, then encodes them itself.
//!
//! ```json
//! "attributes": {
//!   "camera": "cam0",
//!   "crop": { "x": 40, "y": 30, "width": 240, "height": 180 },
//!   "mime_type": "image/jpeg"
//! }
//! ```
//! Without `crop`, the whole frame is used.

use armature_guest::hardware::{FrameFormat, grab_frame};
use armature_guest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, Clone, Copy)]
struct Crop {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
}

#[derive(Clone, Copy)]
enum Format {
    Jpeg,
    Png,
}

pub struct CrosshairCamera {
    crop: Option<Crop>,
    format: Format,
    mime_type: String,
    frames: u64,
}

fn settings(config: &Config) -> Result<(Option<Crop>, String, Format)> {
    let _camera: String = config.get("camera")?;
    let crop: Option<Crop> = config.get_opt("crop")?;
    if let Some(c) = crop
        && (c.width == 0 || c.height == 0)
    {
        return Err(Error::invalid_argument(format!(
            "resource {:?}: attribute `crop` needs a width and a height above 0",
            config.name
        )));
    }
    let mime_type: String = config.get_or("mime_type", "image/jpeg".to_string())?;
    let format = match mime_type.as_str() {
        "image/jpeg" => Format::Jpeg,
        "image/png" => Format::Png,
        other => {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `mime_type`: {other:?} is not image/jpeg or image/png",
                config.name
            )));
        }
    };
    Ok((crop, mime_type, format))
}

/// A frame as packed RGB, row by row.
struct Rgb {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl Rgb {
    fn crop(&self, c: Crop) -> Rgb {
        let row = self.width as usize * 3;
        let mut data = Vec::with_capacity(c.width as usize * c.height as usize * 3);
        for y in c.y..c.y + c.height {
            let start = y as usize * row + c.x as usize * 3;
            data.extend_from_slice(&self.data[start..start + c.width as usize * 3]);
        }
        Rgb {
            width: c.width,
            height: c.height,
            data,
        }
    }

    fn paint(&mut self, x: u32, y: u32, colour: [u8; 3]) {
        let at = (y as usize * self.width as usize + x as usize) * 3;
        self.data[at..at + 3].copy_from_slice(&colour);
    }

    fn encode(&self, format: Format) -> std::result::Result<Vec<u8>, String> {
        let mut out = Vec::new();
        match format {
            Format::Png => {
                let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
                encoder.set_color(png::ColorType::Rgb);
                let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
                writer.write_image_data(&self.data).map_err(|e| e.to_string())?;
                writer.finish().map_err(|e| e.to_string())?;
            }
            Format::Jpeg => {
                let side = |n: u32| u16::try_from(n).map_err(|_| format!("{n} pixels is too wide for JPEG"));
                jpeg_encoder::Encoder::new(&mut out, 85)
                    .encode(
                        &self.data,
                        side(self.width)?,
                        side(self.height)?,
                        jpeg_encoder::ColorType::Rgb,
                    )
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(out)
    }
}

impl CrosshairCamera {
    fn frame(&mut self) -> Result<Rgb> {
        let raw = grab_frame(FrameFormat::Rgb8)?;
        if raw.data.len() != raw.width as usize * raw.height as usize * 3 {
            return Err(Error::internal("the host sent a frame of the wrong size"));
        }
        let mut img = Rgb {
            width: raw.width,
            height: raw.height,
            data: raw.data,
        };
        if let Some(c) = self.crop {
            let fits = |start: u32, len: u32, side: u32| start.checked_add(len).is_some_and(|end| end <= side);
            if !fits(c.x, c.width, img.width) || !fits(c.y, c.height, img.height) {
                return Err(Error::out_of_range(format!(
                    "crop {}x{}+{}+{} does not fit the {}x{} frame",
                    c.width, c.height, c.x, c.y, img.width, img.height
                )));
            }
            img = img.crop(c);
        }
        let (w, h) = (img.width, img.height);
        let red = [255, 0, 0];
        for x in 0..w {
            img.paint(x, h / 2, red);
        }
        for y in 0..h {
            img.paint(w / 2, y, red);
        }
        self.frames += 1;
        Ok(img)
    }
}

impl Model for CrosshairCamera {
    const MODEL: &'static str = "armature:examples:crosshair-camera";

    fn validate(config: &Config) -> Result<Dependencies> {
        settings(config)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let (crop, mime_type, format) = settings(config)?;
        Ok(Self {
            crop,
            format,
            mime_type,
            frames: 0,
        })
    }

    fn reconfigure(&mut self, config: &Config, _deps: Deps) -> Result<Reconfigured> {
        (self.crop, self.mime_type, self.format) = settings(config)?;
        Ok(Reconfigured::Applied)
    }

    fn do_command(&mut self, _command: Map) -> Result<Map> {
        Ok(readings! { "frames" => self.frames })
    }
}

impl Camera for CrosshairCamera {
    fn get_images(&mut self, _filter_source_names: &[String], _extra: &Map) -> Result<Vec<Image>> {
        let data = self
            .frame()?
            .encode(self.format)
            .map_err(|e| Error::internal(format!("encoding the frame: {e}")))?;
        Ok(vec![Image {
            source_name: String::new(),
            mime_type: self.mime_type.clone(),
            data,
        }])
    }

    fn get_properties(&mut self) -> Result<CameraProperties> {
        Ok(CameraProperties {
            supports_pcd: false,
            intrinsics: None,
            distortion: None,
            mime_types: vec![self.mime_type.clone()],
            frame_rate: None,
        })
    }
}

armature_guest::export_module!(camera(CrosshairCamera));
