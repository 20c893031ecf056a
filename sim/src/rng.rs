//! Random streams: one root seed, one independent ChaCha8 stream per (function, component).
//!
//! Streams are keyed by the function's *name*, not its position, so adding, removing or
//! reordering functions does not shift the samples of the others.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random components of one function, each with its own stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Component {
    /// Arrival times.
    Arrivals = 1,
    /// Execution durations.
    Duration = 2,
    /// Init (or restore) durations.
    Init = 3,
    /// Keep-alive draws (uniform keep-alive).
    KeepAlive = 4,
    /// Routing choices (random routing).
    Routing = 5,
    /// Function-error draws (drawn only when an error probability is set).
    Errors = 6,
    /// Client retry backoff (full jitter) of a sync trigger.
    Retries = 7,
    /// Per-record error draws of an SQS trigger with `report-batch-item-failures`.
    RecordErrors = 8,
    /// Init times of provisioned environments added by auto scaling.
    Capacity = 9,
}

/// SplitMix64: a fixed, portable mixing function.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// FNV-1a of a string: a stable identifier for a function name.
pub fn fnv1a(s: &str) -> u64 {
    fnv1a_continue(FNV1A_START, s.as_bytes())
}

/// FNV-1a's starting state ([`fnv1a_continue`] from it hashes a first chunk).
pub const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a state `h` carried on over `bytes`: a stream hashed chunk by chunk gives the hash of
/// the whole.
pub fn fnv1a_continue(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// The seed of replicate `index`: the root seed itself for replicate 0, a SplitMix64-derived
/// seed for the others (so one replicate with seed N reproduces `--seed N`).
pub fn replicate_seed(root: u64, index: u32) -> u64 {
    if index == 0 {
        root
    } else {
        splitmix64(root ^ splitmix64(index as u64))
    }
}

/// The stream of `component` of function `name` under `seed`.
pub fn stream(seed: u64, name: &str, component: Component) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(splitmix64(
        fnv1a(name) ^ (component as u64).wrapping_mul(0x9E37_79B9),
    ));
    rng
}

/// The stream of `component` for trigger `index` (named `trigger`) of function `function`:
/// the function's own stream for its first trigger (so a one-trigger function draws exactly
/// what it drew before triggers existed), a stream named `function/trigger` for the others.
pub fn trigger_stream(
    seed: u64,
    function: &str,
    index: usize,
    trigger: &str,
    component: Component,
) -> ChaCha8Rng {
    if index == 0 {
        stream(seed, function, component)
    } else {
        stream(seed, &format!("{function}/{trigger}"), component)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(7, "api", Component::Arrivals).random();
        let b: u64 = stream(7, "api", Component::Arrivals).random();
        let c: u64 = stream(7, "api", Component::Duration).random();
        let d: u64 = stream(7, "web", Component::Arrivals).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn replicate_zero_is_the_root_seed() {
        assert_eq!(replicate_seed(42, 0), 42);
        assert_ne!(replicate_seed(42, 1), replicate_seed(42, 2));
    }
}
