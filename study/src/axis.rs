//! Axes of a sweep: typed edits of the workload file, their cross product and its shards.
//!
//! Every axis is an edit of the parsed TOML document made *before* validation, so a swept
//! value is checked exactly like the file's own keys: [`Axis::memory`] sets `memory-mb` on
//! every `[[function]]` (or on the studied one, see [`crate::workload::Workload::focus`]),
//! [`Axis::architecture`] sets `architecture`, [`Axis::provisioned`] sets
//! `provisioned-concurrency` (replacing a schedule), and [`Axis::set`] sets any key by its
//! [`TomlPath`] (`function.keep-alive.idle`, `account.concurrency-limit`,
//! `function[1].memory-mb`). The command-line syntax of these values (`--memory 128,512`, …)
//! is the CLI's business; this module takes typed values.

use lamsim_sim::model::Architecture;

/// What an axis changes.
#[derive(Clone, Debug, PartialEq)]
pub enum AxisKind {
    /// `--memory`: `memory-mb` of every function.
    Memory,
    /// `--architecture`: `architecture` of every function.
    Architecture,
    /// `--provisioned`: `provisioned-concurrency` of every function.
    Provisioned,
    /// `--set PATH=…`: the key at this TOML path.
    Set(String),
}

impl AxisKind {
    /// The key of this axis in `sweep.json` points: `memory_mb`, `architecture`,
    /// `provisioned`, or the TOML path of a `--set`.
    pub fn key(&self) -> &str {
        match self {
            AxisKind::Memory => "memory_mb",
            AxisKind::Architecture => "architecture",
            AxisKind::Provisioned => "provisioned",
            AxisKind::Set(p) => p,
        }
    }

    /// The TOML path the axis edits: a key of every function, or with `focus = Some(i)` of
    /// function `i` only (a `--set` path under `function.` is narrowed to `function[i].`;
    /// other paths are kept).
    pub fn toml_path(&self, focus: Option<usize>) -> String {
        let key = match self {
            AxisKind::Memory => "memory-mb",
            AxisKind::Architecture => "architecture",
            AxisKind::Provisioned => "provisioned-concurrency",
            AxisKind::Set(p) => {
                return match (focus, p.strip_prefix("function.")) {
                    (Some(i), Some(rest)) => format!("function[{i}].{rest}"),
                    _ => p.clone(),
                };
            }
        };
        match focus {
            Some(i) => format!("function[{i}].{key}"),
            None => format!("function.{key}"),
        }
    }

    /// The flag that sets it, for messages.
    pub fn flag(&self) -> String {
        match self {
            AxisKind::Memory => "--memory".into(),
            AxisKind::Architecture => "--architecture".into(),
            AxisKind::Provisioned => "--provisioned".into(),
            AxisKind::Set(p) => format!("--set {p}"),
        }
    }
}

/// One swept setting and its values, in the order given. Built from typed values by
/// [`Axis::memory`], [`Axis::architecture`], [`Axis::provisioned`] and [`Axis::set`].
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// What it changes.
    pub kind: AxisKind,
    /// The values, as the file would hold them (the edits written into the document).
    pub values: Vec<toml::Value>,
}

impl Axis {
    /// `memory-mb` of every function, MB (validation checks Lambda's range per point).
    pub fn memory(mbs: impl IntoIterator<Item = u32>) -> Self {
        Axis {
            kind: AxisKind::Memory,
            values: mbs
                .into_iter()
                .map(|m| toml::Value::Integer(m.into()))
                .collect(),
        }
    }

    /// `architecture` of every function.
    pub fn architecture(archs: impl IntoIterator<Item = Architecture>) -> Self {
        Axis {
            kind: AxisKind::Architecture,
            values: archs
                .into_iter()
                .map(|a| toml::Value::String(a.as_str().to_string()))
                .collect(),
        }
    }

    /// `provisioned-concurrency` of every function (a count replaces a schedule).
    pub fn provisioned(counts: impl IntoIterator<Item = u32>) -> Self {
        Axis {
            kind: AxisKind::Provisioned,
            values: counts
                .into_iter()
                .map(|n| toml::Value::Integer(n.into()))
                .collect(),
        }
    }

    /// Any key by its TOML path, with TOML values as the file would hold them.
    pub fn set(path: &TomlPath, values: Vec<toml::Value>) -> Self {
        Axis {
            kind: AxisKind::Set(path.text.clone()),
            values,
        }
    }
}

