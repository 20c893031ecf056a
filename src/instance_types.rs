//! `lamsim instance-types`: the EC2 price book that `[function.managed-instances]
//! instance-type` reads (spec section 7).

use anyhow::{Context, Result, bail};
use clap::Args;
use lamsim_reports::Format;
use lamsim_sim::cost::{instance_regions, instance_types};
use lamsim_sim::model::capacity::MANAGEMENT_FEE;

use crate::ExitStatus;

/// Arguments of `lamsim instance-types`.
#[derive(Args, Debug)]
pub struct InstanceTypesArgs {
    /// AWS region whose prices to list.
    #[arg(long, default_value = lamsim_sim::model::defaults::REGION)]
    pub region: String,
    /// Output format on stdout.
    #[arg(long, default_value_t = Format::Table)]
    pub format: Format,
    /// Accepted for symmetry with the other commands (the list is the output).
    #[arg(long, short)]
    pub quiet: bool,
}

const SOURCE: &str = "EC2 on-demand Linux prices, before the 15 % management fee; sources in sim/data/PROVENANCE.md. A type not listed: set usd-per-hour, vcpus and memory-gib.";

/// Prints the price book of `--region`.
pub fn instance_types_cmd(args: InstanceTypesArgs) -> Result<ExitStatus> {
    let rows: Vec<_> = instance_types(&args.region).collect();
    if rows.is_empty() {
        bail!(
            "the price book has no prices for region \"{}\" (it covers {}); set usd-per-hour, vcpus and memory-gib on [function.managed-instances] for another region",
            args.region,
            instance_regions().join(", ")
        );
    }
    let text = match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "instance_type": e.instance.name,
                        "architecture": e.instance.architecture.as_str(),
                        "vcpus": e.instance.vcpus,
                        "memory_gib": e.instance.memory_gib,
                        "usd_per_hour": e.instance.usd_per_hour,
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&v).context("cannot encode the list")?;
            s.push('\n');
            s
        }
        format => {
            let mut t = lamsim_reports::Table::new(&[
                ("instance type", false),
                ("architecture", false),
                ("vCPUs", true),
                ("memory (GiB)", true),
                ("USD per hour", true),
                ("with 15 % fee", true),
            ]);
            for e in &rows {
                let i = &e.instance;
                t.row(vec![
                    i.name.clone(),
                    i.architecture.as_str().to_string(),
                    i.vcpus.to_string(),
                    format!("{}", i.memory_gib),
                    format!("{:.4}", i.usd_per_hour),
                    format!("{:.4}", i.usd_per_hour * (1.0 + MANAGEMENT_FEE)),
                ]);
            }
            match format {
                Format::Csv => t.to_csv(),
                Format::Markdown => format!("{}\n{SOURCE}\n", t.to_markdown()),
                _ => format!("{}\n{SOURCE}\n", t.to_text()),
            }
        }
    };
    crate::output::print(&text)?;
    Ok(ExitStatus::Ok)
}
