//! Text a guest wrote, made safe to show: in logs, errors and pages.

/// Cuts `s` to `max` characters and escapes control characters, so that a
/// guest cannot forge log lines or flood a terminal.
pub fn bounded(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max + 16));
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_escapes() {
        assert_eq!(bounded("a\nb", 10), "a\\nb");
        assert_eq!(bounded("abcdef", 3), "abc…");
    }
}
