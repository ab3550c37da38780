//! The layers of docs/architecture.md, checked on the source text: a module may name only the
//! layers below it. (The disclosure policy is a crate of its own, `disclosure/`, whose
//! dependencies the compiler checks.)
use std::path::{Path, PathBuf};

/// Paths under `src/` (a file, or a folder with everything in it) and what they must not name.
const RULES: &[(&[&str], &[&str])] = &[
    (
        // The domain, the store, the statistics engine and the write services: no API layer.
        &[
            "store",
            "statistics",
            "reference",
            "ingest",
            "import",
            "import.rs",
            "write.rs",
            "catalogue",
            "sources.rs",
            "figures.rs",
            "demo.rs",
            "count.rs",
            "regions.rs",
            "ids.rs",
            "dimensions.rs",
            "calendar.rs",
            "keys.rs",
            "events",
            "read_pools.rs",
        ],
        &["crate::graphql", "crate::http", "async_graphql", "axum"],
    ),
    (
        // The schema knows nothing of HTTP.
        &["graphql"],
        &["crate::http", "axum"],
    ),
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .expect("read a source folder")
            .map(|e| e.expect("a folder entry").path())
            .collect();
        entries.sort();
        for p in entries {
            rust_files(&p, out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_owned());
    }
}

/// Every place in the layer that names a forbidden path, as `file:line: text`. Comments are
/// skipped (a doc comment may say where a caller lives); grouped imports
/// (`use crate::{graphql::X, store}`) are expanded first.
fn violations(src: &Path, paths: &[&str], forbidden: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    for p in paths {
        let path = src.join(p);
        assert!(
            path.exists(),
            "{} is named by a rule but does not exist",
            path.display()
        );
        rust_files(&path, &mut files);
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read a source file");
        let code: Vec<&str> = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or_default())
            .collect();
        for (i, line) in code.iter().enumerate() {
            let mut seen: Vec<String> = vec![(*line).to_owned()];
            if line.trim_start().starts_with("use ") || line.trim_start().starts_with("pub use ") {
                // The whole statement, which may span lines.
                let statement: String = code[i..]
                    .iter()
                    .scan(false, |done, l| {
                        if *done {
                            return None;
                        }
                        *done = l.contains(';');
                        Some(*l)
                    })
                    .collect();
                let tree = statement
                    .trim()
                    .trim_start_matches("pub ")
                    .trim_start_matches("use ");
                seen.extend(expand(tree.trim_end_matches(';')));
            }
            if let Some(name) = forbidden.iter().find(|f| seen.iter().any(|s| names(s, f))) {
                found.push(format!(
                    "{}:{}: names {name}: {}",
                    file.display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    found
}

/// The full paths of a use tree: `crate::{a::{b, c}, d}` gives `crate::a::b`, `crate::a::c`,
/// `crate::d`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let (prefix, rest) = tree.split_at(open);
    let inner = &rest[1..rest.rfind('}').unwrap_or(rest.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|i| !i.is_empty())
        .flat_map(|i| expand(&format!("{prefix}{i}")))
        .collect()
}

/// Whether `code` names the path `name` (as itself, not as the tail of a longer identifier).
fn names(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + name.len()..].chars().next();
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

#[test]
fn no_layer_names_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    for (paths, forbidden) in RULES {
        all.extend(violations(&src, paths, forbidden));
    }
    assert!(all.is_empty(), "layering violations:\n{}", all.join("\n"));
}

#[test]
fn the_check_sees_a_forbidden_name_and_only_that() {
    assert!(names(
        "use crate::graphql::region::Region;",
        "crate::graphql"
    ));
    assert!(names(
        "    crate::http::rate_limited_message(&s)",
        "crate::http"
    ));
    assert!(names("use async_graphql::Enum;", "async_graphql"));
    assert!(!names("use crate::graphql_like::X;", "crate::graphql"));
    assert!(!names("use crate::httpd;", "crate::http"));
    assert_eq!(
        expand("crate::{graphql::{a, b}, store}"),
        ["crate::graphql::a", "crate::graphql::b", "crate::store"]
    );
}

/// The most lines of non-test code a source file may hold ("about 400": a file of one job).
const MAX_LINES: usize = 420;

/// Lines of a file before its test module (`#[cfg(test)]` followed by `mod …`).
fn code_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod "))
        .unwrap_or(lines.len())
}

#[test]
fn no_source_file_holds_more_than_about_400_lines_of_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("disclosure/src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|f| !f.to_string_lossy().ends_with("_tests.rs"))
        .filter_map(|f| {
            let n = code_lines(&std::fs::read_to_string(f).expect("read a source file"));
            (n > MAX_LINES).then(|| format!("{}: {n} lines", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these along their jobs:\n{}",
        long.join("\n")
    );
}

#[test]
fn code_lines_stop_at_the_test_module() {
    assert_eq!(code_lines("a\nb\n#[cfg(test)]\nmod tests {\n}\n"), 2);
    assert_eq!(
        code_lines("a\n#[cfg(test)]\nfn only_for_tests() {}\nb\n"),
        4
    );
}
