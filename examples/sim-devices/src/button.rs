//! `armature:examples:sim-button`: counts its pushes; DoCommand
//! `{"get_pushes": true}` answers `{"pushes": n}`.

use armature_guest::prelude::*;

pub struct SimButton {
    pushes: u64,
}

impl Model for SimButton {
    const MODEL: &'static str = "armature:examples:sim-button";

    fn new(_config: &Config, _deps: Deps) -> Result<Self> {
        Ok(Self { pushes: 0 })
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        match command.get("get_pushes").and_then(Json::as_bool) {
            Some(true) => Ok(readings! { "pushes" => self.pushes }),
            _ => Err(Error::unimplemented("the sim button knows only {\"get_pushes\": true}")),
        }
    }
}

impl Button for SimButton {
    fn push(&mut self, _extra: &Map) -> Result<()> {
        self.pushes += 1;
        Ok(())
    }
}
