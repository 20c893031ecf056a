//! # lamsim-study: studies on top of the simulator
//!
//! A study runs a workload many times and compares the results: a **sweep** runs it at every
//! point of a cross product of settings ([`axis`], [`workload`], [`sweep`]), possibly split
//! into shards merged afterwards, and chooses among the points ([`front`]: Pareto front,
//! recommendation, nearest miss, provisioned-concurrency break-even); **check** compares a
//! run with a baseline and fails only on a significant regression ([`check`]); **Power
//! Tuning** recommends a memory size from `lamsim bench` results ([`tuning`]). SLO objectives
//! are evaluated by [`lamsim_sim::slo`], the one home of that rule (the runner records the
//! verdict in `summary.json`).
//!
//! Everything here is pure: no terminal, no files but the workload being read, no threads
//! (the CLI runs the points in parallel). Command-line syntax stays in the CLI: this crate
//! takes typed values ([`axis::Axis::memory`], a shard as `(index, count)`, …).
//!
//! ```
//! use lamsim_study::axis::{Axis, cross_product};
//! use lamsim_sim::model::Architecture;
//! let axes = [Axis::memory([512, 1024]), Axis::architecture([Architecture::X86_64, Architecture::Arm64])];
//! let points = cross_product(&axes);
//! // The last axis varies fastest.
//! assert_eq!(points.len(), 4);
//! assert_eq!(points[1].label(&axes), "memory_mb=512 architecture=\"arm64\"");
//! ```
#![warn(missing_docs)]

pub mod axis;
pub mod check;
pub mod front;
pub mod sweep;
pub mod tuning;
pub mod workload;
