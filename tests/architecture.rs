//! The shape of the code, checked: modules import each other one way only (no circles, `app`
//! never imports `ui`), no source file over 30 KB except conversation scripts (data tables), and
//! no function over about 100 lines — in the product and in the emulators.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_FILE_BYTES: u64 = 30 * 1024;
/// "About 100 lines": a function may run a few lines over when splitting it would not help.
const MAX_FN_LINES: usize = 110;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn all_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "src",
        "tests",
        "benches",
        "emulators/src",
        "emulators/tests",
    ] {
        rust_files(&root().join(dir), &mut files);
    }
    files.sort();
    files
}

/// Without test modules and comments: what the module really imports.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level module → the top-level modules it names with `crate::`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().to_string();
        let top = rel.split('/').next().unwrap().trim_end_matches(".rs");
        if top == "lib" || top == "main" {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(&f).unwrap());
        let deps = graph.entry(top.to_string()).or_default();
        for part in code.split("crate::").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != top {
                deps.insert(name);
            }
        }
    }
    graph
}

fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(m) = stack.pop() {
        for d in graph.get(&m).into_iter().flatten() {
            if d == to {
                return true;
            }
            if seen.insert(d.clone()) {
                stack.push(d.clone());
            }
        }
    }
    false
}

#[test]
fn modules_import_each_other_one_way_only() {
    let graph = module_graph();
    assert!(graph.contains_key("app") && graph.contains_key("ui"));
    let mut circles = Vec::new();
    for (m, deps) in &graph {
        for d in deps {
            if reaches(&graph, d, m) {
                circles.push(format!("{m} -> {d} -> … -> {m}"));
            }
        }
    }
    assert!(circles.is_empty(), "imports in a circle: {circles:#?}");
    assert!(!reaches(&graph, "app", "ui"), "app must not import ui");
    for low in [
        "model",
        "display",
        "settings",
        "http",
        "providers",
        "layout",
    ] {
        for high in ["app", "ui", "tui", "cli"] {
            assert!(!reaches(&graph, low, high), "{low} imports {high}");
        }
    }
}

/// Conversation scripts and texts are data tables, not code.
fn is_data_table(p: &Path) -> bool {
    let name = p.file_name().unwrap().to_string_lossy();
    p.starts_with(root().join("emulators/src")) && (name == "scripts.rs" || name == "texts.rs")
}

#[test]
fn no_source_file_is_over_30_kb() {
    let big: Vec<String> = all_sources()
        .into_iter()
        .filter(|p| !is_data_table(p))
        .filter(|p| std::fs::metadata(p).unwrap().len() > MAX_FILE_BYTES)
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(big.is_empty(), "over 30 KB: {big:#?}");
}

/// Functions (by their `fn` line and the closing brace at the same indentation) longer than
/// `max` lines.
fn long_functions(text: &str, max: usize) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let trimmed = l.trim_start();
        let indent = &l[..l.len() - trimmed.len()];
        let head = trimmed
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("const ")
            .trim_start_matches("async ");
        let Some(rest) = head.strip_prefix("fn ") else {
            continue;
        };
        if l.trim_end().ends_with(';') {
            continue;
        }
        let close = format!("{indent}}}");
        if let Some(end) = lines[i + 1..].iter().position(|x| *x == close) {
            let len = end + 2;
            if len > max {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push((i + 1, name, len));
            }
        }
    }
    out
}

#[test]
fn no_function_is_much_over_100_lines() {
    let mut long = Vec::new();
    for p in all_sources() {
        if is_data_table(&p) {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        for (line, name, len) in long_functions(&text, MAX_FN_LINES) {
            let rel = p.strip_prefix(root()).unwrap().display().to_string();
            long.push(format!("{rel}:{line} {name} ({len} lines)"));
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines: {long:#?}"
    );
}

#[test]
fn the_checker_sees_a_long_function() {
    let body = "    x();\n".repeat(120);
    let text = format!("fn long() {{\n{body}}}\n\nfn short() {{\n}}\n");
    assert_eq!(
        long_functions(&text, MAX_FN_LINES),
        vec![(1, "long".to_string(), 122)]
    );
}
