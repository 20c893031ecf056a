//! Splitting a run by function and merging the shards (`lamsim_sim::shard`): the same result
//! as one run while the account limit does not bind, and a refusal when it may.

use lamsim_sim::model::{
    ArrivalProcess, ConstantSpacing, Dist, DurationModel, ProvisionedWindow, Scaling, Scenario,
};
use lamsim_sim::runner;
use lamsim_sim::series::SeriesOptions;
use lamsim_sim::shard::{self, RunShard, ShardError};
use lamsim_sim::summary::FunctionSummary;
use lamsim_sim::testing::{
    async_retries, many_functions, simple_function, simple_scenario, sqs_worker,
};
use lamsim_sim::time::{SimTime, parse_duration};

/// Runs every shard of `scenario`, each passed through its JSON file as `lamsim merge` reads it.
fn shards(scenario: &Scenario, n: usize) -> Result<Vec<RunShard>, ShardError> {
    (0..n)
        .map(|i| {
            let s = shard::run_shard(scenario, i, n, &SeriesOptions::default(), &|_| {})?;
            let json = serde_json::to_string(&s).unwrap();
            Ok(serde_json::from_str(&json).unwrap())
        })
        .collect()
}

/// The merge of `n` shards gives the summary, the report data and the sample size of one
/// run, exactly (compared as their JSON).
fn assert_merge_is_exact(scenario: &Scenario, n: usize) {
    let (one, data, sample) = runner::run_with_series(scenario, &|_| {}, &SeriesOptions::default());
    let (merged, mdata, msample) = shard::merge(scenario, shards(scenario, n).unwrap()).unwrap();
    assert_eq!(
        serde_json::to_string(&merged.summary).unwrap(),
        serde_json::to_string(&one.summary).unwrap(),
        "summary of {n} shards"
    );
    assert_eq!(
        serde_json::to_string(&mdata).unwrap(),
        serde_json::to_string(&data).unwrap(),
        "report data of {n} shards"
    );
    assert_eq!(
        merged
            .warnings
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>(),
        one.warnings
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(msample.population, sample.population);
    assert_eq!(msample.rows.len(), sample.rows.len());
    for (a, b) in merged.replicates.iter().zip(&one.replicates) {
        assert_eq!(a.stats.arrivals, b.stats.arrivals);
        assert_eq!(a.stats.completed, b.stats.completed);
    }
}

/// A few functions of every kind: plain, reserved, provisioned, async with retries, SQS.
pub(crate) fn mixed() -> Scenario {
    let mut s = simple_scenario(20.0, 100.0, "10m", "20m");
    s.account.scaling = Scaling::PerFunction;
    s.account.concurrency_limit = 1000;
    s.pricing.free_tier = true;
    s.simulation.replicates = 3;
    s.simulation.warmup = parse_duration("2m").unwrap();
    let mut reserved = simple_function("reserved", 30.0, 200.0, "5m");
    reserved.reserved_concurrency = Some(4); // throttles: its own limit, not the account's
    let mut provisioned = simple_function("provisioned", 5.0, 300.0, "10m");
    provisioned.provisioned = vec![ProvisionedWindow {
        start: SimTime::ZERO,
        end: SimTime::MAX,
        count: 3,
    }];
    let mut asynchronous = async_retries().functions.remove(0);
    asynchronous.name = "async".into();
    let mut sqs = sqs_worker().functions.remove(0);
    sqs.name = "sqs".into();
    // On managed instances: its busy environments are not its running invocations.
    let mut managed = crate::config_validation::ok(&crate::managed_instances::workload(
        4096,
        "",
        "kind = \"poisson\"\nrate-per-s = 50",
        "dist = \"const\"\nvalue = \"100ms\"",
        "20m",
    ))
    .functions
    .remove(0);
    managed.name = "managed".into();
    s.functions
        .extend([reserved, provisioned, asynchronous, sqs, managed]);
    s
}

#[test]
fn merged_shards_of_a_mixed_account_equal_one_run() {
    let s = mixed();
    // The reserved function is throttled by its reservation in the single run too.
    let one = runner::run(&s, &|_| {});
    assert!(one.summary.functions[1].throttles > 0.0);
    for n in [1, 2, 5] {
        assert_merge_is_exact(&s, n);
    }
}

/// 60 functions of [`many_functions`] for 30 minutes, 2 replicates, with the free tier: an
/// account-wide rule, billed once over all the parts a run is split into.
pub(crate) fn many_with_free_tier() -> Scenario {
    let mut s = many_functions(60, "30m");
    s.simulation.replicates = 2;
    s.pricing.free_tier = true;
    s
}

#[test]
fn merged_shards_of_a_many_function_account_equal_one_run() {
    assert_merge_is_exact(&many_with_free_tier(), 4);
}

/// Functions that each hold exactly one environment busy most of the time: arrivals every
/// 100 s from `offset` on, each running 99.9 s.
pub(crate) fn long_holders(offsets: &[&str], limit: u32) -> Scenario {
    let mut s = simple_scenario(1.0, 1.0, "10m", "30m");
    s.account.scaling = Scaling::PerFunction;
    s.account.concurrency_limit = limit;
    s.functions = offsets
        .iter()
        .enumerate()
        .map(|(i, offset)| {
            let mut f = simple_function(&format!("holder{i}"), 1.0, 1.0, "10m");
            let t = &mut f.triggers[0].arrivals;
            t.process = ArrivalProcess::Constant(ConstantSpacing::Rate(0.01));
            t.start = parse_duration(offset).unwrap();
            f.duration = DurationModel::unscaled(Dist::Const { value_ms: 99_900.0 }, 1024);
            f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, 1024);
            f
        })
        .collect();
    s
}

