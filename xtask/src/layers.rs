//! `cargo xtask layers`: the host's layers, checked from its own imports.
//!
//! The layer list is `host/layers` (documented in
//! `docs/contributing/layers.md`). This reads every `crate::`, `super::` and
//! `self::` path in `host/src` (comments and strings left out, inline
//! `mod name { .. }` blocks followed, so a test module's `super::*` means the
//! file it sits in) and fails on
//! - an import of a folder in a higher layer than the importing one,
//! - a cycle between folders of one layer,
//! - a cycle between files of one folder,
//!
//! naming file, line and both sides. `host/layers-owed` lists edges that
//! still break the rules while the tree is being moved into its layers: they
//! are reported but tolerated, and an entry that no longer breaks anything
//! fails the check, so the list can only shrink.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

pub fn layers(root: &Path) -> Result<()> {
    let src = root.join("host/src");
    let layers = read_layers(&root.join("host/layers"))?;
    let owed = read_owed(&root.join("host/layers-owed"))?;
    let files = rust_files(&src)?;
    let mut imports = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(src.join(file)).with_context(|| format!("reading host/src/{file}"))?;
        imports.extend(imports_of(&src, file, &text));
    }
    imports.sort_by(|a, b| (&a.from, a.line, &a.to).cmp(&(&b.from, b.line, &b.to)));
    imports.dedup_by(|a, b| (&a.from, a.line, &a.to) == (&b.from, b.line, &b.to));
    let problems = check(&layers, &files, &imports)?;
    report(&problems, &owed)
}

/// One `use` or path of the crate: which file names which, and where.
#[derive(Debug, Clone)]
struct Import {
    from: String,
    line: usize,
    to: String,
}

/// A broken rule, keyed by the edge the owed list names it by.
#[derive(Debug)]
struct Problem {
    key: String,
    detail: String,
}

/// `host/layers`: one layer a line, lowest first, a line's words the folders
/// (or top-level files, without `.rs`) of `host/src` in it; an optional
/// `name:` before them names the layer.
struct Layers {
    rank: BTreeMap<String, usize>,
    names: Vec<String>,
}

fn read_layers(path: &Path) -> Result<Layers> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut rank = BTreeMap::new();
    let mut names = Vec::new();
    for line in text.lines().map(|l| l.split('#').next().unwrap_or("").trim()) {
        if line.is_empty() {
            continue;
        }
        let (name, members) = match line.split_once(':') {
            Some((name, members)) => (name.trim().to_string(), members),
            None => (line.to_string(), line),
        };
        for member in members.split_whitespace() {
            if rank.insert(member.to_string(), names.len()).is_some() {
                bail!("{}: `{member}` is in two layers", path.display());
            }
        }
        names.push(name);
    }
    Ok(Layers { rank, names })
}

fn read_owed(path: &Path) -> Result<BTreeSet<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

