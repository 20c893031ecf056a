//! `measured = "measured.json"` on `[[function]]`: what CloudWatch measured for this function
//! (the `measured.json` that `lamsim import cloudwatch` writes), so that a run reports its
//! simulated concurrency, invocations and throttles against the measured ones.
//!
//! The file: `{"schema_version": 1, "period_s": 60, "functions": [{"name": "api", "series":
//! {"invocations": [...], "throttles": [...], "concurrency_max": [null | n, ...]}}]}`; period
//! `k` covers `[k · period_s, (k + 1) · period_s)` of the simulated window. The function is
//! found by its `name`.

use crate::config::values::Validator;
use crate::model::Measured;
use crate::time::SimTime;

/// Reads the measurements of function `name` from `file` (relative to the workload), errors
/// at `path`.
pub(crate) fn load(v: &mut Validator, path: &str, file: &str, name: &str) -> Option<Measured> {
    let (full, text) = v.read_file(path, file)?;
    let bad = |v: &mut Validator, why: String| {
        v.err(
            path,
            format!("\"{file}\" is not a measured.json: {why}"),
            Some("write it with `lamsim import cloudwatch` (docs/import.md)".into()),
        );
        None
    };
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(j) => j,
        Err(e) => return bad(v, e.to_string()),
    };
    let Some(period_s) = json["period_s"].as_f64().filter(|p| *p > 0.0) else {
        return bad(v, "no positive `period_s`".into());
    };
    let Some(list) = json["functions"].as_array() else {
        return bad(v, "no `functions` list".into());
    };
    let Some(f) = list.iter().find(|f| f["name"] == name) else {
        let names: Vec<&str> = list.iter().filter_map(|f| f["name"].as_str()).collect();
        v.err(
            path,
            format!("\"{file}\" has no function \"{name}\""),
            Some(format!(
                "it measures {}; rename the function or pick another file",
                if names.is_empty() {
                    "no function".to_string()
                } else {
                    names.join(", ")
                }
            )),
        );
        return None;
    };
    let series = |key: &str| -> Option<Vec<Option<f64>>> {
        f["series"][key]
            .as_array()
            .map(|a| a.iter().map(serde_json::Value::as_f64).collect())
    };
    let (Some(invocations), Some(throttles)) = (series("invocations"), series("throttles")) else {
        return bad(
            v,
            format!("function \"{name}\" has no `series.invocations` and `series.throttles`"),
        );
    };
    let concurrency_max = series("concurrency_max").unwrap_or_default();
    Some(Measured {
        path: full,
        period: SimTime::from_secs_f64(period_s),
        invocations: invocations.into_iter().map(|x| x.unwrap_or(0.0)).collect(),
        throttles: throttles.into_iter().map(|x| x.unwrap_or(0.0)).collect(),
        concurrency_max,
    })
}
