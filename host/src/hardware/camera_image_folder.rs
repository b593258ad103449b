//! A camera that serves the JPEG and PNG files of a folder, in name order,
//! one per frame, round and round: recorded data played back.
//!
//! ```json
//! "attributes": { "folder": "/home/robot/frames", "fps": 5 }
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::camera::{Frame, FrameSource, Pixels, SourceInfo, dimensions};
use super::{HwError, HwResult};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageFolderConfig {
    pub folder: PathBuf,
    #[serde(default)]
    pub fps: Option<f32>,
}

pub struct ImageFolder {
    files: Vec<PathBuf>,
    next: usize,
    fps: Option<f32>,
    next_due: Instant,
    last_size: (u32, u32),
}

impl ImageFolder {
    pub fn open(config: ImageFolderConfig) -> HwResult<Self> {
        if let Some(fps) = config.fps
            && !(fps > 0.0 && fps <= 120.0)
        {
            return Err(HwError::InvalidArgument(format!(
                "attribute `fps`: {fps} is outside (0, 120]"
            )));
        }
        let entries = std::fs::read_dir(&config.folder)
            .map_err(|e| HwError::Unavailable(format!("image folder {}: {e}", config.folder.display())))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(HwError::Unavailable(format!(
                "image folder {} has no .jpg, .jpeg or .png files",
                config.folder.display()
            )));
        }
        Ok(Self {
            files,
            next: 0,
            fps: config.fps,
            next_due: Instant::now(),
            last_size: (0, 0),
        })
    }
}

impl FrameSource for ImageFolder {
    fn grab(&mut self) -> HwResult<Frame> {
        if let Some(fps) = self.fps.filter(|f| *f > 0.0) {
            let now = Instant::now();
            if now < self.next_due {
                std::thread::sleep(self.next_due - now);
            }
            self.next_due = Instant::now() + Duration::from_secs_f32(1.0 / fps);
        }
        let path = &self.files[self.next % self.files.len()];
        self.next = (self.next + 1) % self.files.len();
        let bytes =
            std::fs::read(path).map_err(|e| HwError::Unavailable(format!("reading {}: {e}", path.display())))?;
        let (width, height) =
            dimensions(&bytes).map_err(|e| HwError::Unavailable(format!("{}: {e}", path.display())))?;
        self.last_size = (width, height);
        let png = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
        Ok(Frame {
            width,
            height,
            pixels: if png { Pixels::Png(bytes) } else { Pixels::Jpeg(bytes) },
        })
    }

    fn info(&self) -> SourceInfo {
        SourceInfo {
            width: self.last_size.0,
            height: self.last_size.1,
            fps: self.fps,
        }
    }
}
