//! Pareto front, recommendation, break-even, sharding and merge on hand-made points.

use std::collections::BTreeMap;

use lamsim_sim::model::Architecture;
use lamsim_study::axis::{Axis, AxisKind, TomlPath, cross_product, shard_points};
use lamsim_study::front::{self, pareto_front, recommend};
use lamsim_study::sweep::{self, Point, ShardFile, ShardPoint, SweepHeader};

fn point(cost: f64, p99: f64, cold: f64, meets: bool) -> Point {
    Point {
        memory_mb: Some(128),
        architecture: Some("x86_64".into()),
        provisioned: Some(0),
        set: BTreeMap::new(),
        p50_ms: p99 / 2.0,
        p50_ms_ci95: None,
        p99_ms: p99,
        p99_ms_ci95: None,
        cold_start_ratio: cold,
        cold_start_ratio_ci95: None,
        throttle_ratio: 0.0,
        throttle_ratio_ci95: None,
        monthly_cost_usd: cost,
        monthly_cost_usd_ci95: Some([cost - 1.0, cost + 1.0]),
        meets_slo: meets,
        slo_violations: vec![],
        modelled: vec![],
    }
}

#[test]
fn pareto_front_of_a_hand_made_set() {
    // (cost, p99):  0 (10, 500)  1 (20, 300)  2 (20, 400) dominated by 1
    //               3 (40, 100)  4 (50, 100) dominated by 3   5 (10, 600) dominated by 0
    //               6 (40, 100) equal to 3: kept
    let pts: Vec<Point> = [
        (10.0, 500.0),
        (20.0, 300.0),
        (20.0, 400.0),
        (40.0, 100.0),
        (50.0, 100.0),
        (10.0, 600.0),
        (40.0, 100.0),
    ]
    .iter()
    .map(|&(c, p)| point(c, p, 0.0, true))
    .collect();
    assert_eq!(pareto_front(&pts), vec![0, 1, 3, 6]);
    assert_eq!(pareto_front(&[]), Vec::<usize>::new());
}

#[test]
fn recommendation_is_the_cheapest_meeting_the_slo_ties_to_lower_p99() {
    let pts = vec![
        point(5.0, 900.0, 0.0, false),
        point(10.0, 500.0, 0.0, true),
        point(10.0, 400.0, 0.0, true),
        point(30.0, 100.0, 0.0, true),
    ];
    assert_eq!(recommend(&pts), Some(2));
    assert_eq!(recommend(&pts[..1]), None);
}

fn provisioned_axes() -> Vec<Axis> {
    vec![Axis::memory([512, 1024]), Axis::provisioned([0, 1, 2, 4])]
}

#[test]
fn break_even_is_the_fewest_cold_starts_costing_no_more_else_the_cheapest_count() {
    let axes = vec![
        Axis::memory([512, 1024, 2048]),
        Axis::provisioned([0, 1, 2, 4]),
    ];
    let specs = cross_product(&axes);
    assert_eq!(specs.len(), 12);
    let pts = vec![
        // 512 MB (points 0..4): none costs 100 with 2 % cold starts; 1 costs 101 (dearer);
        // 2 costs 99 with 0.5 % and 4 costs 98 with 0 %: of the two costing no more than
        // none, 4 has the fewest cold starts, and saves 100 − 98 = $2/month.
        point(100.0, 300.0, 0.02, true),
        point(101.0, 290.0, 0.01, true),
        point(99.0, 280.0, 0.005, true),
        point(98.0, 270.0, 0.0, true),
        // 1024 MB (points 4..8): every count costs more; 1 is the cheapest of them, at
        // 210 − 200 = $10/month more (never the baseline itself).
        point(200.0, 200.0, 0.02, true),
        point(210.0, 200.0, 0.01, true),
        point(220.0, 200.0, 0.0, true),
        point(240.0, 200.0, 0.0, true),
        // 2048 MB (points 8..12), the shape of `--provisioned auto` on sweep-memory.toml:
        // cold starts are already 0 %, and provisioned environments are cheaper per GB-s, so
        // 1 (212.00) and 2 (207.84) both cost less than none (217.38) with as few cold
        // starts: 2 is the cheaper, a saving of 217.38 − 207.84 = $9.54/month, not a loss.
        point(217.38, 200.0, 0.0, true),
        point(212.0, 200.0, 0.0, true),
        point(207.84, 200.0, 0.0, true),
        point(230.0, 200.0, 0.0, true),
    ];
    let be = front::break_even(&axes, &specs, &pts);
    let got: Vec<(usize, usize, u32, &str)> = be
        .iter()
        .map(|b| (b.baseline, b.index, b.provisioned, b.rule.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 3, 4, "cost-neutral"),
            (4, 5, 1, "min-cost"),
            (8, 10, 2, "cost-neutral"),
        ]
    );
    assert_eq!(be[0].monthly_saving_usd(), 2.0);
    assert_eq!(be[1].monthly_saving_usd(), -10.0);
    assert!((be[2].monthly_saving_usd() - 9.54).abs() < 1e-9);
    assert_eq!(
        (be[2].monthly_cost_usd, be[2].baseline_monthly_cost_usd),
        (207.84, 217.38)
    );
}

