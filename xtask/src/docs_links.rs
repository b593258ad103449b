//! Every relative link in README.md and docs/ resolves: the file exists and,
//! for `page.md#anchor`, the page has that heading (GitHub's anchors).
//! Run by `cargo xtask test` with xtask's own tests.

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    fn markdown_files(root: &Path) -> Vec<PathBuf> {
        let mut out = vec![root.join("README.md")];
        let mut dirs = vec![root.join("docs")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "md") {
                    out.push(path);
                }
            }
        }
        out.sort();
        out
    }

    /// The lines outside fenced code blocks, each with its number; inline
    /// code spans blanked (a link there does not render).
    fn prose(text: &str) -> Vec<(usize, String)> {
        let mut fenced = false;
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                continue;
            }
            if fenced {
                continue;
            }
            let mut kept = String::new();
            let mut in_code = false;
            for c in line.chars() {
                if c == '`' {
                    in_code = !in_code;
                }
                kept.push(if in_code || c == '`' { ' ' } else { c });
            }
            out.push((i + 1, kept));
        }
        out
    }

    /// GitHub's anchor of each heading: lowercase, spaces to `-`, other
    /// punctuation but `-` and `_` dropped, repeats numbered.
    fn anchors(text: &str) -> BTreeSet<String> {
        let mut seen = std::collections::BTreeMap::<String, usize>::new();
        let mut out = BTreeSet::new();
        let mut fenced = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
            }
            let hashes = line.chars().take_while(|&c| c == '#').count();
            if fenced || hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
                continue;
            }
            let title = link_texts(line[hashes..].trim());
            let anchor: String = title
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            let n = seen.entry(anchor.clone()).or_default();
            out.insert(if *n == 0 {
                anchor.clone()
            } else {
                format!("{anchor}-{n}")
            });
            *n += 1;
        }
        out
    }

    /// `[text](target)` reduced to `text`.
    fn link_texts(s: &str) -> String {
        let mut out = s.to_string();
        while let Some((start, end)) = links(&out).first().map(|l| (l.0, l.2)) {
            let text_end = out[start..].find("](").map(|i| start + i).unwrap_or(end);
            out = format!("{}{}{}", &out[..start], &out[start + 1..text_end], &out[end..]);
        }
        out
    }

    /// Each `[text](target)` in a line: (start, target, end).
    fn links(line: &str) -> Vec<(usize, String, usize)> {
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(i) = line[from..].find("](") {
            let mid = from + i;
            let Some(start) = line[..mid].rfind('[') else {
                from = mid + 2;
                continue;
            };
            let Some(len) = line[mid + 2..].find(')') else { break };
            let target = line[mid + 2..mid + 2 + len]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string();
            out.push((start, target, mid + 3 + len));
            from = mid + 3 + len;
        }
        out
    }

    #[test]
    fn every_relative_link_in_readme_and_docs_resolves() {
        let root = crate::root().unwrap();
        let mut broken = Vec::new();
        let mut checked = 0;
        for file in markdown_files(&root) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, prose) in prose(&text) {
                for (_, target, _) in links(&prose) {
                    if target.contains(':') && !target.starts_with('#') {
                        continue; // https:, mailto:
                    }
                    checked += 1;
                    let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
                    let dest = if path.is_empty() {
                        file.clone()
                    } else {
                        file.parent().unwrap().join(path)
                    };
                    let why = if !dest.exists() {
                        Some("no such file".to_string())
                    } else if !anchor.is_empty() {
                        let page = std::fs::read_to_string(&dest).unwrap_or_default();
                        (!anchors(&page).contains(anchor)).then(|| format!("no heading #{anchor}"))
                    } else {
                        None
                    };
                    if let Some(why) = why {
                        broken.push(format!(
                            "{}:{line}: {target}: {why}",
                            file.strip_prefix(&root).unwrap().display()
                        ));
                    }
                }
            }
        }
        assert!(checked > 50, "only {checked} links found: is the reader broken?");
        assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    }

    #[test]
    fn the_reader_sees_what_github_renders() {
        assert_eq!(links("see [a](x.md#b) and [c `d`](../y.md)").len(), 2);
        assert!(anchors("# The WIT contract: `wit/`\n").contains("the-wit-contract-wit"));
        assert!(anchors("## A\n## A\n").contains("a-1"));
        assert!(prose("```\n[a](nowhere.md)\n```\n").is_empty());
    }
}
