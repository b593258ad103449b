//! Typed clients for the resources a model depends on: every method of the
//! dependency's API, with Viam's method names, through the host's one
//! generic `calls` import. Get one from [`Deps`](crate::Deps):
//!
//! ```ignore
//! let arm = deps.arm("arm-1")?;
//! arm.move_to_joint_positions(&[0.0, 45.0, -30.0])?;
//! while arm.is_moving()? { /* next tick */ }
//! ```
//!
//! Motions (a motor's `go_for`, an arm's moves, a base's `move_straight`…)
//! start and return at once, as the resource's own methods do: ask
//! `is_moving`, or `stop`. Every call counts against the caller's own
//! deadline. `extra` is empty unless set with `with_extra`.

use crate::api::*;
use crate::api_v2::*;
use crate::bindings::armature::module_v2::calls::{self as wit, Answer, Method};
use crate::bindings::armature::module_v2_1::vision_calls::{VisionAnswer, VisionMethod};
use crate::deps::Dependency;
use crate::value::{Map, map_from_owned_nodes, map_to_nodes};
use crate::{Error, Result};

type Nodes = Vec<crate::bindings::armature::module::types::Node>;

/// An answer of another shape than the method's: the host or the
/// dependency broke the contract.
fn unexpected<T>(method: &str, answer: Answer) -> Result<T> {
    Err(Error::internal(format!("{method}: unexpected answer {answer:?}")))
}

/// `expect!(answer, "Method", Answer::X(wit::XAnswer::Y(v)) => v)`
macro_rules! expect {
    ($answer:expr, $method:literal, $pattern:pat => $value:expr) => {
        match $answer {
            $pattern => Ok($value),
            other => unexpected($method, other),
        }
    };
}

/// What every client has: its dependency and the `extra` it sends.
#[derive(Clone, Copy)]
struct Client<'a> {
    dep: &'a Dependency,
    extra: &'a Map,
}

impl Client<'_> {
    fn call(&self, method: Method) -> Result<Answer> {
        self.dep.call(method)
    }

    fn extra(&self) -> Nodes {
        match self.extra.is_empty() {
            true => Vec::new(),
            false => map_to_nodes(self.extra),
        }
    }

    fn stop(&self) -> Result<()> {
        expect!(self.call(Method::Stop(self.extra()))?, "Stop", Answer::Unit => ())
    }

    fn is_moving(&self) -> Result<bool> {
        expect!(self.call(Method::IsMoving)?, "IsMoving", Answer::Boolean(b) => b)
    }

    fn readings(&self) -> Result<Map> {
        self.dep.get_readings(self.extra)
    }

    fn geometries(&self) -> Result<Vec<Geometry>> {
        expect!(self.call(Method::GetGeometries(self.extra()))?, "GetGeometries", Answer::Geometries(g) => g)
    }
}

static NO_EXTRA: std::sync::LazyLock<Map> = std::sync::LazyLock::new(Map::new);

/// Declares a client type per API, with what every client shares.
macro_rules! clients {
    ($($(#[$doc:meta])* $client:ident;)*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy)]
            pub struct $client<'a>(Client<'a>);

            impl<'a> $client<'a> {
                pub(crate) fn new(dep: &'a Dependency) -> Self {
                    Self(Client { dep, extra: &NO_EXTRA })
                }

                /// The same client, sending `extra` with every call.
                pub fn with_extra(self, extra: &'a Map) -> Self {
                    Self(Client { extra, ..self.0 })
                }

                pub fn name(&self) -> &str {
                    self.0.dep.name()
                }

                /// DoCommand.
                pub fn do_command(&self, command: &Map) -> Result<Map> {
                    self.0.dep.do_command(command)
                }
            }
        )*
    };
}

clients! {
    /// rdk:component:sensor
    SensorClient;
    /// rdk:component:movement_sensor
    MovementSensorClient;
    /// rdk:component:camera
    CameraClient;
    /// rdk:component:motor
    MotorClient;
    /// rdk:component:servo
    ServoClient;
    /// rdk:component:encoder
    EncoderClient;
    /// rdk:component:board
    BoardClient;
    /// rdk:component:arm
    ArmClient;
    /// rdk:component:base
    BaseClient;
    /// rdk:component:gripper
    GripperClient;
    /// rdk:component:gantry
    GantryClient;
    /// rdk:component:power_sensor
    PowerSensorClient;
    /// rdk:component:switch
    SwitchClient;
    /// rdk:component:button
    ButtonClient;
    /// rdk:service:vision
    VisionClient;
}

