//! "Did you mean …?" hints: edit distance, closest candidate, and how a TOML value is described
//! in messages.

/// Suggests the candidate closest to `word` (ignoring case, and `_` vs `-`), if it is close
/// enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let w = norm(word);
    let mut best: Option<(usize, &'a str)> = None;
    for &c in candidates {
        let d = levenshtein(&w, &norm(c));
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let limit = (w.chars().count().max(c.len()) / 3).max(1);
    (d <= limit).then_some(c)
}

/// Edit distance counting insertions, deletions, substitutions and swaps of two adjacent
/// characters (optimal string alignment, `strsim::osa_distance`), so `knid` is one edit from
/// `kind`.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// `"did you mean `x`?"`, or the list of accepted values.
pub(crate) fn choice_hint(word: &str, candidates: &[&str]) -> String {
    match suggest(word, candidates) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!("expected one of: {}", quoted_list(candidates)),
    }
}

/// `"a", "b", "c"`.
pub(crate) fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn key_list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Describes a TOML value's type for messages: "an integer (120)".
/// `x` for a message: as written for everyday magnitudes, in scientific notation beyond
/// them (`1e300`, not three hundred digits).
pub fn number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-4..1e15).contains(&x.abs()) {
        x.to_string()
    } else {
        format!("{x:e}")
    }
}

pub(crate) fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("a string (\"{s}\")"),
        toml::Value::Integer(i) => format!("an integer ({i})"),
        toml::Value::Float(f) => format!("a number ({})", number(*f)),
        toml::Value::Boolean(b) => format!("a boolean ({b})"),
        toml::Value::Datetime(d) => format!("a date ({d})"),
        toml::Value::Array(_) => "an array".to_string(),
        toml::Value::Table(_) => "a table".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_messages_are_short_at_any_magnitude() {
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(-300.0), "-300");
        assert_eq!(number(1e14), "100000000000000");
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(-1.5e-7), "-1.5e-7");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::INFINITY), "inf");
    }

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["rate-per-s", "count", "kind"];
        assert_eq!(suggest("rate-per-sec", &keys), Some("rate-per-s"));
        assert_eq!(suggest("rate_per_s", &keys), Some("rate-per-s"));
        assert_eq!(suggest("knid", &keys), Some("kind"));
        assert_eq!(suggest("completely-different", &keys), None);
    }
}
