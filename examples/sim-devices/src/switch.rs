//! `armature:examples:sim-switch`: a selector with `positions` positions
//! (3), optionally labelled (`labels`, one per position), starting at 0.

use armature_guest::prelude::*;

pub struct SimSwitch {
    positions: u32,
    labels: Vec<String>,
    position: u32,
}

impl SimSwitch {
    fn settings(config: &Config) -> Result<(u32, Vec<String>)> {
        let positions: u32 = config.get_or("positions", 3)?;
        let labels: Vec<String> = config.get_or("labels", Vec::new())?;
        if positions == 0 {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `positions` must be at least 1",
                config.name
            )));
        }
        if !labels.is_empty() && labels.len() != positions as usize {
            return Err(Error::invalid_argument(format!(
                "resource {:?}: attribute `labels` has {} labels for {positions} positions",
                config.name,
                labels.len()
            )));
        }
        Ok((positions, labels))
    }
}

impl Model for SimSwitch {
    const MODEL: &'static str = "armature:examples:sim-switch";

    fn validate(config: &Config) -> Result<Dependencies> {
        Self::settings(config)?;
        Ok(Dependencies::none())
    }

    fn new(config: &Config, _deps: Deps) -> Result<Self> {
        let (positions, labels) = Self::settings(config)?;
        Ok(Self {
            positions,
            labels,
            position: 0,
        })
    }
}

impl Switch for SimSwitch {
    fn set_position(&mut self, position: u32, _extra: &Map) -> Result<()> {
        if position >= self.positions {
            return Err(Error::out_of_range(format!(
                "position {position}: the switch has positions 0 to {}",
                self.positions - 1
            )));
        }
        self.position = position;
        Ok(())
    }

    fn get_position(&mut self, _extra: &Map) -> Result<u32> {
        Ok(self.position)
    }

    fn get_number_of_positions(&mut self, _extra: &Map) -> Result<SwitchPositions> {
        Ok(SwitchPositions {
            number_of_positions: self.positions,
            labels: self.labels.clone(),
        })
    }
}
