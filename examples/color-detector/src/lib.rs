//! `armature:examples:color-detector`: a vision service with the attributes
//! of Viam's built-in `color_detector`. It finds 4-connected blobs of one
//! hue and answers them as detections, largest first.
//!
//! Attributes:
//! - `detect_color` (required): the colour, `"#RRGGBB"`; it must itself
//!   have a hue and pass the cutoffs below.
//! - `hue_tolerance_pct` (required, in (0, 1]): how far a pixel's hue may
//!   be from the colour's, as a share of the hue circle's half: 1 accepts
//!   every hue.
//! - `segment_size_px` (required, ≥ 1): the fewest pixels a blob needs.
//! - `saturation_cutoff_pct` (0.2) and `value_cutoff_pct` (0.3), in [0, 1]:
//!   paler or darker pixels never match.
//! - `label` (the colour): the detections' class name.
//! - `camera_name`: the default camera, a dependency; the `*_from_camera`
//!   methods may name only it.
//!
//! A detection's box is in pixels, `x_max`/`y_max` one past the last pixel
//! (as Viam's rectangles), and as shares of the image's width and height;
//! its confidence is the share of the box the blob fills. Classifications
//! and point clouds are not supported (GetProperties says so).
//!
//! DoCommand `{"command": "status"}` answers `{"frames", "last_detections",
//! "last_decode_ms", "last_detect_ms"}`; `{"command": "timings"}` hands
//! over (and forgets) how long the last frames took, by the guest's clock:
//! `{"camera_ms": [..], "decode_ms": [..], "detect_ms": [..]}` (`camera_ms`
//! only for the frames it asked its camera for).

mod decode;
mod detect;

use std::collections::VecDeque;
use std::time::Instant;

use armature_guest::prelude::*;

use detect::ColorMatch;

struct Settings {
    color: ColorMatch,
    min_pixels: u32,
    label: String,
    camera: Option<String>,
}

fn invalid(config: &Config, field: &str, why: impl std::fmt::Display) -> Error {
    Error::invalid_argument(format!("resource {:?}: attribute `{field}` {why}", config.name))
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

impl Settings {
    fn from_config(config: &Config) -> Result<Self> {
        let text: String = config.get("detect_color")?;
        let [r, g, b] = parse_color(&text)
            .ok_or_else(|| invalid(config, "detect_color", format!("must be \"#RRGGBB\", got {text:?}")))?;
        let tolerance: f64 = config.get("hue_tolerance_pct")?;
        if !(tolerance > 0.0 && tolerance <= 1.0) {
            return Err(invalid(
                config,
                "hue_tolerance_pct",
                format!("must be in (0, 1], got {tolerance}"),
            ));
        }
        let min_saturation: f64 = config.get_or("saturation_cutoff_pct", 0.2)?;
        let min_value: f64 = config.get_or("value_cutoff_pct", 0.3)?;
        for (field, v) in [
            ("saturation_cutoff_pct", min_saturation),
            ("value_cutoff_pct", min_value),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(invalid(config, field, format!("must be in [0, 1], got {v}")));
            }
        }
        let min_pixels: u32 = config.get("segment_size_px")?;
        if min_pixels == 0 {
            return Err(invalid(config, "segment_size_px", "must be at least 1"));
        }
        let (hue, saturation, value) = detect::hsv(r, g, b);
        if r == g && g == b || saturation < min_saturation || value < min_value {
            return Err(invalid(
                config,
                "detect_color",
                format!(
                    "{text} has saturation {saturation:.2} and value {value:.2}: a grey, or below \
                     saturation_cutoff_pct {min_saturation} or value_cutoff_pct {min_value}, which no pixel would match"
                ),
            ));
        }
        Ok(Settings {
            color: ColorMatch {
                hue,
                tolerance: tolerance * 180.0,
                min_saturation,
                min_value,
            },
            min_pixels,
            label: config.get_or("label", text)?,
            camera: config.get_or("camera_name", None::<String>)?,
        })
    }
}

#[derive(Default)]
struct Stats {
    frames: u64,
    last_detections: usize,
    last_decode_ms: f64,
    last_detect_ms: f64,
    timings: VecDeque<Timing>,
}

/// One frame, by the guest's clock.
struct Timing {
    camera_ms: Option<f64>,
    decode_ms: f64,
    detect_ms: f64,
}

/// Frames kept for `timings`: a minute and more at 10 a second.
const TIMINGS_KEPT: usize = 1024;

pub struct ColorDetector {
    settings: Settings,
    deps: Deps,
    stats: Stats,
}

impl ColorDetector {
    /// The camera a `*_from_camera` call means: the one named, or with no
    /// name the default; either way the dependency `camera_name` names.
    fn camera_name(&self, asked: &str) -> Result<String> {
        match (&self.settings.camera, asked) {
            (Some(own), "") => Ok(own.clone()),
            (Some(own), asked) if asked == own => Ok(own.clone()),
            (Some(own), asked) => Err(Error::invalid_argument(format!(
                "camera_name: {asked:?} is not this vision service's camera ({own:?}, its `camera_name`)"
            ))),
            (None, "") => Err(Error::invalid_argument(
                "camera_name: none given, and this vision service has no `camera_name` attribute",
            )),
            (None, asked) => Err(Error::invalid_argument(format!(
                "camera_name: {asked:?} is not a dependency of this vision service (set `camera_name`)"
            ))),
        }
    }

