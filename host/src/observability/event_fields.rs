//! A tracing event's fields as one log line: the message, then the other
//! fields as `key=value`; the `resource` field kept apart, since log views
//! and viam-server's logger names are per resource.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};

#[derive(Default)]
pub struct EventFields {
    pub message: String,
    pub resource: Option<String>,
}

impl EventFields {
    pub fn of(event: &tracing::Event<'_>) -> Self {
        let mut fields = Self::default();
        event.record(&mut fields);
        fields
    }
}

impl Visit for EventFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.insert_str(0, value),
            "resource" => self.resource = Some(value.to_string()),
            name => {
                let _ = write!(self.message, " {name}={value:?}");
            }
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message.insert_str(0, &format!("{value:?}")),
            "resource" => self.resource = Some(format!("{value:?}")),
            name => {
                let _ = write!(self.message, " {name}={value:?}");
            }
        }
    }
}
