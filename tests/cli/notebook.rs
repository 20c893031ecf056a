//! `notebooks/capacity-review.ipynb` runs, every cell without error, against the folder of a
//! fresh `lamsim run --out` of an example workload, so the notebook cannot rot.
//!
//! Needs a Python with nbclient, ipykernel, polars and matplotlib, named by
//! `LAMSIM_TEST_NOTEBOOK_PYTHON` (`bash .ci/notebook-setup.sh` makes one); without it the test
//! says it is skipped (`skip`), and fails under `CI=true`.

use std::process::{Command, Stdio};

use crate::{assert_code, example, path_str, repo_root, run, temp_dir};

/// Executes the notebook given as argv[1] with its working folder argv[2]; any cell error
/// raises, so the exit code is non-zero.
const EXECUTE: &str = r#"
import sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
print(f"executed {len(nb.cells)} cells")
"#;

#[test]
fn the_capacity_review_notebook_runs_on_a_fresh_example_run() {
    let Some(python) = crate::skip::tool(
        "LAMSIM_TEST_NOTEBOOK_PYTHON",
        "the_capacity_review_notebook_runs_on_a_fresh_example_run",
        "a Python with nbclient, polars and matplotlib; `bash .ci/notebook-setup.sh` makes one",
    ) else {
        return;
    };
    let dir = temp_dir();
    let out = dir.path().join("out");
    let o = run([
        "run",
        "-q",
        "--replicates",
        "2",
        "--out",
        &path_str(&out),
        &path_str(&example("quickstart.toml")),
    ]);
    assert_code(&o, 0);
    let notebooks = repo_root().join("notebooks");
    let result = Command::new(&python)
        .arg("-c")
        .arg(EXECUTE)
        .arg(notebooks.join("capacity-review.ipynb"))
        .arg(&notebooks)
        .env("LAMSIM_OUT_DIR", &out)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python));
    assert!(
        result.status.success(),
        "the notebook failed\n--- stdout:\n{}\n--- stderr:\n{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}
