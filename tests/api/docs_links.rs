//! Every relative link in the repository's markdown resolves: the file exists, and a `#anchor`
//! names a heading of the target page (GitHub's heading slugs), so the docs cannot rot silently.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Directories that hold other projects' markdown or build output.
const SKIPPED: &[&str] = &["target", ".git", ".venv", "node_modules", ".wiremock"];

#[test]
fn every_relative_link_in_the_markdown_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = Vec::new();
    collect_markdown(root, &mut pages);
    assert!(pages.iter().any(|p| p.ends_with("README.md")), "no README.md found under {}", root.display());

    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for (line, target) in links(&text) {
            if let Err(problem) = check(page, &target) {
                let shown = page.strip_prefix(root).unwrap_or(page).display();
                broken.push(format!("{shown}:{line}: ({target}) {problem}"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn slugs_follow_githubs_rules() {
    let slugs = heading_slugs(
        "# Admin API (`/__sandbox`)\n## STK/USSD push rules (seed 001)\n## Same\n## Same\n```\n# not a heading\n```\n",
    );
    let expected: HashSet<String> = ["admin-api-__sandbox", "stkussd-push-rules-seed-001", "same", "same-1"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(slugs, expected);
}

#[test]
fn links_in_code_are_not_links() {
    let found = links("[a](a.md) `[b](b.md)`\n```\n[c](c.md)\n```\n[d]: d.md\n");
    assert_eq!(found, vec![(1, "a.md".to_string()), (5, "d.md".to_string())]);
}

fn collect_markdown(dir: &Path, pages: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if !SKIPPED.contains(&name.as_str()) {
                collect_markdown(&path, pages);
            }
        } else if name.ends_with(".md") {
            pages.push(path);
        }
    }
}

/// Checks one link target found in `page`; external links are not followed.
fn check(page: &Path, target: &str) -> Result<(), String> {
    if target.contains("://") || target.starts_with("mailto:") {
        return Ok(());
    }
    let (file, anchor) = match target.split_once('#') {
        Some((file, anchor)) => (file, Some(anchor)),
        None => (target, None),
    };
    let linked = if file.is_empty() { page.to_path_buf() } else { page.parent().unwrap().join(file) };
    if !linked.exists() {
        return Err(format!("{} does not exist", linked.display()));
    }
    match anchor {
        Some(anchor) if linked.extension().is_some_and(|e| e == "md") => {
            let text = std::fs::read_to_string(&linked).unwrap();
            if heading_slugs(&text).contains(anchor) {
                Ok(())
            } else {
                Err(format!("no heading with the anchor #{anchor}"))
            }
        }
        _ => Ok(()),
    }
}

/// The inline `[text](target)` and reference `[name]: target` links outside code, with their line.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut in_fence = false;
    for (number, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let line = without_inline_code(line);
        if let Some(rest) = line.strip_prefix('[') {
            if let Some((_, target)) = rest.split_once("]:") {
                found.push((number + 1, target.trim().to_string()));
                continue;
            }
        }
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            found.push((number + 1, target.trim_matches(['<', '>']).to_string()));
            rest = &after[end..];
        }
    }
    found
}

fn without_inline_code(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join("")
}

/// GitHub's anchors: the heading text lower-cased, punctuation but `-` and `_` dropped, spaces made
/// hyphens; a repeated slug gets `-1`, `-2`, ...
fn heading_slugs(text: &str) -> HashSet<String> {
    let mut slugs = HashSet::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        let Some(heading) = line.strip_prefix('#') else { continue };
        if in_fence {
            continue;
        }
        let heading = heading.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let base = slug(&link_texts(heading.trim()));
        let mut candidate = base.clone();
        let mut n = 0;
        while !slugs.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
    }
    slugs
}

/// `[text](target)` becomes `text`, as GitHub builds the slug from the rendered text.
fn link_texts(heading: &str) -> String {
    let mut out = String::new();
    let mut rest = heading;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](") else { break };
        let Some(end) = rest[open + close..].find(')') else { break };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..open + close]);
        rest = &rest[open + close + end + 1..];
    }
    out.push_str(rest);
    out
}

fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}
