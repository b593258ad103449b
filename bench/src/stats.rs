//! Repeated runs to one figure: the median, with the spread (min–max) of
//! the runs; and percentiles of one run's latencies.

use serde::Serialize;

/// A figure measured several times.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// How many runs.
    pub runs: usize,
    pub unit: &'static str,
}

impl Figure {
    /// None when there is no sample.
    pub fn of(samples: &[f64], unit: &'static str) -> Option<Self> {
        let mut s: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        if s.is_empty() {
            return None;
        }
        s.sort_by(f64::total_cmp);
        let n = s.len();
        let median = if n % 2 == 1 {
            s[n / 2]
        } else {
            (s[n / 2 - 1] + s[n / 2]) / 2.0
        };
        Some(Self {
            median,
            min: s[0],
            max: s[n - 1],
            runs: n,
            unit,
        })
    }
}

/// The `q` quantile (0..=1) of sorted values, nearest rank.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_spread_and_quantiles() {
        let f = Figure::of(&[3.0, 1.0, 2.0, 10.0], "us").unwrap();
        assert_eq!((f.median, f.min, f.max, f.runs), (2.5, 1.0, 10.0, 4));
        assert!(Figure::of(&[], "us").is_none());
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.99), 99.0);
        assert_eq!(quantile(&v, 1.0), 100.0);
    }
}
