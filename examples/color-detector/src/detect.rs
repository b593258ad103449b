//! Blobs of one hue in an RGB image: each pixel is tested against the hue
//! window and the saturation and value floors, and 4-connected runs of
//! matching pixels of at least `min_pixels` become boxes. Plain Rust with
//! no SDK in it, so that the same code can be built natively and measured
//! against the sandbox.

/// What a pixel must be to match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColorMatch {
    /// Degrees, 0..360.
    pub hue: f64,
    /// Degrees either side of `hue`.
    pub tolerance: f64,
    /// 0..=1.
    pub min_saturation: f64,
    /// 0..=1.
    pub min_value: f64,
}

/// Hue in degrees, saturation and value in 0..=1, of an RGB pixel.
pub fn hsv(r: u8, g: u8, b: u8) -> (f64, f64, f64) {
    let (r, g, b) = (f64::from(r) / 255.0, f64::from(g) / 255.0, f64::from(b) / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let delta = max - min;
    // No `rem_euclid`: on wasm it is a software fmod, the slowest step of
    // the per-pixel test.
    let hue = if delta == 0.0 {
        0.0
    } else if max == r {
        let h = 60.0 * (g - b) / delta;
        if h < 0.0 { h + 360.0 } else { h }
    } else if max == g {
        60.0 * ((b - r) / delta + 2.0)
    } else {
        60.0 * ((r - g) / delta + 4.0)
    };
    let saturation = if max == 0.0 { 0.0 } else { delta / max };
    (hue, saturation, max)
}

impl ColorMatch {
    pub fn matches(&self, r: u8, g: u8, b: u8) -> bool {
        // The cheap tests first, in integers and f32: most pixels of a
        // frame fail one of them. Greys, black and white have no hue.
        let max = r.max(g).max(b);
        let min = r.min(g).min(b);
        let delta = max - min;
        if delta == 0 || f64::from(max) < self.min_value * 255.0 {
            return false;
        }
        let (max_f, delta_f) = (f32::from(max), f32::from(delta));
        if (delta_f as f64) < self.min_saturation * max_f as f64 {
            return false;
        }
        let (r, g, b) = (f32::from(r), f32::from(g), f32::from(b));
        let h = if max_f == r {
            let h = 60.0 * (g - b) / delta_f;
            if h < 0.0 { h + 360.0 } else { h }
        } else if max_f == g {
            60.0 * ((b - r) / delta_f + 2.0)
        } else {
            60.0 * ((r - g) / delta_f + 4.0)
        };
        // Both hues are in [0, 360]: the distance round the circle.
        let d = (f64::from(h) - self.hue).abs();
        d.min(360.0 - d) <= self.tolerance
    }
}

/// A blob's bounding box, corners included, and its pixel count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blob {
    pub x_min: u32,
    pub y_min: u32,
    pub x_max: u32,
    pub y_max: u32,
    pub pixels: u32,
}

/// The blobs of `rgb` (`width * height` pixels of three bytes) that match,
/// largest first, each of at least `min_pixels`.
pub fn blobs(rgb: &[u8], width: u32, height: u32, color: &ColorMatch, min_pixels: u32) -> Vec<Blob> {
    let (w, h) = (width as usize, height as usize);
    let n = w * h;
    if rgb.len() < n * 3 {
        return Vec::new();
    }
    let mut mask: Vec<bool> = rgb
        .chunks_exact(3)
        .take(n)
        .map(|p| color.matches(p[0], p[1], p[2]))
        .collect();
    let mut found = Vec::new();
    let mut stack = Vec::new();
    for start in 0..n {
        if !mask[start] {
            continue;
        }
        // Flood fill; a pixel is cleared from the mask as it is taken.
        mask[start] = false;
        stack.push(start);
        let (mut x_min, mut y_min, mut x_max, mut y_max) = (w, h, 0, 0);
        let mut pixels = 0u32;
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            pixels += 1;
            x_min = x_min.min(x);
            x_max = x_max.max(x);
            y_min = y_min.min(y);
            y_max = y_max.max(y);
            let mut take = |j: usize| {
                if mask[j] {
                    mask[j] = false;
                    stack.push(j);
                }
            };
            if x > 0 {
                take(i - 1);
            }
            if x + 1 < w {
                take(i + 1);
            }
            if y > 0 {
                take(i - w);
            }
            if y + 1 < h {
                take(i + w);
            }
        }
        if pixels >= min_pixels {
            found.push(Blob {
                x_min: x_min as u32,
                y_min: y_min as u32,
                x_max: x_max as u32,
                y_max: y_max as u32,
                pixels,
            });
        }
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.pixels));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORANGE: ColorMatch = ColorMatch {
        hue: 30.0,
        tolerance: 9.0,
        min_saturation: 0.2,
        min_value: 0.3,
    };

    #[test]
    fn hues_of_the_primaries() {
        assert_eq!(hsv(255, 0, 0).0, 0.0);
        assert_eq!(hsv(0, 255, 0).0, 120.0);
        assert_eq!(hsv(0, 0, 255).0, 240.0);
        assert!((hsv(255, 128, 0).0 - 30.1).abs() < 0.1);
    }

    #[test]
    fn two_squares_are_two_blobs_largest_first() {
        let (w, h) = (40u32, 20u32);
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        let mut fill = |x0: u32, y0: u32, side: u32| {
            for y in y0..y0 + side {
                for x in x0..x0 + side {
                    let i = ((y * w + x) * 3) as usize;
                    rgb[i..i + 3].copy_from_slice(&[255, 128, 0]);
                }
            }
        };
        fill(2, 2, 4);
        fill(20, 5, 10);
        let found = blobs(&rgb, w, h, &ORANGE, 1);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].x_min, found[0].y_min, found[0].x_max, found[0].y_max),
            (20, 5, 29, 14)
        );
        assert_eq!(found[0].pixels, 100);
        assert_eq!(found[1].pixels, 16);
        // The small one is below a floor of 20 pixels.
        assert_eq!(blobs(&rgb, w, h, &ORANGE, 20).len(), 1);
    }

    #[test]
    fn greys_and_other_hues_do_not_match() {
        assert!(!ORANGE.matches(128, 128, 128));
        assert!(!ORANGE.matches(255, 0, 0));
        assert!(!ORANGE.matches(255, 255, 0));
        // Dark or washed-out orange is below the floors.
        assert!(!ORANGE.matches(40, 20, 0));
        assert!(!ORANGE.matches(255, 240, 230));
        // The window wraps around 0°.
        let red = ColorMatch { hue: 355.0, ..ORANGE };
        assert!(red.matches(255, 0, 10));
        assert!(red.matches(255, 10, 0));
    }
}