/// A checked TOML path of plain keys: dotted keys, an optional `[i]` index on arrays of
/// tables (`function` means every function, `function[1]` the second).
#[derive(Clone, Debug, PartialEq)]
pub struct TomlPath {
    text: String,
}

impl TomlPath {
    /// Parses and checks `path`; the error says what is wrong.
    pub fn parse(path: &str) -> Result<Self, String> {
        parse_path(path)?;
        Ok(TomlPath {
            text: path.to_string(),
        })
    }

    /// Parses `path` as `--set` reads it: a path from the top of the workload file, or a key
    /// of `[[function]]` alone (`compute`, `memory-mb`, `keep-alive.idle`), which stands for
    /// that key of every function (`function.compute`, as the contract writes `sweep --set
    /// compute=on-demand,managed-instances`). A first key that is both is taken from the top.
    pub fn parse_set(path: &str) -> Result<Self, String> {
        use lamsim_sim::config::raw::{Function, Workload, keys_of};
        let first = parse_path(path)?.remove(0);
        let top = keys_of::<Workload>().contains(&first.key.as_str());
        let function_key = keys_of::<Function>().contains(&first.key.as_str());
        if !top && function_key && first.index.is_none() {
            return Self::parse(&format!("function.{path}"));
        }
        Self::parse(path)
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Refuses axes that edit the same key: two of them (or one given twice) would write one
/// value over the other, so a point would not be what its row says (`--memory` and
/// `--set function.memory-mb`, `--set function.keep-alive` and `--set
/// function.keep-alive.idle`, `function.memory-mb` and `function[1].memory-mb`). Keys of
/// different functions (`function[0].memory-mb` and `function[1].memory-mb`) do not overlap.
pub fn check_distinct(axes: &[Axis]) -> Result<(), String> {
    for (i, a) in axes.iter().enumerate() {
        for b in &axes[..i] {
            let (pa, pb) = (a.kind.toml_path(None), b.kind.toml_path(None));
            if paths_overlap(&pa, &pb) {
                let (fa, fb) = (a.kind.flag(), b.kind.flag());
                let what = if fa == fb {
                    format!("{fa} is given twice")
                } else {
                    format!("{fb} and {fa} both set {pb}")
                };
                return Err(format!(
                    "{what}: one would write over the other; give each key once, with every value in one list"
                ));
            }
        }
    }
    Ok(())
}

/// Whether one of two TOML paths is the other or inside it, an index-free segment standing
/// for every index.
fn paths_overlap(a: &str, b: &str) -> bool {
    let (Ok(a), Ok(b)) = (parse_path(a), parse_path(b)) else {
        return false;
    };
    a.iter().zip(&b).all(|(x, y)| {
        x.key == y.key && (x.index.is_none() || y.index.is_none() || x.index == y.index)
    })
}

/// One segment of a TOML path: a key, and for arrays of tables an optional index.
#[derive(Clone, Debug, PartialEq)]
struct Segment {
    key: String,
    index: Option<usize>,
}

fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    if path.is_empty() {
        return Err("the key is empty: write e.g. function.keep-alive.idle".into());
    }
    path.split('.')
        .map(|s| {
            let (key, index) = match s.split_once('[') {
                Some((k, rest)) => {
                    let i = rest
                        .strip_suffix(']')
                        .and_then(|i| i.parse::<usize>().ok())
                        .ok_or_else(|| format!("`{s}`: write an index as function[0]"))?;
                    (k, Some(i))
                }
                None => (s, None),
            };
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(format!("`{path}` is not a TOML path of plain keys"));
            }
            Ok(Segment {
                key: key.to_string(),
                index,
            })
        })
        .collect()
}

/// Sets `value` at `path` in `doc`, creating missing tables; a path through an array of
/// tables without an index sets the key in every element.
pub(crate) fn set_path(
    doc: &mut toml::Table,
    path: &str,
    value: &toml::Value,
) -> Result<(), String> {
    let segs = parse_path(path)?;
    set_in(doc, &segs, value, "")
}