#[test]
fn shards_that_never_fill_the_pool_together_merge_to_one_run() {
    // Two functions holding one environment each: a pool of 2 never fills.
    let s = long_holders(&["0s", "50s"], 2);
    let one = runner::run(&s, &|_| {});
    assert_eq!(
        one.summary
            .functions
            .iter()
            .map(|f| f.throttles)
            .sum::<f64>(),
        0.0
    );
    assert_merge_is_exact(&s, 2);
}

#[test]
fn a_level_held_across_buckets_counts_in_every_bucket_so_the_merge_refuses() {
    // A pool of 1: the single run throttles the second function (the limit binds), while each
    // function alone fits. The functions start 50 s apart, so in the bucket where the second
    // one starts the first one's environment is busy without any change: only the level
    // carried through the buckets shows that both hold the pool together.
    let s = long_holders(&["0s", "50s"], 1);
    let one = runner::run(&s, &|_| {});
    assert!(one.summary.functions[1].throttles > 0.0);
    let shards = shards(&s, 2).expect("each function alone fits the pool");
    match shard::merge(&s, shards) {
        Err(ShardError::MayBind {
            replicate,
            bound,
            pool,
            from_s,
            ..
        }) => {
            assert_eq!((replicate, bound, pool), (0, 2, 1));
            // The first bucket where both hold an environment: the second starts at 50 s.
            assert_eq!(from_s, 50.0);
        }
        other => panic!("expected MayBind, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_shard_whose_own_functions_hit_the_limit_refuses() {
    // Two functions in one shard (2 shards of 3 functions: 0 and 2 go together).
    let s = long_holders(&["0s", "10s", "20s"], 1);
    match shard::run_shard(&s, 0, 2, &SeriesOptions::default(), &|_| {}) {
        Err(ShardError::Binds { throttles, pool }) => {
            assert_eq!(pool, 1);
            // The second holder arrives every 100 s from 20 s while the first is busy: 18
            // arrivals in 30 min (20, 120, …, 1720 s), each throttled.
            assert_eq!(throttles, 18);
        }
        other => panic!("expected Binds, got {:?}", other.map(|_| ())),
    }
    // The other shard (function 1 alone) fits.
    assert!(shard::run_shard(&s, 1, 2, &SeriesOptions::default(), &|_| {}).is_ok());
}

#[test]
fn reservations_of_other_shards_are_kept_out_of_each_shards_pool() {
    // Limit 3, one function reserving 2: the unreserved pool is 1 for everyone. Function 1
    // (shard 1 of 2) holds one environment; function 0 has the reservation.
    let mut s = long_holders(&["0s", "0s"], 3);
    s.functions[0].reserved_concurrency = Some(2);
    let pool = shard::unreserved_pool(&s);
    assert_eq!(pool, 1);
    let shard1 = shard::shard_scenario(&s, 1, 2).unwrap();
    assert_eq!(shard1.functions.len(), 1);
    assert_eq!(shard::unreserved_pool(&shard1), 1);
    let shard0 = shard::shard_scenario(&s, 0, 2).unwrap();
    assert_eq!(shard::unreserved_pool(&shard0), 1);
    assert_merge_is_exact(&s, 2);
}

#[test]
fn legacy_scaling_and_more_shards_than_functions_are_refused() {
    let mut s = long_holders(&["0s", "0s"], 10);
    assert!(matches!(
        shard::shard_scenario(&s, 0, 3),
        Err(ShardError::TooManyShards {
            shards: 3,
            functions: 2
        })
    ));
    assert!(matches!(
        shard::shard_scenario(&s, 2, 2),
        Err(ShardError::BadIndex { .. })
    ));
    s.account.scaling = Scaling::LegacyBurst;
    let e = shard::shard_scenario(&s, 0, 2).unwrap_err();
    assert!(matches!(e, ShardError::LegacyScaling));
    assert!(e.to_string().contains("legacy-burst"));
}

#[test]
fn the_merge_refuses_missing_duplicate_and_foreign_shards() {
    let s = long_holders(&["0s", "50s", "70s"], 10);
    let all = shards(&s, 3).unwrap();
    let err = |r: Result<_, ShardError>| match r {
        Err(ShardError::Mismatch(m)) => m,
        other => panic!("expected Mismatch, got {:?}", other.map(|_| ())),
    };
    let missing = err(shard::merge(&s, vec![all[0].clone(), all[2].clone()]));
    assert!(missing.contains("missing shard 1/3"), "{missing}");
    let twice = err(shard::merge(
        &s,
        vec![all[0].clone(), all[1].clone(), all[1].clone()],
    ));
    assert!(twice.contains("shard 1/3 is given twice"), "{twice}");
    let mut other_seed = s.clone();
    other_seed.simulation.seed = 2;
    let foreign = shard::run_shard(&other_seed, 1, 3, &SeriesOptions::default(), &|_| {}).unwrap();
    let mixed = err(shard::merge(
        &s,
        vec![all[0].clone(), foreign, all[2].clone()],
    ));
    assert!(mixed.contains("ran different workloads"), "{mixed}");
    assert!(shard::merge(&s, all).is_ok());
}

#[test]
fn every_function_belongs_to_exactly_one_shard() {
    for n in 1..=7 {
        let mut seen = vec![0; 50];
        for i in 0..n {
            for k in shard::members(50, i, n) {
                assert_eq!(shard::owner(k, n), i);
                seen[k] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "{n} shards: {seen:?}");
    }
}

/// A shard's count of arrivals (the line `run --shard` prints) counts an event-driven
/// function's items as the summary does, not its executions (retries, batches).
#[test]
fn a_shards_arrivals_are_the_summarys() {
    for scenario in [async_retries(), sqs_worker()] {
        let one = runner::run(&scenario, &|_| {});
        let reps = scenario.simulation.replicates.max(1) as f64;
        let total = |get: fn(&FunctionSummary) -> f64| {
            one.summary.functions.iter().map(get).sum::<f64>() * reps
        };
        let want = total(|f| f.arrivals);
        let got: u64 = shards(&scenario, 1)
            .unwrap()
            .iter()
            .map(|s| s.arrivals())
            .sum();
        assert!((got as f64 - want).abs() < 1e-6, "{got} vs {want}");
        assert!(
            (total(|f| f.invocations) - want).abs() > 1.0,
            "the test needs executions and items to differ"
        );
    }
}
