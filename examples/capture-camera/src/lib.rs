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

use std::io::Cursor;

use armature_guest::hardware::{FrameFormat, grab_frame};
use armature_guest::prelude::*;
use image::{ImageFormat, Rgb, RgbImage};
use serde::Deserialize;

#[derive(Deserialize, Clone, Copy)]
struct Crop {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
}

pub struct CrosshairCamera {
    crop: Option<Crop>,
    format: ImageFormat,
    mime_type: String,
    frames: u64,
}

fn settings(config: &Config) -> Result<(Option<Crop>, String, ImageFormat)> {
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
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        other => {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `mime_type`: {other:?} is not image/jpeg or image/png",
                config.name
            )));
        }
    };
    Ok((crop, mime_type, format))
}

impl CrosshairCamera {
    fn frame(&mut self) -> Result<RgbImage> {
        let raw = grab_frame(FrameFormat::Rgb8)?;
        let mut img = RgbImage::from_raw(raw.width, raw.height, raw.data)
            .ok_or_else(|| Error::internal("the host sent a frame of the wrong size"))?;
        if let Some(c) = self.crop {
            if c.x + c.width > img.width() || c.y + c.height > img.height() {
                return Err(Error::out_of_range(format!(
                    "crop {}x{}+{}+{} does not fit the {}x{} frame",
                    c.width,
                    c.height,
                    c.x,
                    c.y,
                    img.width(),
                    img.height()
                )));
            }
            img = image::imageops::crop_imm(&img, c.x, c.y, c.width, c.height).to_image();
        }
        let (w, h) = (img.width(), img.height());
        let red = Rgb([255, 0, 0]);
        for x in 0..w {
            img.put_pixel(x, h / 2, red);
        }
        for y in 0..h {
            img.put_pixel(w / 2, y, red);
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
        let img = self.frame()?;
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, self.format)
            .map_err(|e| Error::internal(format!("encoding the frame: {e}")))?;
        Ok(vec![Image {
            source_name: String::new(),
            mime_type: self.mime_type.clone(),
            data: out.into_inner(),
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
