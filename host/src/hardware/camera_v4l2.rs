//! Cameras through Video4Linux2 (the `v4l` crate): MJPEG or YUYV capture
//! with the size, format and frame rate negotiated against what the device
//! offers, read from memory-mapped buffers.
//!
//! ```json
//! "attributes": { "device": "/dev/video0", "width": 640, "height": 480, "format": "MJPG", "fps": 30 }
//! ```
//! `format` is optional (MJPEG is preferred, then YUYV). Drivers snap sizes
//! to what they support (vivid turns 320x240 into 320x180): the frames and
//! GetProperties report the size in force, not the one asked for.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use v4l::buffer::Type;
use v4l::framesize::FrameSizeEnum;
use v4l::io::traits::CaptureStream;
use v4l::video::Capture;

use super::camera::{Frame, FrameSource, Pixels, SourceInfo};
use super::{HwError, HwResult};

pub const MJPG: [u8; 4] = *b"MJPG";
pub const YUYV: [u8; 4] = *b"YUYV";
/// The formats Armature decodes, best first.
const HANDLED: [[u8; 4]; 2] = [MJPG, YUYV];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V4l2Config {
    #[serde(default = "default_device")]
    pub device: PathBuf,
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
    /// "MJPG" or "YUYV"; the best offered when absent.
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub fps: Option<u32>,
}

fn default_device() -> PathBuf {
    PathBuf::from("/dev/video0")
}

fn default_width() -> u32 {
    640
}

fn default_height() -> u32 {
    480
}

impl V4l2Config {
    pub fn check(&self) -> Result<(), String> {
        if let Some(f) = &self.format
            && parse_fourcc(f).is_none()
        {
            return Err(format!("attribute `format`: {f:?} is not \"MJPG\" or \"YUYV\""));
        }
        if self.width == 0 || self.height == 0 {
            return Err("attributes `width` and `height` must be above 0".into());
        }
        Ok(())
    }
}

fn parse_fourcc(name: &str) -> Option<[u8; 4]> {
    match name.to_ascii_uppercase().as_str() {
        "MJPG" | "MJPEG" => Some(MJPG),
        "YUYV" => Some(YUYV),
        _ => None,
    }
}

/// Sizes a device offers for one format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sizes {
    Discrete(Vec<(u32, u32)>),
    Stepwise {
        min: (u32, u32),
        max: (u32, u32),
        step: (u32, u32),
    },
}

/// What the device offers: formats and their sizes.
pub type Offers = Vec<([u8; 4], Sizes)>;

/// Picks the format and size to ask for: the configured format (which must
/// be offered), else the best handled one; the offered size closest to the
/// one wanted.
pub fn negotiate(offers: &Offers, format: Option<[u8; 4]>, want: (u32, u32)) -> Result<([u8; 4], (u32, u32)), String> {
    let offered: Vec<String> = offers
        .iter()
        .map(|(f, _)| String::from_utf8_lossy(f).into_owned())
        .collect();
    let pick = match format {
        Some(f) => offers.iter().find(|(o, _)| *o == f).ok_or_else(|| {
            format!(
                "the device does not offer {} (it offers {})",
                String::from_utf8_lossy(&f),
                offered.join(", ")
            )
        })?,
        None => HANDLED
            .iter()
            .find_map(|h| offers.iter().find(|(o, _)| o == h))
            .ok_or_else(|| {
                format!(
                    "the device offers no MJPG or YUYV format (it offers {})",
                    offered.join(", ")
                )
            })?,
    };
    let size = match &pick.1 {
        Sizes::Discrete(sizes) => *sizes
            .iter()
            .min_by_key(|(w, h)| {
                (u64::from(*w) * u64::from(*h)).abs_diff(u64::from(want.0) * u64::from(want.1))
                    + u64::from(w.abs_diff(want.0))
            })
            .ok_or("the device offers no frame size")?,
        Sizes::Stepwise { min, max, step } => {
            let fit = |want: u32, min: u32, max: u32, step: u32| {
                let v = want.clamp(min, max);
                min + (v - min) / step.max(1) * step.max(1)
            };
            (fit(want.0, min.0, max.0, step.0), fit(want.1, min.1, max.1, step.1))
        }
    };
    Ok((pick.0, size))
}

pub struct V4l2Camera {
    // The stream holds the device handle too; it goes first.
    stream: v4l::io::mmap::Stream<'static>,
    _device: v4l::Device,
    fourcc: [u8; 4],
    width: u32,
    height: u32,
    fps: Option<f32>,
}

