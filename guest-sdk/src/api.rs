//! One trait per resource API. A model implements [`Model`] (its lifecycle)
//! and the trait of its API; methods with a Viam default have one here.

use crate::bindings::exports::armature::module::{board, camera, encoder, motor, movement_sensor};
use crate::config::{Config, Dependencies};
use crate::deps::Deps;
use crate::value::Map;
use crate::{Error, Result};

pub use crate::bindings::armature::module::types::{Geometry, Orientation, Pose, Shape, Vector3};
pub use board::{AnalogReading, PowerMode, Tick};
pub use camera::{Distortion, Image, Intrinsics, PointCloud, Properties as CameraProperties};
pub use encoder::{Position as EncoderPosition, PositionType, Properties as EncoderProperties};
pub use motor::{PowerState, Properties as MotorProperties};
pub use movement_sensor::{Accuracy, GeoPosition, Properties as MovementSensorProperties};

/// What `reconfigure` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconfigured {
    /// The new configuration is in force.
    Applied,
    /// This model cannot change in place; the host builds a new one.
    Rebuild,
}

/// The lifecycle every model has, whatever its API.
pub trait Model: Sized + 'static {
    /// The model triplet, e.g. "acme:sensors:thermometer".
    const MODEL: &'static str;

    /// Check a configuration and name the resources it needs. The default
    /// accepts anything and needs nothing.
    fn validate(config: &Config) -> Result<Dependencies> {
        let _ = config;
        Ok(Dependencies::none())
    }

    /// Build the resource.
    fn new(config: &Config, deps: Deps) -> Result<Self>;

    /// Apply a new configuration in place. The default asks for a rebuild.
    fn reconfigure(&mut self, config: &Config, deps: Deps) -> Result<Reconfigured> {
        let _ = (config, deps);
        Ok(Reconfigured::Rebuild)
    }

    /// Free-form command. The default answers UNIMPLEMENTED.
    fn do_command(&mut self, command: Map) -> Result<Map> {
        let _ = command;
        Err(Error::unimplemented("do_command is not implemented by this model"))
    }

    /// Geometries in the resource's own frame. The default has none.
    fn get_geometries(&mut self, extra: &Map) -> Result<Vec<Geometry>> {
        let _ = extra;
        Ok(Vec::new())
    }

    /// Background work on the period set with [`crate::tick_every`].
    fn tick(&mut self) -> Result<()> {
        Ok(())
    }

    /// Called once before the host drops the resource (it is removed,
    /// rebuilt or the machine stops); `Drop` runs after it all the same. An
    /// error is logged by the host. The default does nothing.
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

fn unimplemented<T>(method: &str) -> Result<T> {
    Err(Error::unimplemented(format!(
        "{method} is not implemented by this model"
    )))
}

/// rdk:component:sensor
pub trait Sensor {
    fn get_readings(&mut self, extra: &Map) -> Result<Map>;
}

/// rdk:component:movement_sensor. Implement what the device supports and say
/// so in `get_properties`; the rest answers UNIMPLEMENTED.
pub trait MovementSensor {
    fn get_properties(&mut self, extra: &Map) -> Result<MovementSensorProperties>;
    fn get_position(&mut self, extra: &Map) -> Result<GeoPosition> {
        let _ = extra;
        unimplemented("get_position")
    }
    fn get_linear_velocity(&mut self, extra: &Map) -> Result<Vector3> {
        let _ = extra;
        unimplemented("get_linear_velocity")
    }
    fn get_angular_velocity(&mut self, extra: &Map) -> Result<Vector3> {
        let _ = extra;
        unimplemented("get_angular_velocity")
    }
    fn get_linear_acceleration(&mut self, extra: &Map) -> Result<Vector3> {
        let _ = extra;
        unimplemented("get_linear_acceleration")
    }
    fn get_compass_heading(&mut self, extra: &Map) -> Result<f64> {
        let _ = extra;
        unimplemented("get_compass_heading")
    }
    fn get_orientation(&mut self, extra: &Map) -> Result<Orientation> {
        let _ = extra;
        unimplemented("get_orientation")
    }
    fn get_accuracy(&mut self, extra: &Map) -> Result<Accuracy> {
        let _ = extra;
        Ok(Accuracy {
            accuracy: Vec::new(),
            position_hdop: None,
            position_vdop: None,
            position_nmea_gga_fix: None,
            compass_degrees_error: None,
        })
    }
    /// The default gathers every supported measurement, as Viam's does.
    fn get_readings(&mut self, extra: &Map) -> Result<Map> {
        movement_readings(self, extra)
    }
}

fn movement_readings<M: MovementSensor + ?Sized>(m: &mut M, extra: &Map) -> Result<Map> {
    use serde_json::json;
    let props = m.get_properties(extra)?;
    let mut out = Map::new();
    let vec3 = |v: Vector3| json!({"x": v.x, "y": v.y, "z": v.z});
    if props.position_supported {
        let p = m.get_position(extra)?;
        out.insert("position".into(), json!({"lat": p.latitude, "lng": p.longitude}));
        out.insert("altitude".into(), json!(p.altitude_m));
    }
    if props.linear_velocity_supported {
        out.insert("linear_velocity".into(), vec3(m.get_linear_velocity(extra)?));
    }
    if props.angular_velocity_supported {
        out.insert("angular_velocity".into(), vec3(m.get_angular_velocity(extra)?));
    }
    if props.linear_acceleration_supported {
        out.insert("linear_acceleration".into(), vec3(m.get_linear_acceleration(extra)?));
    }
    if props.compass_heading_supported {
        out.insert("compass".into(), json!(m.get_compass_heading(extra)?));
    }
    if props.orientation_supported {
        let o = m.get_orientation(extra)?;
        out.insert(
            "orientation".into(),
            json!({"o_x": o.o_x, "o_y": o.o_y, "o_z": o.o_z, "theta": o.theta}),
        );
    }
    Ok(out)
}

