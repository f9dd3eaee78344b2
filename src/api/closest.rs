//! "Did you mean": the served paths closest to a path the sandbox does not serve, so a typo in a
//! client's base URL or path (`/v3-api/...`, `accountbalance` for `accountBalance`, a missing
//! version) is named rather than left to guesswork.

use std::sync::OnceLock;

/// At most this many suggestions.
const SUGGESTIONS: usize = 3;

/// Longer paths get no suggestion: no served path is near them, and the comparison's cost
/// grows with the length (an unauthenticated caller must not buy CPU with long paths).
const LONGEST_COMPARED: usize = 200;

/// Served paths as `METHOD /path/{param}`, once.
fn served() -> &'static [(String, Vec<String>)] {
    static SERVED: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    SERVED.get_or_init(|| {
        let mut served: Vec<(String, Vec<String>)> =
            super::described().iter().map(|d| (format!("{} {}", d.method, d.path), segments(&d.path))).collect();
        served.sort();
        served.dedup();
        served
    })
}

fn segments(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(str::to_ascii_lowercase).collect()
}

/// The closest served paths to `path`, best first: those within a distance of about a third of
/// the path's length, so an unrelated path gets no suggestion.
pub fn served_paths_near(path: &str) -> Vec<String> {
    if path.len() > LONGEST_COMPARED {
        return Vec::new();
    }
    let asked = segments(path);
    let asked_len: usize = asked.iter().map(|s| s.len() + 1).sum();
    let most = (asked_len / 3).max(3);
    let mut ranked: Vec<(usize, &str)> = served()
        .iter()
        .map(|(label, template)| (distance(&asked, template), label.as_str()))
        .filter(|(d, _)| *d <= most)
        .collect();
    ranked.sort();
    let best = ranked.first().map_or(0, |(d, _)| *d);
    // Only the ones as close as the best, give or take a character, so the list stays short.
    ranked.into_iter().take_while(|(d, _)| *d <= best + 1).take(SUGGESTIONS).map(|(_, l)| l.to_string()).collect()
}

/// Edit distance over segments: replacing one costs the characters' edit distance, a `{param}`
/// matches any segment for nothing, and a segment missing or extra costs `GAP` (a forgotten
/// `accounts/` is a likelier mistake than a wholly different word).
fn distance(asked: &[String], template: &[String]) -> usize {
    let mut previous: Vec<usize> = std::iter::once(0)
        .chain(template.iter().scan(0, |total, s| {
            *total += gap(s);
            Some(*total)
        }))
        .collect();
    for a in asked {
        let mut row = vec![previous[0] + gap(a)];
        for (j, t) in template.iter().enumerate() {
            let replace = previous[j] + if t.starts_with('{') { 0 } else { chars_distance(a, t) };
            let delete = previous[j + 1] + gap(a);
            let insert = row[j] + gap(t);
            row.push(replace.min(delete).min(insert));
        }
        previous = row;
    }
    previous[template.len()]
}

/// The cost of a segment missing or extra.
fn gap(segment: &str) -> usize {
    const GAP: usize = 4;
    (segment.len() + 1).min(GAP)
}

fn chars_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            row.push((previous[j] + usize::from(ca != *cb)).min(previous[j + 1] + 1).min(row[j] + 1));
        }
        previous = row;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_names_the_path_meant() {
        let near = served_paths_near("/v3-apis/payment-api/v3.0/stkusdpush/initiate");
        assert_eq!(near, ["POST /v3-apis/payment-api/v3.0/stkussdpush/initiate"]);
    }

    #[test]
    fn a_missing_segment_and_path_parameters_are_allowed_for() {
        let near = served_paths_near("/v3-apis/account-api/v3.0/balances/KE/1450160649886");
        assert!(
            near.iter().any(|p| p.ends_with("/v3-apis/account-api/v3.0/accounts/balances/{countryCode}/{accountId}")),
            "{near:?}"
        );
    }

    #[test]
    fn an_unrelated_path_gets_no_suggestion() {
        assert!(served_paths_near("/favicon.ico").is_empty());
        assert!(served_paths_near("/").is_empty());
    }
}