impl SensorClient<'_> {
    pub fn get_readings(&self) -> Result<Map> {
        self.0.readings()
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl MovementSensorClient<'_> {
    fn ask(&self, method: fn(Nodes) -> wit::MovementSensorMethod) -> Result<wit::MovementSensorAnswer> {
        let answer = self.0.call(Method::MovementSensor(method(self.0.extra())))?;
        expect!(answer, "MovementSensor", Answer::MovementSensor(a) => a)
    }

    pub fn get_position(&self) -> Result<GeoPosition> {
        match self.ask(wit::MovementSensorMethod::GetPosition)? {
            wit::MovementSensorAnswer::Position(p) => Ok(GeoPosition {
                latitude: p.latitude,
                longitude: p.longitude,
                altitude_m: p.altitude_m,
            }),
            other => unexpected("GetPosition", Answer::MovementSensor(other)),
        }
    }

    fn vector(&self, method: fn(Nodes) -> wit::MovementSensorMethod) -> Result<Vector3> {
        match self.ask(method)? {
            wit::MovementSensorAnswer::Vector(v) => Ok(v),
            other => unexpected("a vector", Answer::MovementSensor(other)),
        }
    }

    /// m/s.
    pub fn get_linear_velocity(&self) -> Result<Vector3> {
        self.vector(wit::MovementSensorMethod::GetLinearVelocity)
    }

    /// Degrees/s.
    pub fn get_angular_velocity(&self) -> Result<Vector3> {
        self.vector(wit::MovementSensorMethod::GetAngularVelocity)
    }

    /// m/s².
    pub fn get_linear_acceleration(&self) -> Result<Vector3> {
        self.vector(wit::MovementSensorMethod::GetLinearAcceleration)
    }

    pub fn get_compass_heading(&self) -> Result<f64> {
        match self.ask(wit::MovementSensorMethod::GetCompassHeading)? {
            wit::MovementSensorAnswer::CompassHeading(h) => Ok(h),
            other => unexpected("GetCompassHeading", Answer::MovementSensor(other)),
        }
    }

    pub fn get_orientation(&self) -> Result<Orientation> {
        match self.ask(wit::MovementSensorMethod::GetOrientation)? {
            wit::MovementSensorAnswer::Orientation(o) => Ok(o),
            other => unexpected("GetOrientation", Answer::MovementSensor(other)),
        }
    }

    pub fn get_properties(&self) -> Result<MovementSensorProperties> {
        match self.ask(wit::MovementSensorMethod::GetProperties)? {
            wit::MovementSensorAnswer::Properties(p) => Ok(MovementSensorProperties {
                linear_velocity_supported: p.linear_velocity_supported,
                angular_velocity_supported: p.angular_velocity_supported,
                orientation_supported: p.orientation_supported,
                position_supported: p.position_supported,
                compass_heading_supported: p.compass_heading_supported,
                linear_acceleration_supported: p.linear_acceleration_supported,
            }),
            other => unexpected("GetProperties", Answer::MovementSensor(other)),
        }
    }

    pub fn get_accuracy(&self) -> Result<Accuracy> {
        match self.ask(wit::MovementSensorMethod::GetAccuracy)? {
            wit::MovementSensorAnswer::Accuracy(a) => Ok(Accuracy {
                accuracy: a.accuracy,
                position_hdop: a.position_hdop,
                position_vdop: a.position_vdop,
                position_nmea_gga_fix: a.position_nmea_gga_fix,
                compass_degrees_error: a.compass_degrees_error,
            }),
            other => unexpected("GetAccuracy", Answer::MovementSensor(other)),
        }
    }

    pub fn get_readings(&self) -> Result<Map> {
        self.0.readings()
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl CameraClient<'_> {
    fn ask(&self, method: wit::CameraMethod) -> Result<wit::CameraAnswer> {
        expect!(self.0.call(Method::Camera(method))?, "Camera", Answer::Camera(a) => a)
    }

    /// One image per source; an empty `filter_source_names` means all.
    pub fn get_images(&self, filter_source_names: &[String]) -> Result<Vec<Image>> {
        let method = wit::CameraMethod::GetImages((filter_source_names.to_vec(), self.0.extra()));
        match self.ask(method)? {
            wit::CameraAnswer::Images(images) => Ok(images.into_iter().map(Image::from).collect()),
            other => unexpected("GetImages", Answer::Camera(other)),
        }
    }

    pub fn get_point_cloud(&self, mime_type: &str) -> Result<PointCloud> {
        match self.ask(wit::CameraMethod::GetPointCloud((
            mime_type.to_string(),
            self.0.extra(),
        )))? {
            wit::CameraAnswer::PointCloud(p) => Ok(PointCloud {
                mime_type: p.mime_type,
                data: p.data,
            }),
            other => unexpected("GetPointCloud", Answer::Camera(other)),
        }
    }

    pub fn get_properties(&self) -> Result<CameraProperties> {
        match self.ask(wit::CameraMethod::GetProperties)? {
            wit::CameraAnswer::Properties(p) => Ok(CameraProperties {
                supports_pcd: p.supports_pcd,
                intrinsics: p.intrinsics.map(|i| Intrinsics {
                    width_px: i.width_px,
                    height_px: i.height_px,
                    focal_x_px: i.focal_x_px,
                    focal_y_px: i.focal_y_px,
                    center_x_px: i.center_x_px,
                    center_y_px: i.center_y_px,
                }),
                distortion: p.distortion.map(|d| Distortion {
                    model: d.model,
                    parameters: d.parameters,
                }),
                mime_types: p.mime_types,
                frame_rate: p.frame_rate,
            }),
            other => unexpected("GetProperties", Answer::Camera(other)),
        }
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl MotorClient<'_> {
    fn ask(&self, method: wit::MotorMethod) -> Result<wit::MotorAnswer> {
        expect!(self.0.call(Method::Motor(method))?, "Motor", Answer::Motor(a) => a)
    }

    fn unit(&self, what: &'static str, method: wit::MotorMethod) -> Result<()> {
        match self.ask(method)? {
            wit::MotorAnswer::Unit => Ok(()),
            other => unexpected(what, Answer::Motor(other)),
        }
    }

    /// Power in [-1, 1].
    pub fn set_power(&self, power_pct: f64) -> Result<()> {
        self.unit("SetPower", wit::MotorMethod::SetPower((power_pct, self.0.extra())))
    }

    /// Starts turning `revolutions` at `rpm`.
    pub fn go_for(&self, rpm: f64, revolutions: f64) -> Result<()> {
        self.unit("GoFor", wit::MotorMethod::GoFor((rpm, revolutions, self.0.extra())))
    }

    /// Starts moving to `position_revolutions` at `rpm`.
    pub fn go_to(&self, rpm: f64, position_revolutions: f64) -> Result<()> {
        self.unit(
            "GoTo",
            wit::MotorMethod::GoTo((rpm, position_revolutions, self.0.extra())),
        )
    }

    pub fn set_rpm(&self, rpm: f64) -> Result<()> {
        self.unit("SetRPM", wit::MotorMethod::SetRpm((rpm, self.0.extra())))
    }

    pub fn reset_zero_position(&self, offset: f64) -> Result<()> {
        self.unit(
            "ResetZeroPosition",
            wit::MotorMethod::ResetZeroPosition((offset, self.0.extra())),
        )
    }

    /// Revolutions from zero.
    pub fn get_position(&self) -> Result<f64> {
        match self.ask(wit::MotorMethod::GetPosition(self.0.extra()))? {
            wit::MotorAnswer::Position(p) => Ok(p),
            other => unexpected("GetPosition", Answer::Motor(other)),
        }
    }

    pub fn get_properties(&self) -> Result<MotorProperties> {
        match self.ask(wit::MotorMethod::GetProperties(self.0.extra()))? {
            wit::MotorAnswer::Properties(p) => Ok(MotorProperties {
                position_reporting: p.position_reporting,
            }),
            other => unexpected("GetProperties", Answer::Motor(other)),
        }
    }

    pub fn is_powered(&self) -> Result<PowerState> {
        match self.ask(wit::MotorMethod::IsPowered(self.0.extra()))? {
            wit::MotorAnswer::Power(p) => Ok(PowerState {
                is_on: p.is_on,
                power_pct: p.power_pct,
            }),
            other => unexpected("IsPowered", Answer::Motor(other)),
        }
    }

    pub fn stop(&self) -> Result<()> {
        self.0.stop()
    }

    pub fn is_moving(&self) -> Result<bool> {
        self.0.is_moving()
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl ServoClient<'_> {
    /// Starts moving to `angle_deg`.
    pub fn move_to(&self, angle_deg: u32) -> Result<()> {
        let method = Method::Servo(wit::ServoMethod::MoveTo((angle_deg, self.0.extra())));
        expect!(self.0.call(method)?, "Move", Answer::Servo(wit::ServoAnswer::Unit) => ())
    }

    pub fn get_position(&self) -> Result<u32> {
        let method = Method::Servo(wit::ServoMethod::GetPosition(self.0.extra()));
        expect!(self.0.call(method)?, "GetPosition", Answer::Servo(wit::ServoAnswer::Position(p)) => p)
    }

    pub fn stop(&self) -> Result<()> {
        self.0.stop()
    }

    pub fn is_moving(&self) -> Result<bool> {
        self.0.is_moving()
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl EncoderClient<'_> {
    pub fn get_position(&self, position_type: PositionType) -> Result<EncoderPosition> {
        let kind = match position_type {
            PositionType::Unspecified => wit::PositionType::Unspecified,
            PositionType::TicksCount => wit::PositionType::TicksCount,
            PositionType::AngleDegrees => wit::PositionType::AngleDegrees,
        };
        let method = Method::Encoder(wit::EncoderMethod::GetPosition((kind, self.0.extra())));
        let p = expect!(self.0.call(method)?, "GetPosition", Answer::Encoder(wit::EncoderAnswer::Position(p)) => p)?;
        Ok(EncoderPosition {
            value: p.value,
            position_type: match p.position_type {
                wit::PositionType::Unspecified => PositionType::Unspecified,
                wit::PositionType::TicksCount => PositionType::TicksCount,
                wit::PositionType::AngleDegrees => PositionType::AngleDegrees,
            },
        })
    }

    pub fn reset_position(&self) -> Result<()> {
        let method = Method::Encoder(wit::EncoderMethod::ResetPosition(self.0.extra()));
        expect!(self.0.call(method)?, "ResetPosition", Answer::Encoder(wit::EncoderAnswer::Unit) => ())
    }

    pub fn get_properties(&self) -> Result<EncoderProperties> {
        let method = Method::Encoder(wit::EncoderMethod::GetProperties(self.0.extra()));
        let p =
            expect!(self.0.call(method)?, "GetProperties", Answer::Encoder(wit::EncoderAnswer::Properties(p)) => p)?;
        Ok(EncoderProperties {
            ticks_count_supported: p.ticks_count_supported,
            angle_degrees_supported: p.angle_degrees_supported,
        })
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl BoardClient<'_> {
    fn ask(&self, method: wit::BoardMethod) -> Result<wit::BoardAnswer> {
        expect!(self.0.call(Method::Board(method))?, "Board", Answer::Board(a) => a)
    }

    fn unit(&self, what: &'static str, method: wit::BoardMethod) -> Result<()> {
        match self.ask(method)? {
            wit::BoardAnswer::Unit => Ok(()),
            other => unexpected(what, Answer::Board(other)),
        }
    }

    pub fn set_gpio(&self, pin: &str, high: bool) -> Result<()> {
        self.unit("SetGPIO", wit::BoardMethod::SetGpio((pin.into(), high, self.0.extra())))
    }

    pub fn get_gpio(&self, pin: &str) -> Result<bool> {
        match self.ask(wit::BoardMethod::GetGpio((pin.into(), self.0.extra())))? {
            wit::BoardAnswer::High(h) => Ok(h),
            other => unexpected("GetGPIO", Answer::Board(other)),
        }
    }

    /// Duty cycle in [0, 1].
    pub fn get_pwm(&self, pin: &str) -> Result<f64> {
        match self.ask(wit::BoardMethod::GetPwm((pin.into(), self.0.extra())))? {
            wit::BoardAnswer::Duty(d) => Ok(d),
            other => unexpected("PWM", Answer::Board(other)),
        }
    }

    pub fn set_pwm(&self, pin: &str, duty_cycle_pct: f64) -> Result<()> {
        self.unit(
            "SetPWM",
            wit::BoardMethod::SetPwm((pin.into(), duty_cycle_pct, self.0.extra())),
        )
    }

    pub fn get_pwm_frequency(&self, pin: &str) -> Result<u64> {
        match self.ask(wit::BoardMethod::GetPwmFrequency((pin.into(), self.0.extra())))? {
            wit::BoardAnswer::Frequency(f) => Ok(f),
            other => unexpected("PWMFrequency", Answer::Board(other)),
        }
    }

    pub fn set_pwm_frequency(&self, pin: &str, frequency_hz: u64) -> Result<()> {
        let method = wit::BoardMethod::SetPwmFrequency((pin.into(), frequency_hz, self.0.extra()));
        self.unit("SetPWMFrequency", method)
    }

    pub fn read_analog(&self, reader: &str) -> Result<AnalogReading> {
        match self.ask(wit::BoardMethod::ReadAnalog((reader.into(), self.0.extra())))? {
            wit::BoardAnswer::Analog(a) => Ok(AnalogReading {
                value: a.value,
                min_range: a.min_range,
                max_range: a.max_range,
                step_size: a.step_size,
            }),
            other => unexpected("ReadAnalogReader", Answer::Board(other)),
        }
    }

    pub fn write_analog(&self, pin: &str, value: i32) -> Result<()> {
        self.unit(
            "WriteAnalog",
            wit::BoardMethod::WriteAnalog((pin.into(), value, self.0.extra())),
        )
    }

    pub fn get_digital_interrupt_value(&self, interrupt: &str) -> Result<i64> {
        let method = wit::BoardMethod::GetDigitalInterruptValue((interrupt.into(), self.0.extra()));
        match self.ask(method)? {
            wit::BoardAnswer::Count(c) => Ok(c),
            other => unexpected("GetDigitalInterruptValue", Answer::Board(other)),
        }
    }

    /// `duration_ns` of `None` means until told otherwise.
    pub fn set_power_mode(&self, mode: PowerMode, duration_ns: Option<u64>) -> Result<()> {
        let mode = match mode {
            PowerMode::Normal => wit::PowerMode::Normal,
            PowerMode::OfflineDeep => wit::PowerMode::OfflineDeep,
        };
        self.unit(
            "SetPowerMode",
            wit::BoardMethod::SetPowerMode((mode, duration_ns, self.0.extra())),
        )
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl ArmClient<'_> {
    fn ask(&self, method: wit::ArmMethod) -> Result<wit::ArmAnswer> {
        expect!(self.0.call(Method::Arm(method))?, "Arm", Answer::Arm(a) => a)
    }

    fn unit(&self, what: &'static str, method: wit::ArmMethod) -> Result<()> {
        match self.ask(method)? {
            wit::ArmAnswer::Unit => Ok(()),
            other => unexpected(what, Answer::Arm(other)),
        }
    }

    /// The end effector's pose in the arm's base frame (mm, degrees).
    pub fn get_end_position(&self) -> Result<Pose> {
        match self.ask(wit::ArmMethod::GetEndPosition(self.0.extra()))? {
            wit::ArmAnswer::Pose(p) => Ok(p),
            other => unexpected("GetEndPosition", Answer::Arm(other)),
        }
    }

    /// Starts moving the end effector to `to`.
    pub fn move_to_position(&self, to: Pose) -> Result<()> {
        self.unit("MoveToPosition", wit::ArmMethod::MoveToPosition((to, self.0.extra())))
    }

    /// Degrees (rotational joints) or mm (translational), base to end.
    pub fn get_joint_positions(&self) -> Result<JointPositions> {
        match self.ask(wit::ArmMethod::GetJointPositions(self.0.extra()))? {
            wit::ArmAnswer::Joints(j) => Ok(j),
            other => unexpected("GetJointPositions", Answer::Arm(other)),
        }
    }

    /// Starts moving to `positions`.
    pub fn move_to_joint_positions(&self, positions: &[f64]) -> Result<()> {
        let method = wit::ArmMethod::MoveToJointPositions((positions.to_vec(), self.0.extra()));
        self.unit("MoveToJointPositions", method)
    }

    /// Starts moving through `positions`, in order.
    pub fn move_through_joint_positions(
        &self,
        positions: Vec<JointPositions>,
        options: Option<MoveOptions>,
    ) -> Result<()> {
        let method = wit::ArmMethod::MoveThroughJointPositions((positions, options, self.0.extra()));
        self.unit("MoveThroughJointPositions", method)
    }

    pub fn get_kinematics(&self) -> Result<Kinematics> {
        match self.ask(wit::ArmMethod::GetKinematics(self.0.extra()))? {
            wit::ArmAnswer::Kinematics(k) => Ok(k),
            other => unexpected("GetKinematics", Answer::Arm(other)),
        }
    }

    pub fn stop(&self) -> Result<()> {
        self.0.stop()
    }

    pub fn is_moving(&self) -> Result<bool> {
        self.0.is_moving()
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl BaseClient<'_> {
    fn unit(&self, what: &'static str, method: wit::BaseMethod) -> Result<()> {
        match self.0.call(Method::Base(method))? {
            Answer::Base(wit::BaseAnswer::Unit) => Ok(()),
            other => unexpected(what, other),
        }
    }

    /// Starts driving `distance_mm` (negative: backwards) at `mm_per_sec`.
    pub fn move_straight(&self, distance_mm: i64, mm_per_sec: f64) -> Result<()> {
        self.unit(
            "MoveStraight",
            wit::BaseMethod::MoveStraight((distance_mm, mm_per_sec, self.0.extra())),
        )
    }

    /// Starts turning `angle_deg` (positive: left) at `degs_per_sec`.
    pub fn spin(&self, angle_deg: f64, degs_per_sec: f64) -> Result<()> {
        self.unit("Spin", wit::BaseMethod::Spin((angle_deg, degs_per_sec, self.0.extra())))
    }

    /// Power fractions in [-1, 1]: a wheeled base uses `linear.y` (forward)
    /// and `angular.z` (left).
    pub fn set_power(&self, linear: Vector3, angular: Vector3) -> Result<()> {
        self.unit("SetPower", wit::BaseMethod::SetPower((linear, angular, self.0.extra())))
    }

    /// mm/s and degrees/s.
    pub fn set_velocity(&self, linear: Vector3, angular: Vector3) -> Result<()> {
        self.unit(
            "SetVelocity",
            wit::BaseMethod::SetVelocity((linear, angular, self.0.extra())),
        )
    }

    pub fn get_properties(&self) -> Result<BaseProperties> {
        let method = Method::Base(wit::BaseMethod::GetProperties(self.0.extra()));
        expect!(self.0.call(method)?, "GetProperties", Answer::Base(wit::BaseAnswer::Properties(p)) => p)
    }

    pub fn stop(&self) -> Result<()> {
        self.0.stop()
    }

    pub fn is_moving(&self) -> Result<bool> {
        self.0.is_moving()
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl GripperClient<'_> {
    fn ask(&self, method: wit::GripperMethod) -> Result<wit::GripperAnswer> {
        expect!(self.0.call(Method::Gripper(method))?, "Gripper", Answer::Gripper(a) => a)
    }

    /// Starts opening.
    pub fn open(&self) -> Result<()> {
        match self.ask(wit::GripperMethod::Open(self.0.extra()))? {
            wit::GripperAnswer::Unit => Ok(()),
            other => unexpected("Open", Answer::Gripper(other)),
        }
    }

    /// Starts closing; once it stops moving, `is_holding_something` says
    /// whether the grab caught something.
    pub fn grab(&self) -> Result<()> {
        match self.ask(wit::GripperMethod::Grab(self.0.extra()))? {
            wit::GripperAnswer::Unit => Ok(()),
            other => unexpected("Grab", Answer::Gripper(other)),
        }
    }

    pub fn is_holding_something(&self) -> Result<HoldingStatus> {
        match self.ask(wit::GripperMethod::IsHoldingSomething(self.0.extra()))? {
            wit::GripperAnswer::Holding(h) => Ok(HoldingStatus {
                is_holding_something: h.is_holding_something,
                meta: map_from_owned_nodes(h.meta),
            }),
            other => unexpected("IsHoldingSomething", Answer::Gripper(other)),
        }
    }

    pub fn get_kinematics(&self) -> Result<Kinematics> {
        match self.ask(wit::GripperMethod::GetKinematics(self.0.extra()))? {
            wit::GripperAnswer::Kinematics(k) => Ok(k),
            other => unexpected("GetKinematics", Answer::Gripper(other)),
        }
    }

    pub fn stop(&self) -> Result<()> {
        self.0.stop()
    }

    pub fn is_moving(&self) -> Result<bool> {
        self.0.is_moving()
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl GantryClient<'_> {
    fn ask(&self, method: wit::GantryMethod) -> Result<wit::GantryAnswer> {
        expect!(self.0.call(Method::Gantry(method))?, "Gantry", Answer::Gantry(a) => a)
    }

    fn axes(&self, what: &'static str, method: wit::GantryMethod) -> Result<Vec<f64>> {
        match self.ask(method)? {
            wit::GantryAnswer::Axes(mm) => Ok(mm),
            other => unexpected(what, Answer::Gantry(other)),
        }
    }

    /// One position per axis, mm.
    pub fn get_position(&self) -> Result<Vec<f64>> {
        self.axes("GetPosition", wit::GantryMethod::GetPosition(self.0.extra()))
    }

    /// One length per axis, mm.
    pub fn get_lengths(&self) -> Result<Vec<f64>> {
        self.axes("GetLengths", wit::GantryMethod::GetLengths(self.0.extra()))
    }

    /// Starts moving each axis to its position (mm) at its speed (mm/s).
    pub fn move_to_position(&self, positions_mm: &[f64], speeds_mm_per_sec: &[f64]) -> Result<()> {
        let method =
            wit::GantryMethod::MoveToPosition((positions_mm.to_vec(), speeds_mm_per_sec.to_vec(), self.0.extra()));
        match self.ask(method)? {
            wit::GantryAnswer::Unit => Ok(()),
            other => unexpected("MoveToPosition", Answer::Gantry(other)),
        }
    }

    /// Starts homing.
    pub fn home(&self) -> Result<()> {
        match self.ask(wit::GantryMethod::Home(self.0.extra()))? {
            wit::GantryAnswer::Unit => Ok(()),
            other => unexpected("Home", Answer::Gantry(other)),
        }
    }

    pub fn get_kinematics(&self) -> Result<Kinematics> {
        match self.ask(wit::GantryMethod::GetKinematics(self.0.extra()))? {
            wit::GantryAnswer::Kinematics(k) => Ok(k),
            other => unexpected("GetKinematics", Answer::Gantry(other)),
        }
    }

    pub fn stop(&self) -> Result<()> {
        self.0.stop()
    }

    pub fn is_moving(&self) -> Result<bool> {
        self.0.is_moving()
    }

    pub fn get_geometries(&self) -> Result<Vec<Geometry>> {
        self.0.geometries()
    }
}

impl PowerSensorClient<'_> {
    fn ask(&self, method: wit::PowerSensorMethod) -> Result<wit::PowerSensorAnswer> {
        expect!(self.0.call(Method::PowerSensor(method))?, "PowerSensor", Answer::PowerSensor(a) => a)
    }

    /// Volts.
    pub fn get_voltage(&self) -> Result<Electrical> {
        match self.ask(wit::PowerSensorMethod::GetVoltage(self.0.extra()))? {
            wit::PowerSensorAnswer::Electrical(e) => Ok(e),
            other => unexpected("GetVoltage", Answer::PowerSensor(other)),
        }
    }

    /// Amperes.
    pub fn get_current(&self) -> Result<Electrical> {
        match self.ask(wit::PowerSensorMethod::GetCurrent(self.0.extra()))? {
            wit::PowerSensorAnswer::Electrical(e) => Ok(e),
            other => unexpected("GetCurrent", Answer::PowerSensor(other)),
        }
    }

    /// Watts.
    pub fn get_power(&self) -> Result<f64> {
        match self.ask(wit::PowerSensorMethod::GetPower(self.0.extra()))? {
            wit::PowerSensorAnswer::Watts(w) => Ok(w),
            other => unexpected("GetPower", Answer::PowerSensor(other)),
        }
    }

    pub fn get_readings(&self) -> Result<Map> {
        self.0.readings()
    }
}

impl SwitchClient<'_> {
    fn ask(&self, method: wit::SwitchMethod) -> Result<wit::SwitchAnswer> {
        expect!(self.0.call(Method::Switch(method))?, "Switch", Answer::Switch(a) => a)
    }

    pub fn set_position(&self, position: u32) -> Result<()> {
        match self.ask(wit::SwitchMethod::SetPosition((position, self.0.extra())))? {
            wit::SwitchAnswer::Unit => Ok(()),
            other => unexpected("SetPosition", Answer::Switch(other)),
        }
    }

    pub fn get_position(&self) -> Result<u32> {
        match self.ask(wit::SwitchMethod::GetPosition(self.0.extra()))? {
            wit::SwitchAnswer::Position(p) => Ok(p),
            other => unexpected("GetPosition", Answer::Switch(other)),
        }
    }

    pub fn get_number_of_positions(&self) -> Result<SwitchPositions> {
        match self.ask(wit::SwitchMethod::GetNumberOfPositions(self.0.extra()))? {
            wit::SwitchAnswer::Positions(p) => Ok(p),
            other => unexpected("GetNumberOfPositions", Answer::Switch(other)),
        }
    }
}

impl ButtonClient<'_> {
    pub fn push(&self) -> Result<()> {
        let method = Method::Button(wit::ButtonMethod::Push(self.0.extra()));
        expect!(self.0.call(method)?, "Push", Answer::Button(wit::ButtonAnswer::Unit) => ())
    }
}

impl VisionClient<'_> {
    fn ask(&self, method: VisionMethod) -> Result<VisionAnswer> {
        self.0.dep.call_vision(method)
    }

    fn detections(&self, method: &str, m: VisionMethod) -> Result<Vec<Detection>> {
        match self.ask(m)? {
            VisionAnswer::Detections(d) => Ok(d),
            other => Err(Error::internal(format!("{method}: unexpected answer {other:?}"))),
        }
    }

    fn classifications(&self, method: &str, m: VisionMethod) -> Result<Vec<Classification>> {
        match self.ask(m)? {
            VisionAnswer::Classifications(c) => Ok(c),
            other => Err(Error::internal(format!("{method}: unexpected answer {other:?}"))),
        }
    }

    /// Detections in the next image of `camera_name` (empty: the service's
    /// default camera).
    pub fn get_detections_from_camera(&self, camera_name: &str) -> Result<Vec<Detection>> {
        let m = VisionMethod::GetDetectionsFromCamera((camera_name.to_string(), self.0.extra()));
        self.detections("GetDetectionsFromCamera", m)
    }

    pub fn get_detections(&self, image: &Image) -> Result<Vec<Detection>> {
        let m = VisionMethod::GetDetections((image.clone().into(), self.0.extra()));
        self.detections("GetDetections", m)
    }

    /// At most `count` classifications of the next image of `camera_name`.
    pub fn get_classifications_from_camera(&self, camera_name: &str, count: u32) -> Result<Vec<Classification>> {
        let m = VisionMethod::GetClassificationsFromCamera((camera_name.to_string(), count, self.0.extra()));
        self.classifications("GetClassificationsFromCamera", m)
    }

    pub fn get_classifications(&self, image: &Image, count: u32) -> Result<Vec<Classification>> {
        let m = VisionMethod::GetClassifications((image.clone().into(), count, self.0.extra()));
        self.classifications("GetClassifications", m)
    }

    /// Point clouds of the objects the camera sees, as PCD (Viam's clients
    /// ask for nothing else).
    pub fn get_object_point_clouds(&self, camera_name: &str) -> Result<Vec<PointCloudObject>> {
        let m =
            VisionMethod::GetObjectPointClouds((camera_name.to_string(), "pointcloud/pcd".to_string(), self.0.extra()));
        match self.ask(m)? {
            VisionAnswer::Objects(o) => Ok(o),
            other => Err(Error::internal(format!(
                "GetObjectPointClouds: unexpected answer {other:?}"
            ))),
        }
    }

    pub fn get_properties(&self) -> Result<VisionProperties> {
        match self.ask(VisionMethod::GetProperties(self.0.extra()))? {
            VisionAnswer::Properties(p) => Ok(p),
            other => Err(Error::internal(format!("GetProperties: unexpected answer {other:?}"))),
        }
    }

    /// One image of the camera and, on that same image, the `parts` asked for.
    pub fn capture_all_from_camera(&self, camera_name: &str, parts: CaptureParts) -> Result<CaptureAllResult> {
        let m = VisionMethod::CaptureAllFromCamera((camera_name.to_string(), parts, self.0.extra()));
        match self.ask(m)? {
            VisionAnswer::CaptureAll(all) => Ok(all.into()),
            other => Err(Error::internal(format!(
                "CaptureAllFromCamera: unexpected answer {other:?}"
            ))),
        }
    }
}
