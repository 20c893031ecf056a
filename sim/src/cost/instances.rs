//! The EC2 price book of Lambda Managed Instances, embedded from
//! `sim/data/ec2-ondemand-prices.csv` (on-demand Linux prices per region; sources and caveats
//! in `sim/data/PROVENANCE.md`), and the bill of instance time.

use std::sync::OnceLock;

use crate::model::capacity::ManagedInstances;
use crate::model::{Architecture, InstanceType};

const PRICES_CSV: &str = include_str!("../../data/ec2-ondemand-prices.csv");

/// One row of the price book.
#[derive(Clone, Debug, PartialEq)]
pub struct BookEntry {
    /// AWS region, e.g. `"us-east-1"`.
    pub region: String,
    /// The instance type and its on-demand price there.
    pub instance: InstanceType,
}

/// Every row of the embedded price book, in file order.
pub fn instance_book() -> &'static [BookEntry] {
    static BOOK: OnceLock<Vec<BookEntry>> = OnceLock::new();
    BOOK.get_or_init(|| parse(PRICES_CSV).expect("the embedded EC2 price book is valid"))
}

/// The rows of `region`, in file order.
pub fn instance_types(region: &str) -> impl Iterator<Item = &'static BookEntry> + '_ {
    instance_book().iter().filter(move |e| e.region == region)
}

/// The instance type `name` in `region`, if the book has it.
pub fn instance_type(region: &str, name: &str) -> Option<&'static InstanceType> {
    instance_types(region)
        .find(|e| e.instance.name == name)
        .map(|e| &e.instance)
}

/// The regions the book covers, sorted.
pub fn instance_regions() -> Vec<&'static str> {
    let mut r: Vec<&str> = instance_book().iter().map(|e| e.region.as_str()).collect();
    r.sort_unstable();
    r.dedup();
    r
}

fn parse(text: &str) -> Result<Vec<BookEntry>, String> {
    let mut lines = text.lines();
    let header = lines.next().ok_or("empty price book")?;
    let cols: Vec<&str> = header.split(',').collect();
    let col = |name: &str| {
        cols.iter()
            .position(|c| *c == name)
            .ok_or(format!("no column {name}"))
    };
    let (ir, it, ia, iv, im, ip) = (
        col("region")?,
        col("instance_type")?,
        col("architecture")?,
        col("vcpus")?,
        col("memory_gib")?,
        col("usd_per_hour")?,
    );
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let bad = |what: &str| format!("line {}: bad {what}", n + 2);
        let architecture = match f.get(ia).copied() {
            Some("x86_64") => Architecture::X86_64,
            Some("arm64") => Architecture::Arm64,
            _ => return Err(bad("architecture")),
        };
        out.push(BookEntry {
            region: f.get(ir).ok_or_else(|| bad("region"))?.to_string(),
            instance: InstanceType {
                name: f.get(it).ok_or_else(|| bad("instance_type"))?.to_string(),
                architecture,
                vcpus: f
                    .get(iv)
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| bad("vcpus"))?,
                memory_gib: f
                    .get(im)
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| bad("memory_gib"))?,
                usd_per_hour: f
                    .get(ip)
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| bad("usd_per_hour"))?,
            },
        });
    }
    Ok(out)
}

/// USD of `instance_hours` of `m`'s instance type as billed:
/// [`ManagedInstances::usd_per_instance_hour`] per hour (the EC2 on-demand price less the
/// savings plan, plus the 15 % management fee on the on-demand price).
pub fn instances_usd(m: &ManagedInstances, instance_hours: f64) -> f64 {
    instance_hours * m.usd_per_instance_hour()
}
