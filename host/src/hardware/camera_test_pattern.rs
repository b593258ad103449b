//! The test-pattern camera, the embedded default: colour bars with a white
//! bar sweeping across, one step per frame, so a viewer sees that frames
//! are live.
//!
//! ```json
//! "attributes": { "width": 640, "height": 480, "fps": 10 }
//! ```

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::HwResult;
use super::camera::{Frame, FrameSource, Pixels, SourceInfo};

const BARS: [[u8; 3]; 8] = [
    [235, 235, 235],
    [235, 235, 16],
    [16, 235, 235],
    [16, 235, 16],
    [235, 16, 235],
    [235, 16, 16],
    [16, 16, 235],
    [16, 16, 16],
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestPatternConfig {
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
    #[serde(default = "default_fps")]
    pub fps: f32,
}

fn default_width() -> u32 {
    640
}

fn default_height() -> u32 {
    480
}

fn default_fps() -> f32 {
    10.0
}

impl TestPatternConfig {
    pub fn check(&self) -> Result<(), String> {
        if !(8..=4096).contains(&self.width) || !(8..=4096).contains(&self.height) {
            return Err(format!(
                "attributes `width` and `height`: {}x{} is outside 8..4096",
                self.width, self.height
            ));
        }
        if !(self.fps > 0.0 && self.fps <= 120.0) {
            return Err(format!("attribute `fps`: {} is outside (0, 120]", self.fps));
        }
        Ok(())
    }
}

pub struct TestPattern {
    config: TestPatternConfig,
    frame: u64,
    next_due: Instant,
}

impl TestPattern {
    pub fn new(config: TestPatternConfig) -> Result<Self, String> {
        config.check()?;
        Ok(Self {
            config,
            frame: 0,
            next_due: Instant::now(),
        })
    }
}

impl FrameSource for TestPattern {
    fn grab(&mut self) -> HwResult<Frame> {
        // Frames come at the configured rate, like a real camera's.
        let now = Instant::now();
        if now < self.next_due {
            std::thread::sleep(self.next_due - now);
        }
        self.next_due = Instant::now().max(self.next_due) + Duration::from_secs_f32(1.0 / self.config.fps);
        let (w, h) = (self.config.width as usize, self.config.height as usize);
        let sweep = (self.frame as usize * 4) % w;
        let mut raw = Vec::with_capacity(w * h * 3);
        for _ in 0..h {
            for x in 0..w {
                let colour = if x.abs_diff(sweep) < 2 {
                    [255; 3]
                } else {
                    BARS[x * BARS.len() / w]
                };
                raw.extend(colour);
            }
        }
        self.frame += 1;
        Ok(Frame {
            width: self.config.width,
            height: self.config.height,
            pixels: Pixels::Rgb8(raw),
        })
    }

    fn info(&self) -> SourceInfo {
        SourceInfo {
            width: self.config.width,
            height: self.config.height,
            fps: Some(self.config.fps),
        }
    }
}
