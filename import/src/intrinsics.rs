//! CloudFormation's intrinsic functions, evaluated as far as a template alone allows.
//!
//! [`Resolver::new`] fixes the `Parameters` (each `--parameter` override, else its `Default`)
//! and the pseudo parameters (`AWS::Region` `us-east-1`, `AWS::AccountId` `123456789012`,
//! `AWS::StackName` the template's file stem, `AWS::Partition` `aws`, `AWS::URLSuffix`
//! `amazonaws.com`; each can be overridden with `--parameter`), then [`Resolver::resolve`]
//! evaluates `Ref`, `Fn::Sub`, `Fn::GetAtt`, `Fn::If`, `Fn::Join`, `Fn::Select`, `Fn::Split`,
//! `Fn::FindInMap`, `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Fn::Base64`,
//! `Fn::ImportValue`, `Fn::GetAZs` and `Fn::Length`, and `AWS::NoValue` removes its key.
//!
//! What only a deployment knows stays symbolic, as a string a reader recognises: a `Ref` to
//! a resource is its logical ID (`Queue`), `Fn::GetAtt` is `Logical.Attribute` (`Queue.Arn`),
//! `Fn::ImportValue` is `ImportValue(Name)`. The import maps event sources through them.

use std::cell::RefCell;
use std::collections::BTreeMap;

use base64::Engine;
use serde_norway::{Mapping, Value};

use crate::{ImportError, closest};

/// Default of `AWS::Region` (the region `lamsim` prices by default).
pub const DEFAULT_REGION: &str = "us-east-1";
/// Default of `AWS::AccountId` (AWS's documentation example).
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// The pseudo parameters a `--parameter` may override.
pub const PSEUDO_PARAMETERS: [&str; 5] = [
    "AWS::Region",
    "AWS::AccountId",
    "AWS::StackName",
    "AWS::Partition",
    "AWS::URLSuffix",
];

/// Evaluates intrinsic functions against one template's parameters, mappings and conditions.
pub struct Resolver<'t> {
    params: BTreeMap<String, Value>,
    mappings: Mapping,
    conditions: &'t Mapping,
    resources: &'t Mapping,
    cache: RefCell<BTreeMap<String, bool>>,
    evaluating: RefCell<Vec<String>>,
}

/// The outcome of resolving one value: `None` when it is `AWS::NoValue`.
pub type Resolved = Result<Option<Value>, String>;

fn template_error(path: &str, message: impl Into<String>) -> ImportError {
    ImportError::Template {
        path: path.to_string(),
        message: message.into(),
    }
}

