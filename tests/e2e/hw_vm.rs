//! The Linux hardware backends against real kernel drivers: the `armature`
//! binary runs `armature:builtin:linux` on a gpio-sim chip,
//! `armature:builtin:v4l2` on vivid and a wasm driver (the hostile fixture's
//! `grabby`) through the `gpio` import, and these tests drive it over gRPC.
//!
//! They run inside the VM of `cargo xtask hw-vm-test`, whose init sets
//! `ARMATURE_HW_VM=1` and the device paths and runs them with
//! `--include-ignored`; anywhere else they are ignored (and fail if run by
//! hand without the VM), never passed without having run.

use std::path::PathBuf;
use std::time::Duration;

use armature::core::proto::viam::component::board::v1 as board;
use armature::core::proto::viam::component::board::v1::board_service_client::BoardServiceClient;
use armature::core::proto::viam::component::camera::v1 as camera;
use armature::core::proto::viam::component::camera::v1::camera_service_client::CameraServiceClient;
use armature::core::proto::viam::component::generic::v1::generic_service_client::GenericServiceClient;
use armature_tests::*;
use serde_json::json;
use tonic::Code;
use tonic::transport::Channel;

/// What the VM's init found: the gpio-sim chip, its sysfs folder, vivid's node.
struct Devices {
    chip: String,
    sysfs: PathBuf,
    video: String,
}

/// The VM's devices; a test run outside the VM fails here.
fn vm_devices() -> Devices {
    devices().expect("this test needs the hardware VM (ARMATURE_HW_VM=1): run it with `cargo xtask hw-vm-test`")
}

fn devices() -> Option<Devices> {
    if std::env::var("ARMATURE_HW_VM").as_deref() != Ok("1") {
        eprintln!("skipped: runs inside the hardware VM only (cargo xtask hw-vm-test)");
        return None;
    }
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("the VM's init did not set {name}"));
    Some(Devices {
        chip: var("ARMATURE_HW_VM_GPIOCHIP"),
        sysfs: PathBuf::from(var("ARMATURE_HW_VM_GPIO_SYSFS")),
        video: var("ARMATURE_HW_VM_VIDEO"),
    })
}

