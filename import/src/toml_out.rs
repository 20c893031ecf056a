//! Writing workload text by hand, so every value can carry a comment naming where it came
//! from (`memory-mb = 1024  # Globals.Function.MemorySize`) and placeholders a `# TODO`.
//! Values are quoted by the `toml` crate; comments of one table are aligned.

use std::fmt::Write;

/// One `key = value  # comment` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// The key (kebab-case).
    pub key: String,
    /// The value as TOML text (see [`string`], [`int`], [`float`], [`boolean`]).
    pub value: String,
    /// Where the value came from, or `TODO …`.
    pub comment: Option<String>,
}

/// A table: its header (`[simulation]`, `[[function]]`) and its lines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// The header line, without brackets' meaning imposed: written as given.
    pub header: String,
    /// Comment lines written under the header, before the keys.
    pub notes: Vec<String>,
    /// The keys.
    pub lines: Vec<Line>,
}

impl Table {
    /// An empty table with this header (e.g. `"[function.arrivals]"`).
    pub fn new(header: impl Into<String>) -> Self {
        Table {
            header: header.into(),
            ..Table::default()
        }
    }

    /// Adds `key = value  # comment`.
    pub fn push(&mut self, key: &str, value: String, comment: impl Into<Option<String>>) {
        self.lines.push(Line {
            key: key.to_string(),
            value,
            comment: comment.into(),
        });
    }

    /// Whether the table has a key.
    pub fn has(&self, key: &str) -> bool {
        self.lines.iter().any(|l| l.key == key)
    }
}

/// Writes tables separated by blank lines; comments aligned within each table.
pub fn render(header_comment: &[String], tables: &[Table]) -> String {
    let mut out = String::new();
    for c in header_comment {
        if c.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {c}");
        }
    }
    for t in tables {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", t.header);
        for n in &t.notes {
            let _ = writeln!(out, "# {n}");
        }
        let width = t
            .lines
            .iter()
            .filter(|l| l.comment.is_some())
            .map(|l| l.key.len() + 3 + l.value.len())
            .max()
            .unwrap_or(0);
        for l in &t.lines {
            let kv = format!("{} = {}", key(&l.key), l.value);
            match &l.comment {
                Some(c) => {
                    let _ = writeln!(out, "{kv:width$}  # {c}");
                }
                None => {
                    let _ = writeln!(out, "{kv}");
                }
            }
        }
    }
    out
}

/// A key, quoted when it is not a bare TOML key (environment variable names are bare).
pub fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        k.to_string()
    } else {
        string(k)
    }
}

/// A TOML string.
pub fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML integer.
pub fn int(i: i64) -> String {
    i.to_string()
}

/// A TOML float (always with a decimal point or exponent).
pub fn float(f: f64) -> String {
    toml::Value::Float(f).to_string()
}

/// A TOML boolean.
pub fn boolean(b: bool) -> String {
    b.to_string()
}

/// A TOML array of strings.
pub fn strings(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// A duration string with the largest unit that writes `ms` milliseconds exactly
/// (`"29s"`, `"15m"`, `"1500ms"`, `"6h"`, `"4d"`).
pub fn duration_ms(ms: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ];
    if ms == 0 {
        return string("0s");
    }
    for (size, unit) in UNITS {
        if ms.is_multiple_of(size) {
            return string(&format!("{}{unit}", ms / size));
        }
    }
    string(&format!("{ms}ms"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_largest_exact_unit() {
        assert_eq!(duration_ms(29_000), "\"29s\"");
        assert_eq!(duration_ms(900_000), "\"15m\"");
        assert_eq!(duration_ms(1_500), "\"1500ms\"");
        assert_eq!(duration_ms(345_600_000), "\"4d\"");
        assert_eq!(duration_ms(0), "\"0s\"");
    }

    #[test]
    fn comments_align_within_a_table_and_the_text_parses() {
        let mut t = Table::new("[[function]]");
        t.push("name", string("api"), Some("Resources.Api".to_string()));
        t.push(
            "memory-mb",
            int(1024),
            Some("Globals.Function.MemorySize".to_string()),
        );
        t.push("timeout", duration_ms(3000), None);
        let text = render(&["made by a test".into()], &[t]);
        assert_eq!(
            text,
            "# made by a test\n\n[[function]]\nname = \"api\"      # Resources.Api\nmemory-mb = 1024  # Globals.Function.MemorySize\ntimeout = \"3s\"\n"
        );
        assert!(text.parse::<toml::Table>().is_ok());
        assert_eq!(key("MY_VAR"), "MY_VAR");
        assert_eq!(key("a.b"), "\"a.b\"");
    }
}
