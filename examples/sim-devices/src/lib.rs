//! Simulated devices, one model per standard API, so that a machine can be
//! tried without hardware. Motion follows real time: a motor told to turn
//! 2 revolutions at 60 rpm takes 2 seconds to get there.

mod arm;
mod base;
mod board;
mod button;
mod counter;
mod encoder;
mod gantry;
mod gps;
mod gripper;
mod motor;
mod power;
mod servo;
mod switch;

armature_guest::export_module!(
    motor(motor::SimMotor),
    servo(servo::SimServo),
    encoder(encoder::SimEncoder),
    board(board::SimBoard),
    movement_sensor(gps::SimGps),
    generic_component(counter::Counter),
    arm(arm::SimArm),
    base(base::SimBase),
    gripper(gripper::SimGripper),
    gantry(gantry::SimGantry),
    power_sensor(power::SimPowerSensor),
    switch(switch::SimSwitch),
    button(button::SimButton),
);