fn unavailable(device: &std::path::Path, what: &str, e: impl std::fmt::Display) -> HwError {
    HwError::Unavailable(format!("{}: {what}: {e}", device.display()))
}

impl V4l2Camera {
    pub fn open(config: &V4l2Config) -> HwResult<Self> {
        let path = &config.device;
        let device = v4l::Device::with_path(path).map_err(|e| unavailable(path, "open", e))?;
        let mut offers: Offers = Vec::new();
        for desc in device
            .enum_formats()
            .map_err(|e| unavailable(path, "listing formats", e))?
        {
            let sizes = device
                .enum_framesizes(desc.fourcc)
                .map_err(|e| unavailable(path, "listing frame sizes", e))?;
            let mut discrete = Vec::new();
            let mut stepwise = None;
            for s in sizes {
                match s.size {
                    FrameSizeEnum::Discrete(d) => discrete.push((d.width, d.height)),
                    FrameSizeEnum::Stepwise(s) => {
                        stepwise = Some(Sizes::Stepwise {
                            min: (s.min_width, s.min_height),
                            max: (s.max_width, s.max_height),
                            step: (s.step_width, s.step_height),
                        })
                    }
                }
            }
            offers.push((desc.fourcc.repr, stepwise.unwrap_or(Sizes::Discrete(discrete))));
        }
        let wanted = config.format.as_deref().and_then(parse_fourcc);
        let (fourcc, (w, h)) =
            negotiate(&offers, wanted, (config.width, config.height)).map_err(|e| unavailable(path, "format", e))?;
        // A fresh format: stride and size 0, so that the driver computes them
        // rather than honouring stale padding.
        let format = v4l::Format::new(w, h, v4l::FourCC::new(&fourcc));
        let actual = device
            .set_format(&format)
            .map_err(|e| unavailable(path, "setting the format", e))?;
        if actual.fourcc.repr != fourcc {
            return Err(unavailable(
                path,
                "setting the format",
                format!(
                    "asked for {}, the driver chose {}",
                    String::from_utf8_lossy(&fourcc),
                    actual.fourcc
                ),
            ));
        }
        let mut fps = None;
        if let Some(want) = config.fps {
            let params = device
                .set_params(&v4l::video::capture::Parameters::with_fps(want))
                .map_err(|e| unavailable(path, "setting the frame rate", e))?;
            let f = params.interval;
            fps = (f.numerator > 0).then(|| f.denominator as f32 / f.numerator as f32);
        }
        tracing::info!(
            device = %path.display(),
            "negotiated {} {}x{} (asked for {}x{}), {}",
            String::from_utf8_lossy(&fourcc),
            actual.width,
            actual.height,
            config.width,
            config.height,
            fps.map_or("driver's frame rate".into(), |f| format!("{f} fps"))
        );
        let mut stream = v4l::io::mmap::Stream::with_buffers(&device, Type::VideoCapture, 4)
            .map_err(|e| unavailable(path, "starting the stream", e))?;
        stream.set_timeout(Duration::from_secs(2));
        Ok(Self {
            stream,
            _device: device,
            fourcc,
            width: actual.width,
            height: actual.height,
            fps,
        })
    }
}

impl FrameSource for V4l2Camera {
    fn grab(&mut self) -> HwResult<Frame> {
        let (data, meta) = self
            .stream
            .next()
            .map_err(|e| HwError::Unavailable(format!("capturing a frame: {e}")))?;
        let used = (meta.bytesused as usize).min(data.len());
        let bytes = data[..if used == 0 { data.len() } else { used }].to_vec();
        let pixels = if self.fourcc == MJPG {
            Pixels::Jpeg(bytes)
        } else {
            Pixels::Yuyv(bytes)
        };
        Ok(Frame {
            width: self.width,
            height: self.height,
            pixels,
        })
    }

