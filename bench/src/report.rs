//! The result: one row per figure, printed as a Markdown table and written
//! as JSON. Every ratio is Armature's figure over the baseline's.

use serde::Serialize;

use bench::stats::Figure;

/// A goal, and whether this run met it.
#[derive(Debug, Clone, Serialize)]
pub struct Goal {
    pub text: String,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub scenario: String,
    pub metric: String,
    pub armature: Option<Figure>,
    /// What the baseline is ("floor", "Python module", ...).
    pub baseline_name: Option<String>,
    pub baseline: Option<Figure>,
    pub ratio: Option<f64>,
    pub goal: Option<Goal>,
}

impl Row {
    pub fn new(scenario: &str, metric: impl Into<String>, armature: Option<Figure>) -> Self {
        Self {
            scenario: scenario.into(),
            metric: metric.into(),
            armature,
            baseline_name: None,
            baseline: None,
            ratio: None,
            goal: None,
        }
    }

    /// Adds the baseline and the ratio of the medians.
    pub fn against(mut self, name: &str, baseline: Option<Figure>) -> Self {
        self.ratio = match (&self.armature, &baseline) {
            (Some(a), Some(b)) if b.median != 0.0 => Some(a.median / b.median),
            _ => None,
        };
        self.baseline_name = Some(name.into());
        self.baseline = baseline;
        self
    }

    /// A goal on the ratio: at most `max`.
    pub fn ratio_at_most(self, max: f64, text: &str) -> Self {
        let met = self.ratio.is_some_and(|r| r <= max);
        self.goal(text, met)
    }

    /// A goal on Armature's median: at most `max` (in the figure's unit).
    pub fn at_most(self, max: f64, text: &str) -> Self {
        let met = self.armature.as_ref().is_some_and(|f| f.median <= max);
        self.goal(text, met)
    }

    /// Two goals at once: Armature's median at most `max`, and the ratio
    /// at most `ratio`.
    pub fn within_both(self, max: f64, ratio: f64, text: &str) -> Self {
        let met = self.armature.as_ref().is_some_and(|f| f.median <= max) && self.ratio.is_some_and(|r| r <= ratio);
        self.goal(text, met)
    }

    pub fn goal(mut self, text: &str, met: bool) -> Self {
        self.goal = Some(Goal { text: text.into(), met });
        self
    }
}

/// `12.3 µs (11.9–13.0)`: the median, and the range over the runs.
pub fn show(f: &Figure) -> String {
    let n = |v: f64| {
        let a = v.abs();
        if a >= 100.0 || a == 0.0 {
            format!("{v:.0}")
        } else if a >= 10.0 {
            format!("{v:.1}")
        } else if a >= 1.0 {
            format!("{v:.2}")
        } else {
            format!("{v:.3}")
        }
    };
    if f.runs > 1 {
        format!("{} {} ({}–{})", n(f.median), f.unit, n(f.min), n(f.max))
    } else {
        format!("{} {}", n(f.median), f.unit)
    }
}

fn ratio(r: f64) -> String {
    if r < 0.1 {
        format!("{r:.3}× (1/{:.0})", 1.0 / r)
    } else {
        format!("{r:.2}×")
    }
}

/// The table, Markdown.
pub fn table(rows: &[Row]) -> String {
    let mut out =
        String::from("| scenario | metric | Armature | baseline | ratio | goal |\n|---|---|---|---|---|---|\n");
    for r in rows {
        let armature = r.armature.as_ref().map(show).unwrap_or_else(|| "—".into());
        let baseline = match (&r.baseline_name, &r.baseline) {
            (Some(name), Some(f)) => format!("{name}: {}", show(f)),
            (Some(name), None) => format!("{name}: —"),
            _ => "—".into(),
        };
        let goal = match &r.goal {
            Some(g) => format!("{} **{}**", g.text, if g.met { "pass" } else { "miss" }),
            None => String::new(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            r.scenario,
            r.metric,
            armature,
            baseline,
            r.ratio.map(ratio).unwrap_or_default(),
            goal
        ));
    }
    out
}
