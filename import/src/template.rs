//! Reading a template: YAML (with the short-form intrinsics) or JSON, into one value tree in
//! which every intrinsic has its long form (`!Ref X` → `{Ref: X}`, `!GetAtt A.B` →
//! `{Fn::GetAtt: [A, B]}`, `!Sub s` → `{Fn::Sub: s}`), so [`crate::intrinsics`] knows one form.
//!
//! Mappings keep the file's order (JSON too: it is read into the same ordered value), so the
//! workload lists functions in template order and the output does not depend on hashing.

use serde_norway::value::TaggedValue;
use serde_norway::{Mapping, Value};

use crate::ImportError;

/// Parses a template. JSON is recognised by its first character (`{`); anything else is YAML.
pub fn parse(text: &str, file: &str) -> Result<Value, ImportError> {
    let fail = |message: String| ImportError::Parse {
        file: file.to_string(),
        message,
    };
    // A template nests a few levels (intrinsics inside properties); a parser given thousands
    // of open brackets takes seconds per level before it gives up, so such text is refused
    // at once.
    if let Some(depth) = flow_depth_over(text, MAX_FLOW_DEPTH) {
        return Err(fail(format!(
            "brackets nest {depth} levels deep, more than the {MAX_FLOW_DEPTH} any template needs: not a SAM or CloudFormation template"
        )));
    }
    let value: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| fail(format!("not valid JSON: {e}")))?
    } else {
        let mut value: Value =
            serde_norway::from_str(text).map_err(|e| fail(format!("not valid YAML: {e}")))?;
        // Merge keys (`<<: *common`), which `sam deploy` and `aws cloudformation package`
        // resolve before CloudFormation sees the template.
        value
            .apply_merge()
            .map_err(|e| fail(format!("a YAML merge key (`<<`) cannot be applied: {e}")))?;
        value
    };
    let value = long_form(value);
    match &value {
        Value::Mapping(m) if m.contains_key("Resources") => Ok(value),
        Value::Mapping(_) => Err(fail(
            "no `Resources` section: not a SAM or CloudFormation template".into(),
        )),
        _ => Err(fail(
            "not a SAM or CloudFormation template (expected a mapping with `Resources`)".into(),
        )),
    }
}

/// The deepest nesting of `[` and `{` a template may have (real ones stay under 20).
pub const MAX_FLOW_DEPTH: usize = 256;

/// The nesting of `[` and `{` in `text` (outside quoted strings and comments) when it goes
/// past `max`: the depth reached, counted up to the first time it does.
fn flow_depth_over(text: &str, max: usize) -> Option<usize> {
    let (mut depth, mut quote, mut comment) = (0usize, None, false);
    let mut prev = ' ';
    for c in text.chars() {
        match (quote, c) {
            _ if comment => comment = c != '\n',
            (Some(q), _) if c == q && prev != '\\' => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') if prev.is_whitespace() => comment = true,
            (None, '[' | '{') => {
                depth += 1;
                if depth > max {
                    return Some(depth);
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
    }
    None
}

/// Rewrites every short-form intrinsic (a YAML tag) into its long form.
pub fn long_form(value: Value) -> Value {
    match value {
        Value::Tagged(t) => {
            let TaggedValue { tag, value } = *t;
            let name = tag.to_string();
            let name = name.trim_start_matches('!');
            let inner = long_form(value);
            let (key, arg) = match name {
                "Ref" => ("Ref".to_string(), inner),
                "Condition" => ("Condition".to_string(), inner),
                "GetAtt" => {
                    let arg = match inner {
                        Value::String(s) => match s.split_once('.') {
                            Some((a, b)) => Value::Sequence(vec![a.into(), b.into()]),
                            None => Value::String(s),
                        },
                        other => other,
                    };
                    ("Fn::GetAtt".to_string(), arg)
                }
                other => (format!("Fn::{other}"), inner),
            };
            let mut m = Mapping::new();
            m.insert(Value::String(key), arg);
            Value::Mapping(m)
        }
        Value::Mapping(m) => {
            Value::Mapping(m.into_iter().map(|(k, v)| (k, long_form(v))).collect())
        }
        Value::Sequence(s) => Value::Sequence(s.into_iter().map(long_form).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brackets nested past the bound are refused before parsing (a YAML parser takes
    /// seconds on 100,000 levels); brackets in strings and comments do not count.
    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = |n: usize| {
            format!(
                "Resources:\n  F:\n    P: {}{}\n",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        // At the bound the parser decides (its own recursion limit may refuse it).
        let at = parse(&deep(MAX_FLOW_DEPTH), "t.yaml")
            .map_or_else(|e| e.to_string(), |_| String::new());
        assert!(!at.contains("brackets nest"), "{at}");
        assert!(parse(&deep(20), "t.yaml").is_ok());
        let e = parse(&deep(100_000), "t.yaml").unwrap_err().to_string();
        assert!(e.contains("brackets nest 257 levels deep"), "{e}");
        let quoted = format!(
            "Resources:\n  F:\n    P: '{}'\n    Q: \"{}\" # {}\n",
            "[".repeat(300),
            "{".repeat(300),
            "[".repeat(300)
        );
        assert!(parse(&quoted, "t.yaml").is_ok());
    }

    #[test]
    fn short_forms_become_long_forms() {
        let v = parse(
            "Resources:\n  A:\n    X: !GetAtt Fn.Arn\n    Y: !Sub '${AWS::Region}'\n    Z: !Ref P\n",
            "t.yaml",
        )
        .unwrap();
        let a = &v["Resources"]["A"];
        assert_eq!(a["X"]["Fn::GetAtt"][1], Value::from("Arn"));
        assert_eq!(a["Y"]["Fn::Sub"], Value::from("${AWS::Region}"));
        assert_eq!(a["Z"]["Ref"], Value::from("P"));
    }

    #[test]
    fn json_keeps_the_order_of_its_keys() {
        let v = parse(r#"{"Resources": {"Zed": {}, "Alpha": {}}}"#, "t.json").unwrap();
        let keys: Vec<_> = v["Resources"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(keys, ["Zed", "Alpha"]);
    }

    #[test]
    fn not_a_template_is_an_error() {
        assert!(parse("a: 1\n", "t.yaml").is_err());
        assert!(parse("a: [1\n", "t.yaml").is_err());
        assert!(parse("{\"a\": ", "t.json").is_err());
    }
}
