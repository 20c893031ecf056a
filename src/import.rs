//! `lamsim import sam` and `lamsim import cloudwatch`: from what a team already has (a
//! SAM/CloudFormation template, a CloudWatch metrics export) to a workload. The work is in
//! `lamsim_import`; this prints its warnings and placeholders and writes the files.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use lamsim_import::{cloudwatch, sam};

use crate::ExitStatus;

/// `lamsim import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(subcommand)]
    source: Source,
}

#[derive(Subcommand, Debug)]
enum Source {
    /// Write a workload from an AWS SAM or CloudFormation template (YAML or JSON).
    Sam(SamArgs),
    /// Write traces and a workload replaying them from CloudWatch AWS/Lambda metrics (the JSON
    /// of `aws cloudwatch get-metric-data` or `get-metric-statistics`; see docs/import.md).
    Cloudwatch(CloudwatchArgs),
}

/// `lamsim import cloudwatch`.
#[derive(Args, Debug)]
struct CloudwatchArgs {
    /// Metric files: Invocations (Sum), Duration (p50, p99, Average), ConcurrentExecutions
    /// (Maximum), Throttles and Errors (Sum) at a 1-minute period.
    #[arg(required = true, value_name = "METRICS.json")]
    files: Vec<PathBuf>,
    /// How the arrivals counted in a minute are placed in it: poisson (a Poisson process at
    /// that minute's rate), uniform (the exact count at random times), even (evenly spaced).
    #[arg(long, default_value = "poisson", value_parser = ["poisson", "uniform", "even"])]
    arrivals: String,
    /// Seed of the poisson and uniform placements.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder for workload.toml, traces/FUNCTION.csv and measured.json.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Do not list the placeholders to fill nor the fits (warnings still go to stderr).
    #[arg(long, short)]
    quiet: bool,
}

