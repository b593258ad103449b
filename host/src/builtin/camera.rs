//! Cameras on the host's capture backends: `armature:builtin:test-pattern`
//! (the embedded default), `armature:builtin:v4l2` and
//! `armature:builtin:image-folder`. A device that fails mid-run is reopened
//! on a later call, with backoff; meanwhile calls fail with UNAVAILABLE.

use std::time::{Duration, Instant};

use super::shared::{attributes, common};
use crate::apis::call::{Call, Reply};
use crate::apis::camera::{Call as CameraCall, Reply as CameraReply};
use crate::config::ResourceConfig;
use crate::core::bindings::armature::module::camera_capture::{Frame as GuestFrame, FrameFormat};
use crate::core::bindings::exports::armature::module::camera;
use crate::core::error::CallError;
use crate::hardware::camera::{Encoding, Frame, FrameSource, encode};
use crate::hardware::camera_image_folder::{ImageFolder, ImageFolderConfig};
use crate::hardware::camera_test_pattern::{TestPattern, TestPatternConfig};
use crate::hardware::{HwError, HwResult};
use crate::resources::native::{BuiltinModel, NativeResource};

const CAMERA: &str = "rdk:component:camera";

pub const TEST_PATTERN: BuiltinModel = BuiltinModel {
    api: CAMERA,
    model: "armature:builtin:test-pattern",
    validate: |c| attributes::<TestPatternConfig>(c)?.check(),
    build: |c| {
        let config: TestPatternConfig = attributes(c)?;
        Camera::start(c, move || {
            TestPattern::new(config.clone())
                .map(|t| Box::new(t) as Box<dyn FrameSource>)
                .map_err(HwError::InvalidArgument)
        })
    },
    exclusive: false,
};

pub const IMAGE_FOLDER: BuiltinModel = BuiltinModel {
    api: CAMERA,
    model: "armature:builtin:image-folder",
    validate: |c| attributes::<ImageFolderConfig>(c).map(drop),
    build: |c| {
        let config: ImageFolderConfig = attributes(c)?;
        Camera::start(c, move || {
            ImageFolder::open(config.clone()).map(|f| Box::new(f) as Box<dyn FrameSource>)
        })
    },
    exclusive: false,
};

#[cfg(feature = "v4l2")]
pub const V4L2: BuiltinModel = BuiltinModel {
    api: CAMERA,
    model: "armature:builtin:v4l2",
    validate: |c| attributes::<crate::hardware::camera_v4l2::V4l2Config>(c)?.check(),
    build: |c| {
        let config: crate::hardware::camera_v4l2::V4l2Config = attributes(c)?;
        Camera::start(c, move || {
            crate::hardware::camera_v4l2::V4l2Camera::open(&config).map(|v| Box::new(v) as Box<dyn FrameSource>)
        })
    },
    exclusive: true,
};

#[cfg(not(feature = "v4l2"))]
pub const V4L2: BuiltinModel = BuiltinModel {
    api: CAMERA,
    model: "armature:builtin:v4l2",
    validate: |_| Err("this armature was built without V4L2 support (cargo feature `v4l2`)".into()),
    build: |_| Err("this armature was built without V4L2 support (cargo feature `v4l2`)".into()),
    exclusive: true,
};

type Opener = Box<dyn Fn() -> HwResult<Box<dyn FrameSource>> + Send>;

const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(30);

struct Camera {
    name: String,
    open: Opener,
    source: Option<Box<dyn FrameSource>>,
    /// What GetImages sends.
    encoding: Encoding,
    retry: Duration,
    next_open: Instant,
    last_info: crate::hardware::camera::SourceInfo,
    /// The latest frame grabbed, for callers asking within one frame period.
    latest: Option<Latest>,
}

/// The latest frame, when it was grabbed, and the encodings sent of it.
struct Latest {
    at: Instant,
    frame: Frame,
    encoded: Vec<(Encoding, Vec<u8>)>,
}

impl Camera {
    fn start(
        config: &ResourceConfig,
        open: impl Fn() -> HwResult<Box<dyn FrameSource>> + Send + 'static,
    ) -> Result<Box<dyn NativeResource>, String> {
        let encoding = match config.attributes.get("mime_type").and_then(|m| m.as_str()) {
            None => Encoding::Jpeg,
            Some(m) => Encoding::from_mime(m)
                .ok_or_else(|| format!("attribute `mime_type`: {m:?} is not image/jpeg or image/png"))?,
        };
        // The device opens now, so that a missing one fails the build with a
        // clear error (and the supervisor retries it with backoff).
        let source = open().map_err(|e| e.to_string())?;
        Ok(Box::new(Camera {
            name: config.name.clone(),
            last_info: source.info(),
            source: Some(source),
            open: Box::new(open),
            encoding,
            retry: FIRST_RETRY,
            next_open: Instant::now(),
            latest: None,
        }))
    }

    fn source(&mut self) -> HwResult<&mut Box<dyn FrameSource>> {
        if self.source.is_none() {
            if Instant::now() < self.next_open {
                return Err(HwError::Unavailable(format!(
                    "camera {:?} is being reopened (next try in {} ms)",
                    self.name,
                    self.next_open.saturating_duration_since(Instant::now()).as_millis()
                )));
            }
            match (self.open)() {
                Ok(s) => {
                    tracing::info!(camera = %self.name, "camera reopened");
                    self.retry = FIRST_RETRY;
                    self.source = Some(s);
                }
                Err(e) => {
                    self.next_open = Instant::now() + self.retry;
                    self.retry = (self.retry * 2).min(MAX_RETRY);
                    return Err(e);
                }
            }
        }
        self.source
            .as_mut()
            .ok_or_else(|| HwError::Unavailable("camera not open".into()))
    }

