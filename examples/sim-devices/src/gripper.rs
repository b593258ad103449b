//! `armature:examples:sim-gripper`: jaws that take `travel_ms` to open or
//! close. A grab holds something when an object is between the jaws: say so
//! with DoCommand `{"set_object": true}` (or false), or the attribute
//! `object` (false).

use std::time::{Duration, Instant};

use armature_guest::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Jaws {
    Open,
    Closed,
}

pub struct SimGripper {
    travel: Duration,
    object: bool,
    jaws: Jaws,
    /// The motion in progress: where the jaws go, and when they get there.
    moving: Option<(Jaws, Instant)>,
}

impl SimGripper {
    fn advance(&mut self) {
        if let Some((to, at)) = self.moving
            && Instant::now() >= at
        {
            self.jaws = to;
            self.moving = None;
        }
    }

    fn start(&mut self, to: Jaws) {
        self.advance();
        self.moving = Some((to, Instant::now() + self.travel));
    }

    fn travel(config: &Config) -> Result<Duration> {
        let ms: u64 = config.get_or("travel_ms", 300)?;
        Ok(Duration::from_millis(ms))
    }
}

impl Model for SimGripper {
    const MODEL: &'static str = "armature:examples:sim-gripper";

    fn validate(config: &Config) -> Result<Dependencies> {
        Self::travel(config)?;
        config.get_or("object", false)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        Ok(Self {
            travel: Self::travel(config)?,
            object: config.get_or("object", false)?,
            jaws: Jaws::Open,
            moving: None,
        })
    }

    fn do_command(&mut self, command: Map) -> Result<Map> {
        match command.get("set_object").and_then(Json::as_bool) {
            Some(object) => {
                self.object = object;
                Ok(readings! { "object" => object })
            }
            None => Err(Error::unimplemented(
                "the sim gripper knows only {\"set_object\": true|false}",
            )),
        }
    }
}

impl Gripper for SimGripper {
    fn open(&mut self, _extra: &Map) -> Result<()> {
        self.start(Jaws::Open);
        Ok(())
    }

    fn grab(&mut self, _extra: &Map) -> Result<()> {
        self.start(Jaws::Closed);
        Ok(())
    }

    fn stop(&mut self, _extra: &Map) -> Result<()> {
        self.advance();
        self.moving = None;
        Ok(())
    }

    fn is_moving(&mut self) -> Result<bool> {
        self.advance();
        Ok(self.moving.is_some())
    }

    fn is_holding_something(&mut self, _extra: &Map) -> Result<HoldingStatus> {
        self.advance();
        let holding = self.jaws == Jaws::Closed && self.object;
        Ok(HoldingStatus {
            is_holding_something: holding,
            meta: readings! { "jaws" => format!("{:?}", self.jaws).to_lowercase() },
        })
    }
}
