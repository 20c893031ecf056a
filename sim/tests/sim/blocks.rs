//! A run simulated in blocks of functions (`lamsim_sim::shard::run_in_blocks`, what
//! `lamsim run` does for many functions): the result of one run, whatever the thread count,
//! and a refusal (the caller then runs the functions together) when the account limit may bind.

use std::sync::atomic::{AtomicU64, Ordering};

use lamsim_sim::model::{Scaling, Scenario};
use lamsim_sim::runner::{self, PROGRESS_STEPS, RunOutput};
use lamsim_sim::series::SeriesOptions;
use lamsim_sim::shard::{self, FUNCTIONS_PER_BLOCK, ShardError};
use lamsim_sim::testing::many_functions;

use crate::shards::{long_holders, many_with_free_tier, mixed};

fn json<T: serde::Serialize>(x: &T) -> String {
    serde_json::to_string(x).unwrap()
}

/// `s` run in `blocks` blocks with the series of `options`, on a pool of `threads` threads.
fn in_blocks_on(
    threads: usize,
    s: &Scenario,
    blocks: usize,
    options: &SeriesOptions,
) -> shard::BlocksOutput {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| shard::run_in_blocks(s, blocks, Some(options), &|_| {}).unwrap())
}

fn warnings(out: &RunOutput) -> Vec<String> {
    out.warnings.iter().map(|w| w.to_string()).collect()
}

/// `blocks` blocks give the summary and warnings of one run, and with the series its report
/// data and a sample of the same size, exactly (compared as JSON).
fn assert_blocks_are_exact(s: &Scenario, blocks: usize) {
    let one = runner::run(s, &|_| {});
    let (split, series) = shard::run_in_blocks(s, blocks, None, &|_| {}).unwrap();
    assert!(series.is_none());
    assert_eq!(json(&split.summary), json(&one.summary), "{blocks} blocks");
    assert_eq!(warnings(&split), warnings(&one));
    for (a, b) in split.replicates.iter().zip(&one.replicates) {
        assert_eq!(json(&a.summary), json(&b.summary), "replicate {}", a.seed);
        assert_eq!(a.stats.arrivals, b.stats.arrivals);
        assert_eq!(a.stats.completed, b.stats.completed);
    }

    let options = SeriesOptions::default();
    let (one, data, sample) = runner::run_with_series(s, &|_| {}, &options);
    let (split, series) = shard::run_in_blocks(s, blocks, Some(&options), &|_| {}).unwrap();
    let (sdata, ssample) = series.expect("asked for the series");
    assert_eq!(json(&split.summary), json(&one.summary), "{blocks} blocks");
    assert_eq!(json(&sdata), json(&data), "report data of {blocks} blocks");
    assert_eq!(warnings(&split), warnings(&one));
    assert_eq!(ssample.population, sample.population);
    assert_eq!(ssample.rows.len(), sample.rows.len());
}

#[test]
fn blocks_of_a_mixed_account_give_one_run() {
    let s = mixed();
    for blocks in [2, 5] {
        assert_blocks_are_exact(&s, blocks);
    }
}

#[test]
fn blocks_of_a_many_function_account_give_one_run() {
    assert_blocks_are_exact(&many_with_free_tier(), 7);
}

#[test]
fn the_result_of_a_run_in_blocks_does_not_depend_on_the_thread_count() {
    let mut s = many_functions(30, "20m");
    s.simulation.replicates = 3;
    let options = SeriesOptions::default();
    let on = |threads: usize| {
        let (out, series) = in_blocks_on(threads, &s, 6, &options);
        let (data, sample) = series.unwrap();
        (json(&out.summary), json(&data), sample)
    };
    let (summary1, data1, sample1) = on(1);
    let (summary3, data3, sample3) = on(3);
    assert_eq!(summary1, summary3);
    assert_eq!(data1, data3);
    assert!(!sample1.rows.is_empty());
    assert_eq!(sample1, sample3, "the sample, row by row");
}

#[test]
fn the_sample_of_blocks_is_that_of_the_same_shards_merged() {
    // Block k draws its keys as shard k does; the blocks that start after others have been
    // gathered keep no row above the gathered sample's bound, which must change nothing. A
    // small cap makes that bound bite after the first block.
    let mut s = many_functions(30, "20m");
    s.simulation.replicates = 2;
    let options = SeriesOptions {
        sample_cap: 40,
        ..SeriesOptions::default()
    };
    let shards = (0..6)
        .map(|k| shard::run_shard(&s, k, 6, &options, &|_| {}).unwrap())
        .collect();
    let (_, _, merged) = shard::merge(&s, shards).unwrap();
    for threads in [1, 2] {
        let (_, series) = in_blocks_on(threads, &s, 6, &options);
        let (_, sample) = series.unwrap();
        assert_eq!(sample.rows.len(), 40);
        assert_eq!(sample, merged, "{threads} threads");
    }
}

#[test]
fn a_run_in_blocks_reports_every_progress_step_once() {
    let mut s = many_functions(25, "5m");
    s.simulation.replicates = 2;
    let steps = AtomicU64::new(0);
    shard::run_in_blocks(&s, 7, None, &|n| {
        steps.fetch_add(n, Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!(steps.into_inner(), 2 * PROGRESS_STEPS);
}

#[test]
fn blocks_that_never_fill_the_pool_together_give_one_run() {
    // Two functions holding one environment each: a pool of 2 never fills.
    assert_blocks_are_exact(&long_holders(&["0s", "50s"], 2), 2);
}

#[test]
fn blocks_that_may_fill_the_pool_together_are_refused() {
    // A pool of 1: one run throttles the second function, while each alone fits; the blocks'
    // peaks add up to 2 from the second one's start at 50 s.
    let s = long_holders(&["0s", "50s"], 1);
    assert!(runner::run(&s, &|_| {}).summary.functions[1].throttles > 0.0);
    match shard::run_in_blocks(&s, 2, None, &|_| {}) {
        Err(ShardError::MayBind {
            replicate,
            bound,
            pool,
            from_s,
            ..
        }) => assert_eq!((replicate, bound, pool, from_s), (0, 2, 1, 50.0)),
        other => panic!("expected MayBind, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_block_whose_own_functions_hit_the_limit_is_refused() {
    // 2 blocks of 3 functions: 0 and 2 go together, and the second of them is throttled.
    let s = long_holders(&["0s", "10s", "20s"], 1);
    match shard::run_in_blocks(&s, 2, None, &|_| {}) {
        // The third holder arrives every 100 s from 20 s while the first is busy: 18 arrivals
        // in 30 min (20, 120, …, 1720 s), each throttled.
        Err(ShardError::Binds { throttles, pool }) => assert_eq!((throttles, pool), (18, 1)),
        other => panic!("expected Binds, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn legacy_scaling_cannot_run_in_blocks() {
    let mut s = many_functions(4, "1m");
    s.account.scaling = Scaling::LegacyBurst;
    assert!(matches!(
        shard::run_in_blocks(&s, 2, None, &|_| {}),
        Err(ShardError::LegacyScaling)
    ));
}

#[test]
fn the_default_block_count_gives_blocks_of_at_most_forty_functions() {
    for (functions, blocks) in [(1, 1), (40, 1), (41, 2), (80, 2), (81, 3), (10_000, 250)] {
        let s = many_functions(functions, "1m");
        assert_eq!(shard::default_blocks(&s), blocks, "{functions} functions");
        assert!(functions.div_ceil(blocks) <= FUNCTIONS_PER_BLOCK);
    }
}