fn set_in(
    t: &mut toml::Table,
    segs: &[Segment],
    value: &toml::Value,
    at: &str,
) -> Result<(), String> {
    let (seg, rest) = segs.split_first().expect("non-empty path");
    let here = if at.is_empty() {
        seg.key.clone()
    } else {
        format!("{at}.{}", seg.key)
    };
    if rest.is_empty() && seg.index.is_none() {
        t.insert(seg.key.clone(), value.clone());
        return Ok(());
    }
    let entry = t
        .entry(seg.key.clone())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    match (entry, seg.index) {
        (toml::Value::Array(items), index) => {
            let chosen: Vec<usize> = match index {
                Some(i) if i < items.len() => vec![i],
                Some(i) => {
                    return Err(format!(
                        "{here}[{i}] does not exist (the file has {} entries)",
                        items.len()
                    ));
                }
                None => (0..items.len()).collect(),
            };
            for i in chosen {
                let at_i = format!("{here}[{i}]");
                if rest.is_empty() {
                    items[i] = value.clone();
                    continue;
                }
                match &mut items[i] {
                    toml::Value::Table(sub) => set_in(sub, rest, value, &at_i)?,
                    _ => return Err(format!("{at_i} is not a table")),
                }
            }
            Ok(())
        }
        (toml::Value::Table(sub), None) => set_in(sub, rest, value, &here),
        (toml::Value::Table(_), Some(i)) => {
            Err(format!("{here} is a table, not a list: drop [{i}]"))
        }
        _ => Err(format!("{here} is a value, not a table")),
    }
}

/// The settings of one point: one value per axis, and its index in the full sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSpec {
    /// Index in the cross product (the order of `sweep.json` points).
    pub index: usize,
    /// One value per axis, in axis order.
    pub values: Vec<toml::Value>,
}

impl PointSpec {
    /// `memory_mb=512 architecture=arm64`, for messages.
    pub fn label(&self, axes: &[Axis]) -> String {
        axes.iter()
            .zip(&self.values)
            .map(|(a, v)| format!("{}={}", a.kind.key(), v))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The cross product of `axes`, the last axis varying fastest (one point with no values when
/// there are no axes).
pub fn cross_product(axes: &[Axis]) -> Vec<PointSpec> {
    let total: usize = axes.iter().map(|a| a.values.len()).product();
    (0..total)
        .map(|index| {
            let mut rest = index;
            let mut values = vec![toml::Value::Boolean(false); axes.len()];
            for (k, a) in axes.iter().enumerate().rev() {
                values[k] = a.values[rest % a.values.len()].clone();
                rest /= a.values.len();
            }
            PointSpec { index, values }
        })
        .collect()
}

/// The points that belong to shard `shard` of `count` (0-based): point `k` belongs to shard
/// `k mod count`.
pub fn shard_points(points: &[PointSpec], shard: usize, count: usize) -> Vec<PointSpec> {
    points
        .iter()
        .filter(|p| count > 0 && lamsim_sim::shard::owner(p.index, count) == shard)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_path_creates_tables_and_fans_out_over_functions() {
        let mut doc: toml::Table = "[[function]]\nname = \"a\"\n[[function]]\nname = \"b\"\n"
            .parse()
            .unwrap();
        set_path(&mut doc, "function.keep-alive.idle", &"5m".into()).unwrap();
        set_path(
            &mut doc,
            "account.concurrency-limit",
            &toml::Value::Integer(5),
        )
        .unwrap();
        set_path(
            &mut doc,
            "function[1].memory-mb",
            &toml::Value::Integer(256),
        )
        .unwrap();
        let fs = doc["function"].as_array().unwrap();
        assert_eq!(fs[0]["keep-alive"]["idle"].as_str(), Some("5m"));
        assert_eq!(fs[1]["keep-alive"]["idle"].as_str(), Some("5m"));
        assert!(fs[0].get("memory-mb").is_none());
        assert_eq!(fs[1]["memory-mb"].as_integer(), Some(256));
        assert_eq!(doc["account"]["concurrency-limit"].as_integer(), Some(5));
        assert!(set_path(&mut doc, "function[2].x", &toml::Value::Integer(1)).is_err());
        assert!(set_path(&mut doc, "function.name.x", &toml::Value::Integer(1)).is_err());
    }

    #[test]
    fn a_focus_narrows_function_keys_to_one_function() {
        let set = AxisKind::Set("function.keep-alive.idle".into());
        assert_eq!(set.toml_path(None), "function.keep-alive.idle");
        assert_eq!(set.toml_path(Some(1)), "function[1].keep-alive.idle");
        let account = AxisKind::Set("account.concurrency-limit".into());
        assert_eq!(account.toml_path(Some(1)), "account.concurrency-limit");
        assert_eq!(AxisKind::Memory.toml_path(None), "function.memory-mb");
        assert_eq!(AxisKind::Memory.toml_path(Some(0)), "function[0].memory-mb");
    }
}