/// A scalar as CloudFormation turns it into a string (`1024`, `true`, `x`).
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl<'t> Resolver<'t> {
    /// Fixes the parameters: `overrides` (`--parameter K=V`) first, then each parameter's
    /// `Default`. A parameter with neither, an override of an unknown parameter, a value not
    /// in `AllowedValues` or a `Number` that is not a number is an error.
    pub fn new(
        template: &'t Value,
        overrides: &[(String, String)],
        stack_name: &str,
    ) -> Result<Self, ImportError> {
        static EMPTY: std::sync::OnceLock<Mapping> = std::sync::OnceLock::new();
        let empty = EMPTY.get_or_init(Mapping::new);
        let section = |name: &str| template.get(name).and_then(Value::as_mapping);
        let declared = section("Parameters").unwrap_or(empty);
        let mut params = BTreeMap::new();
        for (name, value) in [
            ("AWS::Region", DEFAULT_REGION),
            ("AWS::AccountId", DEFAULT_ACCOUNT),
            ("AWS::StackName", stack_name),
            ("AWS::StackId", ""),
            ("AWS::Partition", "aws"),
            ("AWS::URLSuffix", "amazonaws.com"),
        ] {
            params.insert(name.to_string(), Value::from(value));
        }
        params.insert(
            "AWS::StackId".into(),
            Value::from(format!(
                "arn:aws:cloudformation:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:stack/{stack_name}/00000000-0000-0000-0000-000000000000"
            )),
        );
        params.insert("AWS::NotificationARNs".into(), Value::Sequence(vec![]));
        let names: Vec<&str> = declared
            .keys()
            .filter_map(Value::as_str)
            .chain(PSEUDO_PARAMETERS)
            .collect();
        for (k, _) in overrides {
            if !names.contains(&k.as_str()) {
                let hint = match closest(k, &names) {
                    Some(c) => format!(" (closest: `{c}`)"),
                    None if names.is_empty() => " (the template declares no Parameters)".into(),
                    None => format!(" (the template declares: {})", names.join(", ")),
                };
                return Err(template_error(
                    &format!("--parameter {k}"),
                    format!("the template has no parameter `{k}`{hint}"),
                ));
            }
        }
        let given = |name: &str| {
            overrides
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        for p in PSEUDO_PARAMETERS {
            if let Some(v) = given(p) {
                params.insert(p.to_string(), Value::from(v));
            }
        }
        for (name, decl) in declared {
            let Some(name) = name.as_str() else { continue };
            let path = format!("Parameters.{name}");
            let value = match given(name) {
                Some(v) => v,
                None => match decl.get("Default").and_then(scalar_text) {
                    Some(v) => v,
                    None => {
                        return Err(template_error(
                            &path,
                            format!("has no Default: give it with --parameter {name}=VALUE"),
                        ));
                    }
                },
            };
            let ty = decl.get("Type").and_then(Value::as_str).unwrap_or("String");
            if let Some(allowed) = decl.get("AllowedValues").and_then(Value::as_sequence) {
                let allowed: Vec<String> = allowed.iter().filter_map(scalar_text).collect();
                if !allowed.contains(&value) {
                    let refs: Vec<&str> = allowed.iter().map(String::as_str).collect();
                    return Err(template_error(
                        &path,
                        format!(
                            "`{value}` is not one of its AllowedValues ({}){}",
                            allowed.join(", "),
                            closest(&value, &refs)
                                .map(|c| format!("; did you mean `{c}`?"))
                                .unwrap_or_default()
                        ),
                    ));
                }
            }
            let resolved = if ty == "CommaDelimitedList" || ty.starts_with("List<") {
                Value::Sequence(value.split(',').map(|s| Value::from(s.trim())).collect())
            } else {
                if ty == "Number" && value.trim().parse::<f64>().is_err() {
                    return Err(template_error(
                        &path,
                        format!("is a Number, but its value `{value}` is not a number"),
                    ));
                }
                Value::from(value)
            };
            params.insert(name.to_string(), resolved);
        }
        Ok(Resolver {
            params,
            mappings: section("Mappings").cloned().unwrap_or_default(),
            conditions: section("Conditions").unwrap_or(empty),
            resources: section("Resources").unwrap_or(empty),
            cache: RefCell::new(BTreeMap::new()),
            evaluating: RefCell::new(Vec::new()),
        })
    }

    /// The value of a parameter or pseudo parameter, as fixed by [`Resolver::new`].
    pub fn parameter(&self, name: &str) -> Option<&Value> {
        self.params.get(name)
    }

    /// Evaluates the condition `name` of the `Conditions` section (each at most once).
    pub fn condition(&self, name: &str) -> Result<bool, ImportError> {
        if let Some(&b) = self.cache.borrow().get(name) {
            return Ok(b);
        }
        let path = format!("Conditions.{name}");
        let Some(expr) = self.conditions.get(name) else {
            let names: Vec<&str> = self.conditions.keys().filter_map(Value::as_str).collect();
            let hint = closest(name, &names)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(template_error(&path, format!("no such condition{hint}")));
        };
        if self.evaluating.borrow().iter().any(|n| n == name) {
            return Err(template_error(
                &path,
                "refers to itself (a cycle of conditions)",
            ));
        }
        self.evaluating.borrow_mut().push(name.to_string());
        let result = self.boolean(expr);
        self.evaluating.borrow_mut().pop();
        let b = result.map_err(|m| template_error(&path, m))?;
        self.cache.borrow_mut().insert(name.to_string(), b);
        Ok(b)
    }

    /// A condition expression: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `{Condition: X}`,
    /// or a value that resolves to `true`/`false`.
    fn boolean(&self, expr: &Value) -> Result<bool, String> {
        if let Some(("Condition", arg)) = single(expr) {
            let name = arg.as_str().ok_or("Condition takes a condition's name")?;
            return self.condition(name).map_err(|e| e.to_string());
        }
        match self.resolve(expr)? {
            Some(Value::Bool(b)) => Ok(b),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
            other => Err(format!(
                "expected a condition (true or false), found {}",
                describe(other.as_ref())
            )),
        }
    }

    /// Evaluates every intrinsic function in `v`. `Ok(None)` is `AWS::NoValue`; an `Err` says
    /// which function could not be evaluated and why.
    pub fn resolve(&self, v: &Value) -> Resolved {
        if let Some((key, arg)) = single(v).filter(|(k, _)| *k == "Ref" || k.starts_with("Fn::")) {
            return self.function(key, arg);
        }
        match v {
            Value::Mapping(m) => {
                let mut out = Mapping::new();
                for (k, x) in m {
                    if let Some(r) = self.resolve(x)? {
                        out.insert(k.clone(), r);
                    }
                }
                Ok(Some(Value::Mapping(out)))
            }
            Value::Sequence(s) => {
                let mut out = Vec::new();
                for x in s {
                    if let Some(r) = self.resolve(x)? {
                        out.push(r);
                    }
                }
                Ok(Some(Value::Sequence(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    fn value(&self, v: &Value, what: &str) -> Result<Value, String> {
        self.resolve(v)?
            .ok_or_else(|| format!("{what} is AWS::NoValue"))
    }

    fn text(&self, v: &Value, what: &str) -> Result<String, String> {
        let r = self.value(v, what)?;
        scalar_text(&r)
            .ok_or_else(|| format!("{what} must be a string, found {}", describe(Some(&r))))
    }

    fn list(&self, v: &Value, what: &str) -> Result<Vec<Value>, String> {
        match self.value(v, what)? {
            Value::Sequence(s) => Ok(s),
            other => Err(format!(
                "{what} must be a list, found {}",
                describe(Some(&other))
            )),
        }
    }

    fn args<'a>(
        &self,
        name: &str,
        arg: &'a Value,
        n: std::ops::RangeInclusive<usize>,
    ) -> Result<&'a [Value], String> {
        match arg.as_sequence() {
            Some(s) if n.contains(&s.len()) => Ok(s),
            _ => Err(format!(
                "{name} takes a list of {} arguments",
                if n.start() == n.end() {
                    n.start().to_string()
                } else {
                    format!("{} to {}", n.start(), n.end())
                }
            )),
        }
    }

    fn reference(&self, name: &str) -> Resolved {
        if name == "AWS::NoValue" {
            return Ok(None);
        }
        if let Some(v) = self.params.get(name) {
            return Ok(Some(v.clone()));
        }
        if self.resources.contains_key(name) {
            return Ok(Some(Value::from(name)));
        }
        let mut names: Vec<&str> = self.params.keys().map(String::as_str).collect();
        names.extend(self.resources.keys().filter_map(Value::as_str));
        Err(format!(
            "Ref {name}: no parameter or resource of that name{}",
            closest(name, &names)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default()
        ))
    }

    fn function(&self, key: &str, arg: &Value) -> Resolved {
        match key {
            "Ref" => {
                let name = self.text(arg, "Ref")?;
                self.reference(&name)
            }
            "Fn::GetAtt" => {
                let parts: Vec<String> = match arg {
                    Value::String(s) => s.splitn(2, '.').map(String::from).collect(),
                    _ => self
                        .list(arg, "Fn::GetAtt")?
                        .iter()
                        .map(|p| scalar_text(p).ok_or("Fn::GetAtt takes names"))
                        .collect::<Result<_, _>>()?,
                };
                if parts.len() != 2 {
                    return Err("Fn::GetAtt takes [Resource, Attribute]".into());
                }
                if !self.resources.contains_key(parts[0].as_str()) {
                    return Err(format!("Fn::GetAtt {}: no resource of that name", parts[0]));
                }
                Ok(Some(Value::from(format!("{}.{}", parts[0], parts[1]))))
            }
            "Fn::Sub" => {
                let (text, vars) = match arg {
                    Value::Sequence(s) if s.len() == 2 => {
                        let vars = s[1]
                            .as_mapping()
                            .ok_or("Fn::Sub's second argument must be a mapping of variables")?;
                        (self.text(&s[0], "Fn::Sub")?, Some(vars))
                    }
                    _ => (self.text(arg, "Fn::Sub")?, None),
                };
                self.sub(&text, vars).map(|s| Some(Value::from(s)))
            }
            "Fn::If" => {
                let a = self.args("Fn::If", arg, 3..=3)?;
                let name = a[0]
                    .as_str()
                    .ok_or("Fn::If's first argument is a condition's name")?;
                let b = self.condition(name).map_err(|e| e.to_string())?;
                self.resolve(if b { &a[1] } else { &a[2] })
            }
            "Fn::Equals" => {
                let a = self.args("Fn::Equals", arg, 2..=2)?;
                let x = self.value(&a[0], "Fn::Equals")?;
                let y = self.value(&a[1], "Fn::Equals")?;
                let eq = match (scalar_text(&x), scalar_text(&y)) {
                    (Some(x), Some(y)) => x == y,
                    _ => x == y,
                };
                Ok(Some(Value::Bool(eq)))
            }
            "Fn::Not" => {
                let a = self.args("Fn::Not", arg, 1..=1)?;
                Ok(Some(Value::Bool(!self.boolean(&a[0])?)))
            }
            "Fn::And" | "Fn::Or" => {
                let a = self.args(key, arg, 2..=10)?;
                let mut values = Vec::new();
                for c in a {
                    values.push(self.boolean(c)?);
                }
                let b = if key == "Fn::And" {
                    values.iter().all(|&b| b)
                } else {
                    values.iter().any(|&b| b)
                };
                Ok(Some(Value::Bool(b)))
            }
            "Fn::Join" => {
                let a = self.args("Fn::Join", arg, 2..=2)?;
                let sep = self.text(&a[0], "Fn::Join's delimiter")?;
                let items = self.list(&a[1], "Fn::Join's values")?;
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| scalar_text(i).ok_or("Fn::Join joins strings"))
                    .collect::<Result<_, _>>()?;
                Ok(Some(Value::from(parts.join(&sep))))
            }
            "Fn::Select" => {
                let a = self.args("Fn::Select", arg, 2..=2)?;
                let index = self.text(&a[0], "Fn::Select's index")?;
                let index: usize = index
                    .trim()
                    .parse()
                    .map_err(|_| format!("Fn::Select's index `{index}` is not a whole number"))?;
                let items = self.list(&a[1], "Fn::Select's list")?;
                let n = items.len();
                items.into_iter().nth(index).map(Some).ok_or_else(|| {
                    format!("Fn::Select index {index} is past the end of a list of {n}")
                })
            }
            "Fn::Split" => {
                let a = self.args("Fn::Split", arg, 2..=2)?;
                let sep = self.text(&a[0], "Fn::Split's delimiter")?;
                let s = self.text(&a[1], "Fn::Split's string")?;
                Ok(Some(Value::Sequence(
                    s.split(sep.as_str()).map(Value::from).collect(),
                )))
            }
            "Fn::FindInMap" => {
                let a = self.args("Fn::FindInMap", arg, 3..=4)?;
                let keys = [
                    self.text(&a[0], "Fn::FindInMap's map name")?,
                    self.text(&a[1], "Fn::FindInMap's top-level key")?,
                    self.text(&a[2], "Fn::FindInMap's second-level key")?,
                ];
                let mut cur = &Value::Mapping(self.mappings.clone());
                let mut owned;
                for (depth, k) in keys.iter().enumerate() {
                    match cur.get(k.as_str()) {
                        Some(next) => {
                            owned = next.clone();
                            cur = &owned;
                            let _ = depth;
                        }
                        None => {
                            if let Some(default) = a.get(3).and_then(|d| d.get("DefaultValue")) {
                                return self.resolve(default);
                            }
                            let names: Vec<&str> = cur
                                .as_mapping()
                                .map(|m| m.keys().filter_map(Value::as_str).collect())
                                .unwrap_or_default();
                            return Err(format!(
                                "Fn::FindInMap: no key `{k}` in Mappings{}{}",
                                keys[..depth]
                                    .iter()
                                    .map(|p| format!(".{p}"))
                                    .collect::<String>(),
                                closest(k, &names)
                                    .map(|c| format!(" (did you mean `{c}`?)"))
                                    .unwrap_or_default()
                            ));
                        }
                    }
                }
                self.resolve(cur)
            }
            "Fn::Base64" => {
                let s = self.text(arg, "Fn::Base64")?;
                Ok(Some(Value::from(
                    base64::engine::general_purpose::STANDARD.encode(s),
                )))
            }
            "Fn::ImportValue" => {
                let s = self.text(arg, "Fn::ImportValue")?;
                Ok(Some(Value::from(format!("ImportValue({s})"))))
            }
            "Fn::GetAZs" => {
                let region = match self.text(arg, "Fn::GetAZs")? {
                    r if r.is_empty() => {
                        scalar_text(&self.params["AWS::Region"]).unwrap_or_default()
                    }
                    r => r,
                };
                Ok(Some(Value::Sequence(
                    ["a", "b", "c"]
                        .iter()
                        .map(|z| Value::from(format!("{region}{z}")))
                        .collect(),
                )))
            }
            "Fn::Length" => {
                let n = self.list(arg, "Fn::Length")?.len();
                Ok(Some(Value::from(n as u64)))
            }
            other => Err(format!(
                "{other} is not an intrinsic function this import evaluates{}",
                closest(other, &KNOWN)
                    .map(|c| format!(" (closest: {c})"))
                    .unwrap_or_default()
            )),
        }
    }

    /// `Fn::Sub`: `${Name}` (a variable, parameter or resource), `${Resource.Attribute}`, and
    /// `${!Literal}` for a literal `${Literal}`.
    fn sub(&self, text: &str, vars: Option<&Mapping>) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("Fn::Sub: `${{` without a closing `}}` in `{text}`"))?;
            let name = after[..end].trim();
            if let Some(lit) = name.strip_prefix('!') {
                out.push_str(&format!("${{{lit}}}"));
            } else if let Some(v) = vars.and_then(|m| m.get(name)) {
                out.push_str(&self.text(v, &format!("Fn::Sub variable {name}"))?);
            } else if let Some((res, att)) =
                name.split_once('.').filter(|_| !name.starts_with("AWS::"))
            {
                if !self.resources.contains_key(res) {
                    return Err(format!("Fn::Sub: ${{{name}}}: no resource `{res}`"));
                }
                out.push_str(&format!("{res}.{att}"));
            } else {
                let v = self
                    .reference(name)
                    .map_err(|e| format!("Fn::Sub: {e}"))?
                    .ok_or_else(|| format!("Fn::Sub: ${{{name}}} is AWS::NoValue"))?;
                out.push_str(
                    &scalar_text(&v)
                        .ok_or_else(|| format!("Fn::Sub: ${{{name}}} is a list, not a string"))?,
                );
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The intrinsic functions [`Resolver::resolve`] evaluates (for hints).
const KNOWN: [&str; 16] = [
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::If",
    "Fn::Equals",
    "Fn::Not",
    "Fn::And",
    "Fn::Or",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::FindInMap",
    "Fn::Base64",
    "Fn::ImportValue",
    "Fn::GetAZs",
    "Fn::Length",
];

/// The only key of a one-key mapping, and its value.
fn single(v: &Value) -> Option<(&str, &Value)> {
    let m = v.as_mapping()?;
    if m.len() != 1 {
        return None;
    }
    let (k, x) = m.iter().next()?;
    Some((k.as_str()?, x))
}

/// "a string (x)", "a list", … for messages.
pub fn describe(v: Option<&Value>) -> String {
    match v {
        None => "nothing (AWS::NoValue)".into(),
        Some(Value::String(s)) => format!("a string (\"{s}\")"),
        Some(Value::Number(n)) => format!("a number ({n})"),
        Some(Value::Bool(b)) => format!("a boolean ({b})"),
        Some(Value::Null) => "null".into(),
        Some(Value::Sequence(_)) => "a list".into(),
        Some(Value::Mapping(_)) => "a mapping".into(),
        Some(Value::Tagged(t)) => format!("a tagged value ({})", t.tag),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template;

    const T: &str = r#"
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Memory: {Type: Number, Default: 512}
  Subnets: {Type: CommaDelimitedList, Default: "a,b,c"}
Mappings:
  Sizes:
    dev: {Memory: 256}
    prod: {Memory: 2048}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [!Ref Memory, 512]]
  Either: !Or [!Condition IsProd, !Condition NotProd]
Resources:
  Queue: {Type: AWS::SQS::Queue}
"#;

    fn eval(over: &[(&str, &str)], expr: &str) -> Resolved {
        let t = template::parse(T, "t.yaml").unwrap();
        let over: Vec<(String, String)> = over
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let r = Resolver::new(&t, &over, "stack").unwrap();
        let v = template::long_form(serde_norway::from_str(expr).unwrap());
        r.resolve(&v)
    }

    fn s(x: &str) -> Option<Value> {
        Some(Value::from(x))
    }

    #[test]
    fn parameters_take_defaults_then_overrides() {
        assert_eq!(eval(&[], "!Ref Stage"), Ok(s("dev")));
        assert_eq!(eval(&[("Stage", "prod")], "!Ref Stage"), Ok(s("prod")));
        assert_eq!(eval(&[], "!Select [1, !Ref Subnets]"), Ok(s("b")));
        assert_eq!(
            eval(&[("AWS::Region", "eu-west-1")], "!Ref AWS::Region"),
            Ok(s("eu-west-1"))
        );
    }

    #[test]
    fn conditions_and_if() {
        assert_eq!(eval(&[], "!If [IsProd, 1, 2]"), Ok(Some(Value::from(2))));
        assert_eq!(
            eval(&[("Stage", "prod")], "!If [IsProd, 1, 2]"),
            Ok(Some(Value::from(1)))
        );
        assert_eq!(eval(&[], "!If [NotProd, x, y]"), Ok(s("x")));
        assert_eq!(eval(&[("Stage", "prod")], "!If [Both, x, y]"), Ok(s("x")));
        assert_eq!(eval(&[], "!If [Either, x, y]"), Ok(s("x")));
        assert_eq!(eval(&[], "!If [IsProd, x, !Ref AWS::NoValue]"), Ok(None));
        assert!(
            eval(&[], "!If [IsProdd, x, y]")
                .unwrap_err()
                .contains("did you mean `IsProd`")
        );
    }

    #[test]
    fn strings_lists_and_maps() {
        assert_eq!(
            eval(&[], "!Sub '${AWS::StackName}-${Stage}-${!Lit}'"),
            Ok(s("stack-dev-${Lit}"))
        );
        assert_eq!(
            eval(&[], "!Sub ['${A}-x', {A: !Ref Stage}]"),
            Ok(s("dev-x"))
        );
        assert_eq!(eval(&[], "!Sub '${Queue.Arn}'"), Ok(s("Queue.Arn")));
        assert_eq!(eval(&[], "!GetAtt Queue.Arn"), Ok(s("Queue.Arn")));
        assert_eq!(eval(&[], "!Ref Queue"), Ok(s("Queue")));
        assert_eq!(eval(&[], "!Join ['-', [a, !Ref Stage]]"), Ok(s("a-dev")));
        assert_eq!(eval(&[], "!Select [2, !Split [',', 'x,y,z']]"), Ok(s("z")));
        assert_eq!(
            eval(
                &[("Stage", "prod")],
                "!FindInMap [Sizes, !Ref Stage, Memory]"
            ),
            Ok(Some(Value::from(2048)))
        );
        assert_eq!(eval(&[], "!Base64 hi"), Ok(s("aGk=")));
        assert_eq!(
            eval(&[], "!ImportValue shared-vpc"),
            Ok(s("ImportValue(shared-vpc)"))
        );
        assert_eq!(eval(&[], "!Select [0, !GetAZs '']"), Ok(s("us-east-1a")));
        assert_eq!(
            eval(&[], "{a: !Ref AWS::NoValue, b: 1}"),
            Ok(Some(serde_norway::from_str("{b: 1}").unwrap()))
        );
        // The long form is the same function.
        assert_eq!(eval(&[], "{'Fn::Join': ['', [a, b]]}"), Ok(s("ab")));
    }

    #[test]
    fn errors_name_the_function_and_the_closest_name() {
        assert!(
            eval(&[], "!Ref Stag")
                .unwrap_err()
                .contains("did you mean `Stage`")
        );
        assert!(
            eval(&[], "!FindInMap [Sizes, qa, Memory]")
                .unwrap_err()
                .contains("no key `qa`")
        );
        assert!(
            eval(&[], "!Select [5, [a]]")
                .unwrap_err()
                .contains("past the end")
        );
        assert!(
            eval(&[], "!Cidr [x, 1, 2]")
                .unwrap_err()
                .contains("not an intrinsic function")
        );
    }

    #[test]
    fn bad_parameters_are_errors() {
        let t = template::parse(T, "t.yaml").unwrap();
        let bad = |k: &str, v: &str| {
            Resolver::new(&t, &[(k.to_string(), v.to_string())], "s")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(bad("Stage", "qa").contains("not one of its AllowedValues"));
        assert!(bad("Stag", "dev").contains("closest: `Stage`"));
        assert!(bad("Memory", "lots").contains("not a number"));
        let t =
            template::parse("Parameters: {Need: {Type: String}}\nResources: {}\n", "t").unwrap();
        assert!(
            Resolver::new(&t, &[], "s")
                .err()
                .unwrap()
                .to_string()
                .contains("--parameter Need=VALUE")
        );
    }
}