/// `lamsim import sam`.
#[derive(Args, Debug)]
struct SamArgs {
    /// The template (`template.yaml`, `template.json`).
    #[arg(value_name = "TEMPLATE")]
    template: PathBuf,
    /// A template parameter's value (overrides its Default); also the pseudo parameters
    /// AWS::Region, AWS::AccountId, AWS::StackName, AWS::Partition, AWS::URLSuffix.
    #[arg(long = "parameter", value_name = "KEY=VALUE")]
    parameters: Vec<String>,
    /// The workload file to write (default: stdout).
    #[arg(long, value_name = "WORKLOAD.toml")]
    out: Option<PathBuf>,
    /// An `import cloudwatch --out` folder: its traces and duration fits replace the traffic
    /// and duration placeholders of the functions it measured.
    #[arg(long, value_name = "DIR")]
    from_cloudwatch: Option<PathBuf>,
    /// Do not list the placeholders to fill (warnings still go to stderr).
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `lamsim import …`: exit 0 when the workload was written, 2 on bad input.
pub fn import(args: ImportArgs) -> Result<ExitStatus> {
    match args.source {
        Source::Sam(a) => import_sam(a),
        Source::Cloudwatch(a) => import_cloudwatch(a),
    }
}

/// The files `import cloudwatch` writes into its folder (besides `traces/`).
const CLOUDWATCH_WORKLOAD: &str = "workload.toml";
const CLOUDWATCH_MEASURED: &str = "measured.json";
/// Every name `import cloudwatch` writes into its folder.
const CLOUDWATCH_FILES: [&str; 3] = [
    CLOUDWATCH_WORKLOAD,
    CLOUDWATCH_MEASURED,
    cloudwatch::TRACES_DIR,
];

fn import_cloudwatch(args: CloudwatchArgs) -> Result<ExitStatus> {
    let how = cloudwatch::Arrivals::parse(&args.arrivals).with_context(|| {
        format!(
            "--arrivals {}: expected poisson, uniform or even",
            args.arrivals
        )
    })?;
    let mut files = Vec::new();
    for f in &args.files {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the metrics file {}", f.display()))?;
        files.push((f.display().to_string(), text));
    }
    let out = cloudwatch::import(&files, how, args.seed)?;
    for w in &out.warnings {
        eprintln!("warning: {w}");
    }
    // A folder of other files, or holding a metrics file read, is refused; the files are
    // written all or nothing, the workload last.
    crate::out_dir::check(&args.out, &args.files, Some(&CLOUDWATCH_FILES))?;
    let mut files: Vec<(&str, &[u8])> = out
        .traces
        .iter()
        .map(|(p, csv)| (p.as_str(), csv.as_bytes()))
        .collect();
    files.push((CLOUDWATCH_MEASURED, out.measured_json.as_bytes()));
    files.push((CLOUDWATCH_WORKLOAD, out.workload.as_bytes()));
    lamsim_reports::write_dir_files(&args.out, &files)
        .with_context(|| format!("cannot write the output folder {}", args.out.display()))?;
    if !args.quiet {
        for (m, fit) in &out.functions {
            if let Some(fit) = fit {
                eprintln!("{}: duration {}", m.name, fit.quality);
            }
        }
        if !out.todos.is_empty() {
            eprintln!(
                "{} placeholders marked TODO in the workload:",
                out.todos.len()
            );
            for t in &out.todos {
                eprintln!("  {t}");
            }
        }
        let w = args.out.join(CLOUDWATCH_WORKLOAD);
        eprintln!(
            "wrote {} with {} trace{} and {}; run it with `lamsim run {}`",
            w.display(),
            out.traces.len(),
            if out.traces.len() == 1 { "" } else { "s" },
            args.out.join(CLOUDWATCH_MEASURED).display(),
            w.display()
        );
    }
    Ok(ExitStatus::Ok)
}

fn import_sam(args: SamArgs) -> Result<ExitStatus> {
    let mut parameters = Vec::new();
    for p in &args.parameters {
        let Some((k, v)) = p.split_once('=') else {
            bail!("--parameter {p}: write KEY=VALUE, e.g. --parameter Stage=prod");
        };
        let k = k.trim().to_string();
        if let Some((_, first)) = parameters.iter().find(|(name, _)| *name == k) {
            bail!("--parameter {k} is given twice ({k}={first} and {p}): give each parameter once");
        }
        parameters.push((k, v.to_string()));
    }
    let label = args.template.display().to_string();
    let text = std::fs::read_to_string(&args.template)
        .with_context(|| format!("cannot read the template {label}"))?;
    if let Some(out) = &args.out {
        if out.is_dir() {
            bail!(
                "--out {}: is a folder; give the workload file's name, e.g. --out workload.toml",
                out.display()
            );
        }
        if same_file(out, &args.template) {
            bail!("--out {}: is the template itself", out.display());
        }
    }
    let out_dir = args
        .out
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let template_dir = args
        .template
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let measured = match &args.from_cloudwatch {
        None => Default::default(),
        Some(dir) => {
            let read = |name: &str| {
                let p = dir.join(name);
                std::fs::read_to_string(&p).with_context(|| {
                    format!(
                        "--from-cloudwatch {}: cannot read {} (write the folder with `lamsim import cloudwatch --out {}`)",
                        dir.display(),
                        p.display(),
                        dir.display()
                    )
                })
            };
            cloudwatch::measured_for_sam(
                &read(CLOUDWATCH_WORKLOAD)?,
                &read(CLOUDWATCH_MEASURED)?,
                &relative(out_dir, dir)?,
                &dir.join(CLOUDWATCH_WORKLOAD).display().to_string(),
            )?
        }
    };
    let opts = sam::Options {
        file: label,
        parameters,
        code_base: relative(out_dir, template_dir)?,
        measured,
    };
    let result = sam::import(&text, &opts)?;
    for w in &result.warnings {
        eprintln!("warning: {w}");
    }
    if !args.quiet && !result.todos.is_empty() {
        eprintln!(
            "{} placeholders marked TODO in the workload (a template cannot know them):",
            result.todos.len()
        );
        for t in &result.todos {
            eprintln!("  {t}");
        }
    }
    match &args.out {
        Some(out) => {
            write_atomically(out, &result.toml)?;
            if !args.quiet {
                eprintln!(
                    "wrote {} ({} function{}); check it with `lamsim validate {}`",
                    out.display(),
                    result.functions,
                    if result.functions == 1 { "" } else { "s" },
                    out.display()
                );
            }
        }
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(result.toml.as_bytes())
                .context("cannot write to stdout")?;
        }
    }
    Ok(ExitStatus::Ok)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes a file whole or not at all (a temporary file renamed over it).
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("--out {}: not a file name", path.display()))?;
    let tmp = dir.join(format!(".{}.tmp", name.to_string_lossy()));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// `to` as seen from the folder `from` (`""` when they are the same), with `/` separators.
fn relative(from: &Path, to: &Path) -> Result<String> {
    let abs = |p: &Path| -> Result<PathBuf> {
        let a =
            std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()))?;
        // Lexical normalisation: drop `.` and fold `..`.
        let mut out = PathBuf::new();
        for c in a.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        Ok(out)
    };
    let (from, to) = (abs(from)?, abs(to)?);
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_folders() {
        assert_eq!(relative(Path::new("a"), Path::new("a")).unwrap(), "");
        assert_eq!(
            relative(Path::new("."), Path::new("infra")).unwrap(),
            "infra"
        );
        assert_eq!(
            relative(Path::new("out/w"), Path::new("infra")).unwrap(),
            "../../infra"
        );
        assert_eq!(
            relative(Path::new("infra/./x/.."), Path::new("infra")).unwrap(),
            ""
        );
    }
}