/// rdk:component:camera
pub trait Camera {
    /// One image per source; an empty filter means every source.
    fn get_images(&mut self, filter_source_names: &[String], extra: &Map) -> Result<Vec<Image>>;
    fn get_properties(&mut self) -> Result<CameraProperties>;
    fn get_point_cloud(&mut self, mime_type: &str, extra: &Map) -> Result<PointCloud> {
        let _ = (mime_type, extra);
        unimplemented("get_point_cloud")
    }
}

/// rdk:component:motor. Motion calls start the motion and return at once:
/// the host waits for `is_moving` to turn false, so `stop` always gets in.
pub trait Motor {
    /// `power_pct` in [-1, 1]; the host has checked the range.
    fn set_power(&mut self, power_pct: f64, extra: &Map) -> Result<()>;
    /// Start `revolutions` at `rpm` (neither is 0) and return.
    fn go_for(&mut self, rpm: f64, revolutions: f64, extra: &Map) -> Result<()>;
    /// Start moving to `position_revolutions` at `rpm` and return.
    fn go_to(&mut self, rpm: f64, position_revolutions: f64, extra: &Map) -> Result<()> {
        let _ = (rpm, position_revolutions, extra);
        unimplemented("go_to")
    }
    fn set_rpm(&mut self, rpm: f64, extra: &Map) -> Result<()> {
        let _ = (rpm, extra);
        unimplemented("set_rpm")
    }
    fn reset_zero_position(&mut self, offset: f64, extra: &Map) -> Result<()> {
        let _ = (offset, extra);
        unimplemented("reset_zero_position")
    }
    fn get_position(&mut self, extra: &Map) -> Result<f64> {
        let _ = extra;
        unimplemented("get_position")
    }
    fn get_properties(&mut self, extra: &Map) -> Result<MotorProperties> {
        let _ = extra;
        Ok(MotorProperties {
            position_reporting: false,
        })
    }
    fn stop(&mut self, extra: &Map) -> Result<()>;
    fn is_powered(&mut self, extra: &Map) -> Result<PowerState>;
    fn is_moving(&mut self) -> Result<bool>;
}

/// rdk:component:servo. `move_to` starts the motion and returns.
pub trait Servo {
    fn move_to(&mut self, angle_deg: u32, extra: &Map) -> Result<()>;
    fn get_position(&mut self, extra: &Map) -> Result<u32>;
    fn stop(&mut self, extra: &Map) -> Result<()>;
    fn is_moving(&mut self) -> Result<bool>;
}

/// rdk:component:encoder
pub trait Encoder {
    fn get_position(&mut self, position_type: PositionType, extra: &Map) -> Result<EncoderPosition>;
    fn reset_position(&mut self, extra: &Map) -> Result<()>;
    fn get_properties(&mut self, extra: &Map) -> Result<EncoderProperties>;
}

/// rdk:component:board. Every method defaults to UNIMPLEMENTED.
pub trait Board {
    fn set_gpio(&mut self, pin: &str, high: bool, extra: &Map) -> Result<()> {
        let _ = (pin, high, extra);
        unimplemented("set_gpio")
    }
    fn get_gpio(&mut self, pin: &str, extra: &Map) -> Result<bool> {
        let _ = (pin, extra);
        unimplemented("get_gpio")
    }
    fn get_pwm(&mut self, pin: &str, extra: &Map) -> Result<f64> {
        let _ = (pin, extra);
        unimplemented("get_pwm")
    }
    fn set_pwm(&mut self, pin: &str, duty_cycle_pct: f64, extra: &Map) -> Result<()> {
        let _ = (pin, duty_cycle_pct, extra);
        unimplemented("set_pwm")
    }
    fn get_pwm_frequency(&mut self, pin: &str, extra: &Map) -> Result<u64> {
        let _ = (pin, extra);
        unimplemented("get_pwm_frequency")
    }
    fn set_pwm_frequency(&mut self, pin: &str, frequency_hz: u64, extra: &Map) -> Result<()> {
        let _ = (pin, frequency_hz, extra);
        unimplemented("set_pwm_frequency")
    }
    fn read_analog(&mut self, reader: &str, extra: &Map) -> Result<AnalogReading> {
        let _ = (reader, extra);
        unimplemented("read_analog")
    }
    fn write_analog(&mut self, pin: &str, value: i32, extra: &Map) -> Result<()> {
        let _ = (pin, value, extra);
        unimplemented("write_analog")
    }
    fn get_digital_interrupt_value(&mut self, interrupt: &str, extra: &Map) -> Result<i64> {
        let _ = (interrupt, extra);
        unimplemented("get_digital_interrupt_value")
    }
    fn read_ticks(&mut self, interrupts: &[String], since_ns: u64) -> Result<Vec<Tick>> {
        let _ = (interrupts, since_ns);
        unimplemented("read_ticks")
    }
    fn set_power_mode(&mut self, mode: PowerMode, duration_ns: Option<u64>, extra: &Map) -> Result<()> {
        let _ = (mode, duration_ns, extra);
        unimplemented("set_power_mode")
    }
}