#[test]
fn break_even_needs_a_count_besides_zero() {
    let axes = vec![Axis::provisioned([0])];
    let specs = cross_product(&axes);
    let pts = vec![point(100.0, 300.0, 0.02, true)];
    assert!(front::break_even(&axes, &specs, &pts).is_empty());
}

#[test]
fn auto_provisioned_counts() {
    assert_eq!(front::auto_provisioned_counts(0, None), vec![0, 1]);
    assert_eq!(front::auto_provisioned_counts(4, None), vec![0, 1, 2, 3, 4]);
    assert_eq!(
        front::auto_provisioned_counts(100, None),
        vec![0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    );
    assert_eq!(
        front::auto_provisioned_counts(100, Some(3)),
        vec![0, 1, 2, 3]
    );
    assert_eq!(front::auto_provisioned_counts(13, None).len(), 11);
}

#[test]
fn cross_product_orders_the_last_axis_fastest_and_shards_partition_it() {
    let axes = vec![
        Axis::memory([128, 256, 512]),
        Axis::architecture([Architecture::X86_64, Architecture::Arm64]),
    ];
    let specs = cross_product(&axes);
    let labels: Vec<String> = specs.iter().map(|s| s.label(&axes)).collect();
    assert_eq!(labels[0], "memory_mb=128 architecture=\"x86_64\"");
    assert_eq!(labels[1], "memory_mb=128 architecture=\"arm64\"");
    assert_eq!(labels[5], "memory_mb=512 architecture=\"arm64\"");
    for n in 1..=7 {
        let mut seen: Vec<usize> = (0..n)
            .flat_map(|i| shard_points(&specs, i, n))
            .map(|s| s.index)
            .collect();
        seen.sort();
        assert_eq!(seen, (0..6).collect::<Vec<_>>(), "{n} shards");
    }
    assert_eq!(
        shard_points(&specs, 1, 4)
            .iter()
            .map(|s| s.index)
            .collect::<Vec<_>>(),
        vec![1, 5]
    );
}

fn header(axes: &[Axis]) -> SweepHeader {
    let mut s = lamsim_sim::testing::simple_scenario(1.0, 10.0, "1m", "1m");
    s.simulation.replicates = 2;
    SweepHeader::new(&s, axes)
}

fn shards_of(axes: &[Axis], pts: &[Point], n: usize) -> Vec<ShardFile> {
    let specs = cross_product(axes);
    (0..n)
        .map(|i| ShardFile {
            schema_version: sweep::SCHEMA_VERSION,
            shard: i,
            shards: n,
            total_points: specs.len(),
            workload_fingerprint: "f".into(),
            header: header(axes),
            points: shard_points(&specs, i, n)
                .iter()
                .map(|s| ShardPoint {
                    index: s.index,
                    point: pts[s.index].clone(),
                })
                .collect(),
        })
        .collect()
}

#[test]
fn merged_shards_serialize_byte_identically_to_the_unsharded_report() {
    let axes = provisioned_axes();
    let mut pts: Vec<Point> = (0..8)
        .map(|i| {
            point(
                100.0 + (i % 4) as f64 * 0.1 / 3.0,
                300.0 - i as f64,
                0.02 / (i + 1) as f64,
                i % 3 != 0,
            )
        })
        .collect();
    pts[3]
        .set
        .insert("function.keep-alive.idle".into(), "5m".into());
    let whole = sweep::finish(header(&axes), &axes, pts.clone());
    let whole_json = serde_json::to_string_pretty(&whole).unwrap();
    for n in [1, 3, 8] {
        // Through JSON text, as `lamsim merge` reads shard files.
        let shards: Vec<ShardFile> = shards_of(&axes, &pts, n)
            .iter()
            .rev()
            .map(|s| serde_json::from_str(&serde_json::to_string(s).unwrap()).unwrap())
            .collect();
        let merged = sweep::merge_shards(shards).unwrap();
        assert_eq!(
            serde_json::to_string_pretty(&merged).unwrap(),
            whole_json,
            "{n} shards"
        );
    }
}

#[test]
fn merge_refuses_missing_duplicate_and_foreign_shards() {
    let axes = provisioned_axes();
    let pts: Vec<Point> = (0..8).map(|i| point(i as f64, 1.0, 0.0, true)).collect();
    let mut shards = shards_of(&axes, &pts, 3);
    let msg = |r: Result<_, sweep::SweepError>| r.err().unwrap().to_string();
    assert!(msg(sweep::merge_shards(shards[..2].to_vec())).contains("missing shard(s) 2 of 3"));
    let mut dup = shards.clone();
    dup.push(shards[0].clone());
    assert!(msg(sweep::merge_shards(dup)).contains("shard 0 is given twice"));
    shards[1].workload_fingerprint = "other".into();
    assert!(msg(sweep::merge_shards(shards)).contains("another sweep"));
}

fn set(path: &str, values: Vec<toml::Value>) -> Axis {
    Axis::set(&TomlPath::parse(path).unwrap(), values)
}

#[test]
fn axes_round_trip_through_the_header() {
    let axes = vec![
        Axis::memory([128, 1769]),
        set("function.keep-alive.idle", vec!["5m".into(), "10m".into()]),
        set("account.concurrency-limit", vec![500.into(), 1000.into()]),
        set("function.cpu", vec![0.5.into(), 1.5.into()]),
    ];
    assert_eq!(
        axes[1].kind,
        AxisKind::Set("function.keep-alive.idle".into())
    );
    assert_eq!(sweep::axes_of(&header(&axes)), axes);
}

#[test]
fn compute_comparisons_pair_points_that_differ_only_in_compute_and_name_the_cheaper() {
    let with = |cost: f64, p99: f64, memory: u32, compute: &str| {
        let mut p = point(cost, p99, 0.0, true);
        p.memory_mb = Some(memory);
        p.set.insert(
            "function.compute".into(),
            serde_json::Value::String(compute.into()),
        );
        p
    };
    let pts = vec![
        with(1736.0, 150.0, 4096, "on-demand"),
        with(516.0, 152.0, 4096, "managed-instances"),
        with(900.0, 160.0, 2048, "on-demand"),
        with(1200.0, 150.0, 2048, "managed-instances"),
    ];
    let pairs = front::compute_comparisons(&pts);
    // Only same-memory pairs: (0, 1) and (2, 3).
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    assert_eq!((pairs[0].on_demand, pairs[0].managed), (0, 1));
    assert_eq!((pairs[1].on_demand, pairs[1].managed), (2, 3));
    let (win, saving, fraction) = pairs[0].winner(&pts);
    assert_eq!(win, 1);
    assert!((saving - 1220.0).abs() < 1e-9);
    assert!((fraction - 1220.0 / 1736.0).abs() < 1e-12);
    let (win, saving, _) = pairs[1].winner(&pts);
    assert_eq!(win, 2);
    assert!((saving - 300.0).abs() < 1e-9);
    // Without a compute axis there is nothing to compare.
    assert!(front::compute_comparisons(&[point(1.0, 1.0, 0.0, true)]).is_empty());
}