    /// One image of the camera, and how long the camera took to send it.
    fn next_image(&self, asked: &str) -> Result<(Image, f64)> {
        let name = self.camera_name(asked)?;
        let started = Instant::now();
        let image = self
            .deps
            .camera(&name)?
            .get_images(&[])?
            .into_iter()
            .next()
            .ok_or_else(|| Error::unavailable(format!("camera {name:?} answered no image")))?;
        Ok((image, started.elapsed().as_secs_f64() * 1e3))
    }

    fn detect(&mut self, image: &Image, camera_ms: Option<f64>) -> Result<Vec<Detection>> {
        let started = Instant::now();
        let rgb = decode::decode(&image.mime_type, &image.data)
            .map_err(|e| Error::invalid_argument(format!("image: {e}")))?;
        let decoded = Instant::now();
        let blobs = detect::blobs(
            &rgb.data,
            rgb.width,
            rgb.height,
            &self.settings.color,
            self.settings.min_pixels,
        );
        self.stats.frames += 1;
        self.stats.last_decode_ms = (decoded - started).as_secs_f64() * 1e3;
        self.stats.last_detect_ms = decoded.elapsed().as_secs_f64() * 1e3;
        self.stats.last_detections = blobs.len();
        if self.stats.timings.len() == TIMINGS_KEPT {
            self.stats.timings.pop_front();
        }
        self.stats.timings.push_back(Timing {
            camera_ms,
            decode_ms: self.stats.last_decode_ms,
            detect_ms: self.stats.last_detect_ms,
        });
        let (w, h) = (f64::from(rgb.width), f64::from(rgb.height));
        Ok(blobs
            .into_iter()
            .map(|b| {
                let (x_max, y_max) = (b.x_max + 1, b.y_max + 1);
                let area = f64::from(x_max - b.x_min) * f64::from(y_max - b.y_min);
                Detection {
                    x_min: Some(i64::from(b.x_min)),
                    y_min: Some(i64::from(b.y_min)),
                    x_max: Some(i64::from(x_max)),
                    y_max: Some(i64::from(y_max)),
                    x_min_normalized: Some(f64::from(b.x_min) / w),
                    y_min_normalized: Some(f64::from(b.y_min) / h),
                    x_max_normalized: Some(f64::from(x_max) / w),
                    y_max_normalized: Some(f64::from(y_max) / h),
                    confidence: f64::from(b.pixels) / area,
                    class_name: self.settings.label.clone(),
                }
            })
            .collect())
    }
}

impl Model for ColorDetector {
    const MODEL: &'static str = "armature:examples:color-detector";

    fn validate(config: &Config) -> Result<Dependencies> {
        let s = Settings::from_config(config)?;
        Ok(match s.camera {
            Some(camera) => Dependencies::required([camera]),
            None => Dependencies::none(),
        })
    }

    fn new(config: &Config, deps: Deps) -> Result<Self> {
        let settings = Settings::from_config(config)?;
        if let Some(camera) = &settings.camera {
            // A camera of another API is a construct error naming it.
            deps.camera(camera)?;
        }
        Ok(Self {
            settings,
            deps,
            stats: Stats::default(),
        })
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        match command.get("command").and_then(Json::as_str) {
            Some("status") => Ok(readings! {
                "frames" => self.stats.frames,
                "last_detections" => self.stats.last_detections,
                "last_decode_ms" => self.stats.last_decode_ms,
                "last_detect_ms" => self.stats.last_detect_ms,
            }),
            Some("timings") => {
                let timings: Vec<Timing> = self.stats.timings.drain(..).collect();
                Ok(readings! {
                    "camera_ms" => timings.iter().filter_map(|t| t.camera_ms).collect::<Vec<f64>>(),
                    "decode_ms" => timings.iter().map(|t| t.decode_ms).collect::<Vec<f64>>(),
                    "detect_ms" => timings.iter().map(|t| t.detect_ms).collect::<Vec<f64>>(),
                })
            }
            other => Err(Error::invalid_argument(format!(
                "unknown command {other:?} (color-detector knows \"status\" and \"timings\")"
            ))),
        }
    }
}

impl Vision for ColorDetector {
    fn get_properties(&mut self, _extra: &Map) -> Result<VisionProperties> {
        Ok(VisionProperties {
            classifications_supported: false,
            detections_supported: true,
            object_point_clouds_supported: false,
            default_camera: self.settings.camera.clone(),
        })
    }

    fn get_detections_from_camera(&mut self, camera_name: &str, _extra: &Map) -> Result<Vec<Detection>> {
        let (image, camera_ms) = self.next_image(camera_name)?;
        self.detect(&image, Some(camera_ms))
    }

    fn get_detections(&mut self, image: Image, _extra: &Map) -> Result<Vec<Detection>> {
        self.detect(&image, None)
    }

    /// The image and its detections as asked; classifications and point
    /// clouds, which this model has none of, stay empty (as Viam's vision
    /// services leave the parts a model lacks).
    fn capture_all_from_camera(
        &mut self,
        camera_name: &str,
        parts: CaptureParts,
        _extra: &Map,
    ) -> Result<CaptureAllResult> {
        let (image, camera_ms) = self.next_image(camera_name)?;
        let detections = match parts.contains(CaptureParts::DETECTIONS) {
            true => self.detect(&image, Some(camera_ms))?,
            false => Vec::new(),
        };
        Ok(CaptureAllResult {
            image: parts.contains(CaptureParts::IMAGE).then_some(image),
            detections,
            ..Default::default()
        })
    }
}

armature_guest::export_module!(vision(ColorDetector));
