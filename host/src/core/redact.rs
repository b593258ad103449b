//! Secrets kept out of what the host says: a URL's user name and password
//! (`nats://user:pass@host`, `https://user:token@registry`) are masked
//! wherever a URL is logged, answered in a status or put into an error.

use std::borrow::Cow;

/// `text` with the user information of every URL in it masked:
/// `connecting to nats://u:p@127.0.0.1:4222: refused` →
/// `connecting to nats://***@127.0.0.1:4222: refused`.
pub fn urls_in(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The authority ends at the first of these; user information is
        // what comes before an `@` inside it.
        let end = after
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(i) => {
                out.push_str("***@");
                out.push_str(&authority[i + 1..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_information_is_masked_wherever_a_url_stands() {
        assert_eq!(urls_in("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
        assert_eq!(
            urls_in("connecting to nats://user:s3cret@127.0.0.1:4222: refused (nats://a@b/x)"),
            "connecting to nats://***@127.0.0.1:4222: refused (nats://***@b/x)"
        );
        assert_eq!(urls_in("https://u:p@ghcr.io/acme?x=1"), "https://***@ghcr.io/acme?x=1");
        assert_eq!(urls_in("mail me at a@b.c"), "mail me at a@b.c");
        assert!(!urls_in("tls://x:pa@ss@host:1").contains("pa"));
    }
}
