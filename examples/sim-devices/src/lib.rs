//! Simulated devices, one model per standard API, so that a machine can be
//! tried without hardware. Motion follows real time: a motor told to turn
//! 2 revolutions at 60 rpm takes 2 seconds to get there.

mod board;
mod counter;
mod encoder;
mod gps;
mod motor;
mod servo;

armature_guest::export_module!(
    motor(motor::SimMotor),
    servo(servo::SimServo),
    encoder(encoder::SimEncoder),
    board(board::SimBoard),
    movement_sensor(gps::SimGps),
    generic_component(counter::Counter),
);