/// The library's files, relative to `host/src`, `main.rs` left out (the
/// binary, a crate of its own on top of everything).
fn rust_files(src: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut dirs = vec![PathBuf::new()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(src.join(&dir))? {
            let entry = entry?;
            let rel = dir.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                dirs.push(rel);
            } else if rel.extension().is_some_and(|e| e == "rs") && rel != Path::new("main.rs") {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The folder (or top-level file) a file belongs to: its layer's unit.
fn folder_of(file: &str) -> &str {
    match file.split_once('/') {
        Some((folder, _)) => folder,
        None => file.trim_end_matches(".rs"),
    }
}

/// The module path a file defines: `a/b.rs` and `a/b/mod.rs` are `a::b`.
fn module_of(file: &str) -> Vec<String> {
    let trimmed = file.trim_end_matches(".rs");
    let mut parts: Vec<String> = trimmed.split('/').map(String::from).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The file holding the longest prefix of `path` that is a module file.
fn file_of(src: &Path, path: &[String]) -> Option<String> {
    for len in (1..=path.len()).rev() {
        let joined = path[..len].join("/");
        for candidate in [format!("{joined}.rs"), format!("{joined}/mod.rs")] {
            if src.join(&candidate).is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn imports_of(src: &Path, file: &str, text: &str) -> Vec<Import> {
    let tokens = tokens(&code_only(text));
    let base = module_of(file);
    let mut inline: Vec<(String, usize)> = Vec::new(); // (mod name, depth of its `{`)
    let mut depth = 0usize;
    let mut out = Vec::new();
    // Child modules declared here (`mod board;`): a path may name them
    // without a prefix (`board::SIM`).
    let children: BTreeSet<&str> = tokens
        .windows(3)
        .filter(|w| w[0].0 == "mod" && w[2].0 == ";")
        .map(|w| w[1].0.as_str())
        .collect();
    let mut i = 0;
    while i < tokens.len() {
        let (tok, line) = (&tokens[i].0, tokens[i].1);
        if inline.is_empty()
            && children.contains(tok.as_str())
            && tokens.get(i + 1).is_some_and(|t| t.0 == "::")
            && (i == 0 || tokens[i - 1].0 != "::")
        {
            let mut paths = Vec::new();
            i = parse_tree(&tokens, i, base.clone(), &mut paths);
            out.extend(paths.iter().filter_map(|path| {
                let to = file_of(src, path)?;
                (to != file).then(|| Import {
                    from: file.to_string(),
                    line,
                    to,
                })
            }));
            continue;
        }
        match tok.as_str() {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t.0 == "{") => {
                inline.push((tokens[i + 1].0.clone(), depth));
            }
            "crate" | "$crate" | "super" | "self"
                if tokens.get(i + 1).is_some_and(|t| t.0 == "::") && (i == 0 || tokens[i - 1].0 != "::") =>
            {
                let mut here = base.clone();
                here.extend(inline.iter().map(|(name, _)| name.clone()));
                let mut start = match tok.as_str() {
                    "crate" | "$crate" => Vec::new(),
                    "self" => here.clone(),
                    _ => {
                        let mut up = here.clone();
                        up.pop();
                        up
                    }
                };
                i += 2;
                // `super::super::..`
                while tokens.get(i).is_some_and(|t| t.0 == "super") && tokens.get(i + 1).is_some_and(|t| t.0 == "::") {
                    start.pop();
                    i += 2;
                }
                let mut paths = Vec::new();
                i = parse_tree(&tokens, i, start, &mut paths);
                for path in paths {
                    if let Some(to) = file_of(src, &path)
                        && to != file
                    {
                        out.push(Import {
                            from: file.to_string(),
                            line,
                            to,
                        });
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Reads `a::b::{c, d::{e, f}}` from `tokens[i]`, pushing every full path.
fn parse_tree(tokens: &[(String, usize)], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        match tokens.get(i).map(|t| t.0.as_str()) {
            Some("{") => {
                i += 1;
                loop {
                    match tokens.get(i).map(|t| t.0.as_str()) {
                        Some("}") => return i + 1,
                        Some(",") => i += 1,
                        None => return i,
                        Some("self") => {
                            out.push(path.clone());
                            i += 1;
                        }
                        Some(_) => i = parse_tree(tokens, i, path.clone(), out),
                    }
                    // `as Name` after an item
                    if tokens.get(i).is_some_and(|t| t.0 == "as") {
                        i += 2;
                    }
                }
            }
            Some(t) if is_ident(t) => {
                path.push(t.to_string());
                i += 1;
                if tokens.get(i).is_some_and(|t| t.0 == "::") {
                    i += 1;
                    continue;
                }
                out.push(path);
                return i;
            }
            _ => {
                // `*` or the end of the path
                if tokens.get(i).is_some_and(|t| t.0 == "*") {
                    i += 1;
                }
                out.push(path);
                return i;
            }
        }
    }
}

fn is_ident(t: &str) -> bool {
    t.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Identifiers, `::` and single punctuation, each with its line.
fn tokens(code: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || (c == '$' && chars.get(i + 1) == Some(&'c')) {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((chars[start..i].iter().collect(), line));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push(("::".into(), line));
            i += 2;
        } else {
            out.push((c.to_string(), line));
            i += 1;
        }
    }
    out
}

/// The source with comments, strings and char literals blanked (newlines
/// kept, so lines still count).
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, s: &[char]| {
        out.extend(s.iter().map(|&ch| if ch == '\n' { '\n' } else { ' ' }));
    };
    let mut i = 0;
    while i < c.len() {
        let rest = &c[i..];
        let end = if rest.starts_with(&['/', '/']) {
            rest.iter().position(|&ch| ch == '\n').unwrap_or(rest.len())
        } else if rest.starts_with(&['/', '*']) {
            block_comment_len(rest)
        } else if let Some(len) = raw_string_len(rest, i == 0 || !is_ident_char(c[i - 1])) {
            len
        } else if rest[0] == '"' {
            quoted_len(rest, '"')
        } else if rest[0] == '\'' && (rest.get(1) == Some(&'\\') || rest.get(2) == Some(&'\'')) {
            quoted_len(rest, '\'')
        } else {
            out.push(rest[0]);
            i += 1;
            continue;
        };
        blank(&mut out, &rest[..end]);
        i += end;
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn block_comment_len(s: &[char]) -> usize {
    let mut depth = 0;
    let mut i = 0;
    while i + 1 < s.len() {
        if s[i] == '/' && s[i + 1] == '*' {
            depth += 1;
            i += 2;
        } else if s[i] == '*' && s[i + 1] == '/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    s.len()
}

/// `r"..."`, `r#"..."#`, `br".."` at the start of `s`.
fn raw_string_len(s: &[char], at_token_start: bool) -> Option<usize> {
    if !at_token_start {
        return None;
    }
    let mut i = usize::from(s.first() == Some(&'b'));
    if s.get(i) != Some(&'r') {
        return None;
    }
    i += 1;
    let hashes = s[i..].iter().take_while(|&&ch| ch == '#').count();
    i += hashes;
    if s.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < s.len() {
        if s[i] == '"' && s[i + 1..].iter().take(hashes).filter(|&&ch| ch == '#').count() == hashes {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(s.len())
}

fn quoted_len(s: &[char], quote: char) -> usize {
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            '\\' => i += 2,
            ch if ch == quote => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

fn check(layers: &Layers, files: &[String], imports: &[Import]) -> Result<Vec<Problem>> {
    let mut unplaced: Vec<&str> = files
        .iter()
        .map(|f| folder_of(f))
        .filter(|f| *f != "lib" && !layers.rank.contains_key(*f))
        .collect();
    unplaced.dedup();
    if !unplaced.is_empty() {
        bail!(
            "host/src/{} is in no layer: add it to host/layers (see docs/contributing/layers.md)",
            unplaced.join(", host/src/")
        );
    }
    let rank = |f: &str| layers.rank.get(folder_of(f)).copied();
    let mut problems = Vec::new();
    // Upward imports, and the same-layer edges between folders.
    let mut same_layer: BTreeMap<(String, String), Vec<&Import>> = BTreeMap::new();
    let mut in_folder: BTreeMap<(String, String), Vec<&Import>> = BTreeMap::new();
    for import in imports {
        let (from, to) = (folder_of(&import.from), folder_of(&import.to));
        let (Some(a), Some(b)) = (rank(&import.from), rank(&import.to)) else {
            continue; // lib.rs: the crate root only declares the folders
        };
        if from == to {
            in_folder
                .entry((import.from.clone(), import.to.clone()))
                .or_default()
                .push(import);
        } else if b > a {
            problems.push(Problem {
                key: format!("{from} -> {to}"),
                detail: format!(
                    "host/src/{}:{}: `{from}` (layer {}) imports host/src/{} from `{to}`, a higher layer ({})",
                    import.from, import.line, layers.names[a], import.to, layers.names[b]
                ),
            });
        } else if a == b {
            same_layer
                .entry((from.to_string(), to.to_string()))
                .or_default()
                .push(import);
        }
    }
    for ((from, to), at) in cycle_edges(&same_layer) {
        for import in at {
            problems.push(Problem {
                key: format!("{from} -> {to}"),
                detail: format!(
                    "host/src/{}:{}: `{from}` imports `{to}` and `{to}` reaches back to `{from}`: a cycle within layer {}",
                    import.from,
                    import.line,
                    layers.names[rank(&import.from).unwrap_or(0)]
                ),
            });
        }
    }
    for ((from, to), at) in cycle_edges(&in_folder) {
        for import in at {
            problems.push(Problem {
                key: format!("{from} -> {to}"),
                detail: format!(
                    "host/src/{}:{}: imports host/src/{to}, which imports its way back: a cycle between files",
                    import.from, import.line
                ),
            });
        }
    }
    Ok(problems)
}

/// The edges of `graph` that lie on a cycle (both ends in one strongly
/// connected component).
pub(crate) fn cycle_edges<T>(graph: &BTreeMap<(String, String), T>) -> Vec<(&(String, String), &T)> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in graph.keys() {
        next.entry(from).or_default().push(to);
    }
    let reaches = |a: &str, b: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![a];
        while let Some(n) = stack.pop() {
            if n == b {
                return true;
            }
            if seen.insert(n) {
                stack.extend(next.get(n).into_iter().flatten());
            }
        }
        false
    };
    graph.iter().filter(|((from, to), _)| reaches(to, from)).collect()
}

fn report(problems: &[Problem], owed: &BTreeSet<String>) -> Result<()> {
    let found: BTreeSet<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    let mut failed = false;
    let mut tolerated = 0;
    for p in problems {
        if owed.contains(&p.key) {
            tolerated += 1;
        } else {
            failed = true;
            eprintln!("error: {}", p.detail);
        }
    }
    for key in owed.iter().filter(|k| !found.contains(k.as_str())) {
        failed = true;
        eprintln!("error: host/layers-owed lists `{key}`, which no longer breaks a rule: remove the line");
    }
    let owed_edges = owed.len();
    eprintln!(
        "layers: {} imports break a rule; {tolerated} of them on the {owed_edges} edges host/layers-owed still tolerates",
        problems.len()
    );
    if failed {
        bail!("the host's layers are broken (docs/contributing/layers.md)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(text: &str, file: &str, src: &Path) -> Vec<(usize, String)> {
        imports_of(src, file, text)
            .into_iter()
            .map(|i| (i.line, i.to))
            .collect()
    }

    /// A throwaway `host/src` with the files named.
    fn tree(files: &[&str]) -> tempdir::Dir {
        let dir = tempdir::Dir::new();
        for f in files {
            let path = dir.0.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        dir
    }

    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static N: AtomicUsize = AtomicUsize::new(0);
                let n = N.fetch_add(1, Ordering::Relaxed);
                let path = std::env::temp_dir().join(format!("xtask-layers-{}-{n}", std::process::id()));
                let _ = std::fs::remove_dir_all(&path);
                std::fs::create_dir_all(&path).unwrap();
                Dir(path)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn reads_groups_nested_groups_and_inline_paths() {
        let src = tree(&[
            "core/call.rs",
            "core/mod.rs",
            "config/mod.rs",
            "runtime/sandbox.rs",
            "runtime/mod.rs",
        ]);
        let text = "use crate::{core::{call::Call, self}, config};\nfn f() { crate::runtime::sandbox::go(); }\n";
        assert_eq!(
            paths(text, "resources/slot.rs", &src.0),
            vec![
                (1, "core/call.rs".to_string()),
                (1, "core/mod.rs".to_string()),
                (1, "config/mod.rs".to_string()),
                (2, "runtime/sandbox.rs".to_string()),
            ]
        );
    }

    #[test]
    fn a_child_module_named_without_prefix_is_an_import() {
        let src = tree(&["builtin/mod.rs", "builtin/board.rs"]);
        let text = "mod board;\npub const MODELS: &[M] = &[board::SIM];\nfn f() { x::board::y(); }\n";
        assert_eq!(
            paths(text, "builtin/mod.rs", &src.0),
            vec![(2, "builtin/board.rs".to_string())]
        );
    }

    #[test]
    fn leaves_out_comments_and_strings() {
        let src = tree(&["grpc/mod.rs"]);
        let text = "// use crate::grpc;\n/* crate::grpc:: */ let s = \"crate::grpc::x\"; let r = r#\"crate::grpc\"#;\nlet c = ':'; fn f<'a>(x: &'a str) {}\n";
        assert!(paths(text, "config/mod.rs", &src.0).is_empty());
    }

    #[test]
    fn super_in_a_test_module_is_the_file_itself() {
        let src = tree(&["capture/mod.rs", "capture/sync.rs"]);
        let text = "use super::Thing;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n";
        // Line 1 names capture/mod.rs; line 4 the file itself, no import.
        assert_eq!(
            paths(text, "capture/sync.rs", &src.0),
            vec![(1, "capture/mod.rs".to_string())]
        );
    }

    #[test]
    fn an_upward_import_and_a_cycle_are_problems() {
        let layers = Layers {
            rank: [("core", 0), ("grpc", 1), ("web", 1)]
                .map(|(k, v)| (k.to_string(), v))
                .into(),
            names: vec!["core".into(), "server".into()],
        };
        let import = |from: &str, to: &str| Import {
            from: from.into(),
            line: 1,
            to: to.into(),
        };
        let files: Vec<String> = ["core/a.rs", "grpc/mod.rs", "web/mod.rs"].map(String::from).into();
        let problems = check(
            &layers,
            &files,
            &[
                import("core/a.rs", "grpc/mod.rs"),
                import("grpc/mod.rs", "web/mod.rs"),
                import("web/mod.rs", "grpc/mod.rs"),
            ],
        )
        .unwrap();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["core -> grpc", "grpc -> web", "web -> grpc"]);
    }
}
