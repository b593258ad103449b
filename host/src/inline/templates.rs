//! The sources a new inline module starts from. `{{module}}` becomes the
//! module's name, so that its model names ("inline:NAME:sensor") are its own.

pub struct Template {
    pub id: &'static str,
    pub title: &'static str,
    source: &'static str,
}

pub const TEMPLATES: &[Template] = &[
    Template {
        id: "sensor",
        title: "Sensor",
        source: include_str!("templates/sensor.py"),
    },
    Template {
        id: "logic",
        title: "Logic service (dependencies, background polling)",
        source: include_str!("templates/logic.py"),
    },
    Template {
        id: "generic",
        title: "Generic component",
        source: include_str!("templates/generic.py"),
    },
];

impl Template {
    pub fn source_for(&self, module: &str) -> String {
        self.source.replace("{{module}}", module)
    }
}

pub fn find(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}