impl Devices {
    /// What gpio-sim says line `n` is at: the driven value of an output,
    /// the pull of an input.
    fn sim_value(&self, line: u32) -> String {
        let path = self.sysfs.join(format!("sim_gpio{line}/value"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .trim()
            .to_string()
    }

    /// Pulls an input line up or down, as a wire outside the chip would.
    fn pull(&self, line: u32, up: bool) {
        let path = self.sysfs.join(format!("sim_gpio{line}/pull"));
        std::fs::write(&path, if up { "pull-up" } else { "pull-down" })
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// Line 5 is the digital interrupt "button"; grabby is granted pin 3 only.
fn machine(d: &Devices) -> Armature {
    Armature::start(config(d, 320, 240))
}

fn config(d: &Devices, width: u32, height: u32) -> serde_json::Value {
    json!({
        "modules_dir": root().join("target/test-modules"),
        "components": [
            {"name": "local", "api": "rdk:component:board", "model": "armature:builtin:linux",
             "attributes": {"chip": d.chip, "digital_interrupts": {"button": {"pin": "5"}}}},
            {"name": "cam", "api": "rdk:component:camera", "model": "armature:builtin:v4l2",
             "attributes": {"device": d.video, "width": width, "height": height, "format": "YUYV"}},
            {"name": "grabby", "api": "rdk:component:generic", "model": "armature-test:hostile:grabby",
             "attributes": {"board": "local", "pins": ["3"], "camera": "cam"}},
        ],
    })
}

async fn image_size(cam: &mut CameraServiceClient<Channel>) -> Result<(u32, u32), tonic::Status> {
    let images = cam
        .get_images(camera::GetImagesRequest {
            name: "cam".into(),
            filter_source_names: vec![],
            extra: None,
        })
        .await?
        .into_inner()
        .images;
    let img = Jpeg::decode(&images[0].image);
    Ok((img.width, img.height))
}

async fn set(b: &mut BoardServiceClient<Channel>, pin: &str, high: bool) -> Result<(), tonic::Status> {
    b.set_gpio(board::SetGpioRequest {
        name: "local".into(),
        pin: pin.into(),
        high,
        extra: None,
    })
    .await
    .map(drop)
}

async fn get(b: &mut BoardServiceClient<Channel>, pin: &str) -> bool {
    b.get_gpio(board::GetGpioRequest {
        name: "local".into(),
        pin: pin.into(),
        extra: None,
    })
    .await
    .unwrap_or_else(|e| panic!("GetGPIO {pin}: {e}"))
    .into_inner()
    .high
}

async fn interrupt_count(b: &mut BoardServiceClient<Channel>) -> i64 {
    b.get_digital_interrupt_value(board::GetDigitalInterruptValueRequest {
        board_name: "local".into(),
        digital_interrupt_name: "button".into(),
        extra: None,
    })
    .await
    .expect("GetDigitalInterruptValue")
    .into_inner()
    .value
}

#[tokio::test]
#[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
async fn setting_a_pin_drives_the_gpio_sim_line() {
    let d = vm_devices();
    let host = machine(&d);
    let mut b = BoardServiceClient::new(host.channel().await);
    set(&mut b, "0", true).await.expect("SetGPIO 0 high");
    assert_eq!(d.sim_value(0), "1", "gpio-sim sees line 0 driven high");
    assert!(get(&mut b, "0").await, "GetGPIO reads the output back");
    // By the line's name, as gpio-sim's configfs named it.
    set(&mut b, "led0", false).await.expect("SetGPIO led0 low");
    assert_eq!(d.sim_value(0), "0", "gpio-sim sees line 0 driven low");
    assert!(!get(&mut b, "0").await);
}

#[tokio::test]
#[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
async fn pulling_a_line_is_seen_by_get_gpio_and_the_interrupt() {
    let d = vm_devices();
    let host = machine(&d);
    let mut b = BoardServiceClient::new(host.channel().await);
    // A plain input, requested on the first read.
    d.pull(6, true);
    assert!(get(&mut b, "6").await, "line 6 pulled up reads high");
    d.pull(6, false);
    assert!(!get(&mut b, "6").await, "line 6 pulled down reads low");

    // The interrupt's line: each pull is one edge.
    assert_eq!(interrupt_count(&mut b).await, 0);
    d.pull(5, true);
    eventually(Duration::from_secs(5), "the rising edge counted", || {
        let mut b = b.clone();
        async move { (interrupt_count(&mut b).await == 1).then_some(()) }
    })
    .await;
    assert!(get(&mut b, "5").await, "the interrupt's line reads high");
    d.pull(5, false);
    eventually(Duration::from_secs(5), "the falling edge counted", || {
        let mut b = b.clone();
        async move { (interrupt_count(&mut b).await == 2).then_some(()) }
    })
    .await;
    assert!(!get(&mut b, "5").await, "the interrupt's line reads low");
    let e = set(&mut b, "5", true)
        .await
        .expect_err("an interrupt's line cannot be driven");
    assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
}

#[tokio::test]
#[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
async fn pwm_on_a_chip_without_pwm_is_unimplemented() {
    let d = vm_devices();
    let host = machine(&d);
    let mut b = BoardServiceClient::new(host.channel().await);
    let e = b
        .set_pwm(board::SetPwmRequest {
            name: "local".into(),
            pin: "1".into(),
            duty_cycle_pct: 0.5,
            extra: None,
        })
        .await
        .expect_err("gpio-sim has no PWM");
    assert_eq!(e.code(), Code::Unimplemented, "{e:?}");
    assert!(e.message().contains("no PWM channel"), "{e:?}");
}

#[tokio::test]
#[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
async fn a_driver_drives_its_granted_pin_and_is_refused_another() {
    let d = vm_devices();
    let host = machine(&d);
    let mut grabby = GenericServiceClient::new(host.channel().await);
    let command = |pin: &str| common::DoCommandRequest {
        name: "grabby".into(),
        command: Some(pb_struct(json!({"pin": pin}))),
    };
    let r = grabby.do_command(command("3")).await.expect("grabby drives pin 3");
    let r = struct_json(&r.into_inner().result.unwrap_or_default());
    assert_eq!(r, json!({"pin": "3", "high": true}));
    assert_eq!(d.sim_value(3), "1", "gpio-sim sees the driver's pin high");

    let e = grabby.do_command(command("4")).await.expect_err("pin 4 is not granted");
    assert_eq!(e.code(), Code::PermissionDenied, "{e:?}");
    assert!(
        e.message().contains("grabby") && e.message().contains("pin \"4\""),
        "{e:?}"
    );
    assert_eq!(d.sim_value(4), "0", "the refused pin was not touched");
}

#[tokio::test]
#[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
async fn vivid_frames_decode_to_the_negotiated_size() {
    let d = vm_devices();
    let host = machine(&d);
    let mut cam = CameraServiceClient::new(host.channel().await);
    let images = cam
        .get_images(camera::GetImagesRequest {
            name: "cam".into(),
            filter_source_names: vec![],
            extra: None,
        })
        .await
        .expect("GetImages")
        .into_inner()
        .images;
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].mime_type, "image/jpeg");
    let img = Jpeg::decode(&images[0].image);
    // vivid's webcam input has discrete sizes: 320x240 snaps to 320x180.
    assert_eq!((img.width, img.height), (320, 180));
    // 75% colour bars, eight wide: white, then yellow. Sampled low in the
    // frame, below vivid's text overlay. Colours right means YUYV was read
    // as YUYV (and U, V in their order).
    let [r, g, b] = img.pixel(20, 150);
    assert!(
        r > 150 && g > 150 && b > 150 && r.abs_diff(b) < 30,
        "white bar: {r},{g},{b}"
    );
    let [r, g, b] = img.pixel(60, 150);
    assert!(r > 150 && g > 150 && b < 60, "yellow bar: {r},{g},{b}");
    assert!(
        host.logs().contains("YUYV 320x180"),
        "the host logs what it negotiated:\n{}",
        host.logs()
    );

    // A driver granted the camera gets frames of the same, negotiated size.
    let mut grabby = GenericServiceClient::new(host.channel().await);
    let r = grabby
        .do_command(common::DoCommandRequest {
            name: "grabby".into(),
            command: Some(pb_struct(json!({"camera": true}))),
        })
        .await
        .expect("grabby grabs a frame");
    let r = struct_json(&r.into_inner().result.unwrap_or_default());
    assert_eq!(r, json!({"width": 320.0, "height": 180.0}));
}

/// A device only one owner may hold (a camera streaming, a line with edge
/// detection) must be released by the old resource before the new one
/// opens it: a reconfigured board and camera take their new settings.
#[tokio::test]
#[ignore = "needs the hardware VM: cargo xtask hw-vm-test"]
async fn reconfiguring_the_board_and_camera_reopens_their_devices() {
    let d = vm_devices();
    let host = machine(&d);
    let mut cam = CameraServiceClient::new(host.channel().await);
    assert_eq!(image_size(&mut cam).await.expect("GetImages"), (320, 180));
    let mut changed = config(&d, 640, 480);
    changed["components"][0]["attributes"]["digital_interrupts"]["knob"] = json!({"pin": "6"});
    host.reload(changed);
    eventually(Duration::from_secs(20), "the camera at its new size", || {
        let mut cam = cam.clone();
        async move { (image_size(&mut cam).await.ok() == Some((640, 480))).then_some(()) }
    })
    .await;
    let b = BoardServiceClient::new(host.channel().await);
    let knob = eventually(Duration::from_secs(20), "the board with its new interrupt", || {
        let mut b = b.clone();
        async move {
            b.get_digital_interrupt_value(board::GetDigitalInterruptValueRequest {
                board_name: "local".into(),
                digital_interrupt_name: "knob".into(),
                extra: None,
            })
            .await
            .ok()
        }
    })
    .await;
    assert_eq!(knob.into_inner().value, 0);
    d.pull(5, true);
    eventually(Duration::from_secs(5), "the old interrupt still counting", || {
        let mut b = b.clone();
        async move { (interrupt_count(&mut b).await == 1).then_some(()) }
    })
    .await;
    let mut robot = host.robot().await;
    for (name, (state, error)) in machine_status(&mut robot).await {
        // A rebuild counts as a restart in the status text; a refusal must not be there.
        assert!(state == READY && !error.contains("refused"), "{name}: {state} {error}");
    }
}

/// The negative control: `cargo xtask hw-vm-test --inject-failure` sets
/// this, and the step must then fail.
#[test]
#[ignore = "the hardware VM's negative control: cargo xtask hw-vm-test --inject-failure"]
fn injected_failure() {
    if std::env::var_os("ARMATURE_HW_VM_INJECT_FAILURE").is_some() {
        panic!("deliberate failure (hwvm.inject_failure=1 on the kernel command line): the step must fail");
    }
}

/// A frame from the host decoded to RGB by a decoder of its own (not the
/// host's codec, which is what is under test).
struct Jpeg {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Jpeg {
    fn decode(bytes: &[u8]) -> Jpeg {
        use zune_jpeg::zune_core::{colorspace::ColorSpace, options::DecoderOptions};
        let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
        let mut decoder = zune_jpeg::JpegDecoder::new_with_options(std::io::Cursor::new(bytes), options);
        let rgb = decoder.decode().expect("a JPEG that decodes");
        let (w, h) = decoder.dimensions().expect("a JPEG with a size");
        Jpeg {
            width: w as u32,
            height: h as u32,
            rgb,
        }
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let at = (y * self.width + x) as usize * 3;
        [self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]]
    }
}