    /// The latest frame in `encoding`, with its size. Within one frame
    /// period of the last grab, callers share that frame: a camera has one
    /// stream, and a grab waits for the next frame, so two viewers polling
    /// (say, GetImages in JPEG and a guest capturing RGB) would otherwise
    /// split the frame rate between them.
    fn frame(&mut self, encoding: Encoding) -> HwResult<(u32, u32, Vec<u8>)> {
        let period = self.last_info.fps.filter(|f| *f > 0.0).map_or(Duration::ZERO, |f| {
            Duration::try_from_secs_f32(1.0 / f).unwrap_or(Duration::MAX)
        });
        let fresh = self.latest.as_ref().is_some_and(|l| l.at.elapsed() < period);
        if !fresh {
            let frame = self.grab()?;
            self.latest = Some(Latest {
                at: Instant::now(),
                frame,
                encoded: Vec::new(),
            });
        }
        let latest = self
            .latest
            .as_mut()
            .ok_or_else(|| HwError::Unavailable("no frame".into()))?;
        let (width, height) = (latest.frame.width, latest.frame.height);
        if let Some((_, data)) = latest.encoded.iter().find(|(e, _)| *e == encoding) {
            return Ok((width, height, data.clone()));
        }
        let data = encode(latest.frame.clone(), encoding)?;
        latest.encoded.push((encoding, data.clone()));
        Ok((width, height, data))
    }

    /// The next frame from the device.
    fn grab(&mut self) -> HwResult<Frame> {
        let grabbed = self.source()?.grab();
        let frame = match grabbed {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(camera = %self.name, "capture failed: {e}; reopening the device");
                self.source = None;
                self.next_open = Instant::now() + self.retry;
                return Err(e);
            }
        };
        if let Some(s) = &self.source {
            self.last_info = s.info();
        }
        Ok(frame)
    }
}

impl NativeResource for Camera {
    fn blocks(&self) -> bool {
        // A grab waits for the next frame.
        true
    }

    fn call(&mut self, call: Call) -> Result<Reply, CallError> {
        match call {
            Call::Camera(CameraCall::GetImages { filter, .. }) => {
                if !filter.is_empty() && !filter.contains(&self.name) {
                    return Err(CallError::not_found(format!(
                        "camera {:?} has one source, {:?}",
                        self.name, self.name
                    )));
                }
                let (_, _, data) = self.frame(self.encoding)?;
                Ok(Reply::Camera(CameraReply::Images(vec![camera::Image {
                    source_name: self.name.clone(),
                    mime_type: self.encoding.mime_type().into(),
                    data,
                }])))
            }
            Call::Camera(CameraCall::GetProperties) => {
                let info = self.source.as_ref().map(|s| s.info()).unwrap_or(self.last_info);
                Ok(Reply::Camera(CameraReply::Properties(camera::Properties {
                    supports_pcd: false,
                    intrinsics: None,
                    distortion: None,
                    mime_types: vec!["image/jpeg".into(), "image/png".into()],
                    frame_rate: info.fps,
                })))
            }
            Call::CaptureFrame(format) => {
                let encoding = match format {
                    FrameFormat::Jpeg => Encoding::Jpeg,
                    FrameFormat::Png => Encoding::Png,
                    FrameFormat::Rgb8 => Encoding::Rgb8,
                };
                let (width, height, data) = self.frame(encoding)?;
                Ok(Reply::Frame(GuestFrame {
                    width,
                    height,
                    format,
                    data,
                }))
            }
            other => common(&other, "a built-in camera"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MachineConfig;

    fn test_pattern(fps: f32) -> Box<dyn NativeResource> {
        let config = MachineConfig::parse(
            std::path::Path::new("/m/machine.json"),
            &serde_json::json!({"components": [{"name": "cam", "api": "rdk:component:camera",
                "model": "armature:builtin:test-pattern", "attributes": {"width": 32, "height": 24, "fps": fps}}]})
            .to_string(),
        )
        .expect("config");
        (TEST_PATTERN.build)(&config.resources[0]).expect("camera")
    }

    fn image(camera: &mut Box<dyn NativeResource>) -> Vec<u8> {
        match camera.call(Call::Camera(CameraCall::GetImages {
            filter: Vec::new(),
            extra: Default::default(),
        })) {
            Ok(Reply::Camera(CameraReply::Images(mut images))) => images.remove(0).data,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn callers_within_a_frame_period_share_the_frame() {
        // At 2 frames per second, a second viewer asking right after the
        // first gets the same frame at once instead of waiting half a second.
        let mut camera = test_pattern(2.0);
        let first = image(&mut camera);
        let asked = Instant::now();
        let second = image(&mut camera);
        assert!(asked.elapsed() < Duration::from_millis(100), "{:?}", asked.elapsed());
        assert_eq!(first, second);
        // Another encoding of the same frame, also at once.
        let asked = Instant::now();
        match camera.call(Call::CaptureFrame(FrameFormat::Rgb8)) {
            Ok(Reply::Frame(f)) => assert_eq!((f.width, f.height, f.data.len()), (32, 24, 32 * 24 * 3)),
            other => panic!("{other:?}"),
        }
        assert!(asked.elapsed() < Duration::from_millis(100), "{:?}", asked.elapsed());
        // A period later, a new frame (the pattern's sweep line moved).
        std::thread::sleep(Duration::from_millis(550));
        assert_ne!(image(&mut camera), first);
    }
}
