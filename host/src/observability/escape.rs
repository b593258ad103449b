//! Log text that cannot forge log lines or drive a terminal. Log lines
//! carry text from the network and from guests (a key id, a module's log
//! message, a resource's error); a newline in it would start what looks
//! like a line of the host's own, and an escape sequence would be run by
//! the terminal showing the log. So every line the host writes passes
//! through [`escape_line`]: control characters are written as `\u{..}`,
//! and a newline inside an event continues it, indented, never at the
//! start of a line.

use std::borrow::Cow;
use std::io::Write;

/// Continuation lines of one event start with this.
pub const CONTINUATION: &str = "\n    ";

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// `text` with control characters escaped; a newline (and a `\r\n`) inside
/// it becomes [`CONTINUATION`], and the final one is kept.
pub fn escape_line(text: &str) -> Cow<'_, str> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    if !body.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => out.push_str(CONTINUATION),
            c if needs_escape(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    if body.len() < text.len() {
        out.push('\n');
    }
    Cow::Owned(out)
}

/// `text` with every control character but newline and tab escaped: for
/// the panel's log view, which shows a message's own lines as its own.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .flat_map(|c| {
                let escape = c.is_control() && c != '\n' && c != '\t';
                let (plain, escaped) = if escape {
                    (None, Some(c.escape_unicode()))
                } else {
                    (Some(c), None)
                };
                plain.into_iter().chain(escaped.into_iter().flatten())
            })
            .collect(),
    )
}

/// Standard error, each event escaped with [`escape_line`]. tracing's fmt
/// layer writes one event per `write` call.
#[derive(Clone, Copy, Default)]
pub struct EscapedStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for EscapedStderr {
    type Writer = EscapedStderr;

    fn make_writer(&'a self) -> Self::Writer {
        EscapedStderr
    }
}

impl Write for EscapedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().lock().write_all(escape_line(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newline_continues_the_event_and_escapes_are_shown_not_run() {
        assert_eq!(escape_line("plain line\n"), "plain line\n");
        let forged = "WARN key_id=x\n2026-12-07T00:00:00Z  INFO armature: all is well\u{1b}[2J\n";
        let escaped = escape_line(forged);
        assert_eq!(
            escaped,
            "WARN key_id=x\n    2026-12-07T00:00:00Z  INFO armature: all is well\\u{1b}[2J\n"
        );
        assert_eq!(escaped.matches('\n').count(), 2);
        assert!(!escaped.contains('\u{1b}'));
        assert_eq!(escape_controls("a\nb\u{7}"), "a\nb\\u{7}");
    }
}
