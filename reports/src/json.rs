//! `summary.json`.

use lamsim_sim::summary::Summary;

use crate::Exporter;

/// `summary.json` exactly: the summary pretty-printed by `serde_json` (two-space indent), with
/// a trailing newline. Ratios are fractions and costs unrounded USD, as the contract says.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn render(&self, summary: &Summary) -> String {
        // A `Summary` is plain structs, numbers and strings: serializing it cannot fail
        // (serde_json fails only on non-string map keys or a failing custom `Serialize`).
        let mut s = serde_json::to_string_pretty(summary).expect("a Summary always serializes");
        s.push('\n');
        s
    }
}
