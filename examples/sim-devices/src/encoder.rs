//! `armature:examples:sim-encoder`: a quadrature encoder on a shaft turning
//! at a steady rate. Attributes: `ticks_per_second` (100), `ticks_per_rotation` (360).

use std::time::Instant;

use armature_guest::prelude::*;

pub struct SimEncoder {
    ticks_per_second: f64,
    ticks_per_rotation: f64,
    zero: Instant,
}

impl Model for SimEncoder {
    const MODEL: &'static str = "armature:examples:sim-encoder";

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let ticks_per_rotation: f64 = config.get_or("ticks_per_rotation", 360.0)?;
        if ticks_per_rotation <= 0.0 {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `ticks_per_rotation` must be positive",
                config.name
            )));
        }
        Ok(Self {
            ticks_per_second: config.get_or("ticks_per_second", 100.0)?,
            ticks_per_rotation,
            zero: Instant::now(),
        })
    }
}

impl Encoder for SimEncoder {
    fn get_position(&mut self, position_type: PositionType, _extra: &Map) -> Result<EncoderPosition> {
        let ticks = (self.zero.elapsed().as_secs_f64() * self.ticks_per_second).floor();
        Ok(match position_type {
            PositionType::AngleDegrees => EncoderPosition {
                value: ((ticks / self.ticks_per_rotation * 360.0) % 360.0) as f32,
                position_type: PositionType::AngleDegrees,
            },
            _ => EncoderPosition {
                value: ticks as f32,
                position_type: PositionType::TicksCount,
            },
        })
    }

    fn reset_position(&mut self, _extra: &Map) -> Result<()> {
        self.zero = Instant::now();
        Ok(())
    }

    fn get_properties(&mut self, _extra: &Map) -> Result<EncoderProperties> {
        Ok(EncoderProperties {
            ticks_count_supported: true,
            angle_degrees_supported: true,
        })
    }
}