    fn info(&self) -> SourceInfo {
        SourceInfo {
            width: self.width,
            height: self.height,
            fps: self.fps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webcam() -> Offers {
        vec![
            (*b"GREY", Sizes::Discrete(vec![(640, 480)])),
            (YUYV, Sizes::Discrete(vec![(320, 180), (640, 360), (1280, 720)])),
            (MJPG, Sizes::Discrete(vec![(640, 480), (1920, 1080)])),
        ]
    }

    #[test]
    fn prefers_mjpeg_and_the_closest_size() {
        assert_eq!(negotiate(&webcam(), None, (640, 480)).unwrap(), (MJPG, (640, 480)));
        assert_eq!(
            negotiate(&webcam(), Some(YUYV), (320, 240)).unwrap(),
            (YUYV, (320, 180))
        );
        assert_eq!(
            negotiate(&webcam(), Some(YUYV), (1200, 700)).unwrap(),
            (YUYV, (1280, 720))
        );
    }

    #[test]
    fn refuses_a_format_the_device_does_not_offer() {
        let only_grey = vec![(*b"GREY", Sizes::Discrete(vec![(640, 480)]))];
        assert!(negotiate(&only_grey, None, (640, 480)).unwrap_err().contains("GREY"));
        let e = negotiate(&webcam()[..2].to_vec(), Some(MJPG), (640, 480)).unwrap_err();
        assert!(e.contains("does not offer MJPG"), "{e}");
    }

    #[test]
    fn stepwise_sizes_are_clamped_and_rounded_to_the_step() {
        let offers = vec![(
            YUYV,
            Sizes::Stepwise {
                min: (16, 16),
                max: (1920, 1080),
                step: (8, 2),
            },
        )];
        assert_eq!(negotiate(&offers, None, (645, 481)).unwrap(), (YUYV, (640, 480)));
        assert_eq!(negotiate(&offers, None, (4000, 4)).unwrap(), (YUYV, (1920, 16)));
    }

    /// vivid's node in the hardware VM (`cargo xtask hw-vm-test`), else None.
    fn vivid() -> Option<PathBuf> {
        std::env::var_os("ARMATURE_HW_VM_VIDEO").map(PathBuf::from)
    }

    fn config(device: &std::path::Path, width: u32, height: u32, format: Option<&str>) -> V4l2Config {
        V4l2Config {
            device: device.to_path_buf(),
            width,
            height,
            format: format.map(str::to_string),
            fps: Some(30),
        }
    }

    const NEEDS_VM: &str = "this test needs the hardware VM: run it with `cargo xtask hw-vm-test`";

    #[test]
    #[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
    fn kernel_vivid_snaps_the_size_and_streams_yuyv() {
        let dev = vivid().expect(NEEDS_VM);
        let mut cam = V4l2Camera::open(&config(&dev, 320, 240, None)).unwrap();
        // No MJPEG on vivid: YUYV, and its webcam input's nearest size.
        assert_eq!(cam.fourcc, YUYV);
        assert_eq!((cam.info().width, cam.info().height), (320, 180));
        for _ in 0..3 {
            let frame = cam.grab().unwrap();
            assert_eq!((frame.width, frame.height), (320, 180));
            match frame.pixels {
                // Exactly two bytes a pixel: no stale padding from an earlier format.
                Pixels::Yuyv(b) => assert_eq!(b.len(), 320 * 180 * 2),
                other => panic!("expected YUYV, got {other:?}"),
            }
        }
    }

    #[test]
    #[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
    fn kernel_vivid_gives_a_wider_format_after_a_narrow_one() {
        let dev = vivid().expect(NEEDS_VM);
        drop(V4l2Camera::open(&config(&dev, 320, 180, Some("YUYV"))).unwrap());
        let mut cam = V4l2Camera::open(&config(&dev, 640, 480, Some("YUYV"))).unwrap();
        assert_eq!((cam.info().width, cam.info().height), (640, 480));
        match cam.grab().unwrap().pixels {
            Pixels::Yuyv(b) => assert_eq!(b.len(), 640 * 480 * 2),
            other => panic!("expected YUYV, got {other:?}"),
        }
    }

    #[test]
    #[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
    fn kernel_vivid_refuses_mjpeg_naming_what_it_offers() {
        let dev = vivid().expect(NEEDS_VM);
        match V4l2Camera::open(&config(&dev, 640, 480, Some("MJPG"))) {
            Err(HwError::Unavailable(m)) => assert!(m.contains("does not offer MJPG") && m.contains("YUYV"), "{m}"),
            Err(other) => panic!("expected unavailable, got {other:?}"),
            Ok(_) => panic!("vivid has no MJPEG, yet MJPG opened"),
        }
    }

    #[test]
    fn config_names_the_bad_format() {
        let c: V4l2Config = serde_json::from_value(serde_json::json!({"format": "H264"})).unwrap();
        assert!(c.check().unwrap_err().contains("H264"));
    }
}
