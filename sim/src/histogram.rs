//! A compact latency histogram with the buckets of an HDR histogram of 3 significant digits
//! from 1 to [`HISTOGRAM_MAX_US`], holding only the pages of buckets it has seen.
//!
//! A full HDR histogram of that range is 24,576 counters (192 KiB) whether it holds one sample
//! or a billion; an account of 10,000 functions with a warm and a cold histogram each would
//! need 3.8 GB for them alone. [`CompactHistogram`] keeps the same buckets in pages of
//! [`PAGE`] 16-bit counters, allocated when a sample first falls in them (a histogram that
//! never records holds none), a count past 65,535 carrying into a side table (one entry per
//! such bucket); so its size follows the spread of the samples, not their number: a lognormal
//! latency with p99 ten times the median fills a few hundred pages (a few KiB). Once at least
//! half the pages of its span are allocated, the pages are laid out in order (the gaps given
//! zero counters) so that a sample reaches its counter without reading the page table: one
//! cache miss instead of two for the histogram of one of thousands of functions.
//!
//! Its quantiles, count and CDF are those of the HDR histogram it stands for, exactly:
//! [`CompactHistogram::to_histogram`] rebuilds that histogram when a caller needs one.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use crate::metrics::HISTOGRAM_MAX_US;

/// Buckets per page.
pub const PAGE: usize = 16;
/// Buckets in each power of two above the first (`2 × 10³` rounded up to 2,048 sub-buckets,
/// the upper half of which is used past the first power).
const HALF: u32 = 1024;
const HALF_MAG: u32 = 10;
/// Buckets of the full histogram of `1..=HISTOGRAM_MAX_US`: 23 powers of two, plus the lower
/// half of the first.
pub const BUCKETS: u32 = 24 * HALF;
const NO_PAGE: u32 = u32::MAX;
/// Bytes a carried count takes, about (a B-tree entry and its share of a node).
pub const CARRY_BYTES: usize = 32;

/// The bucket of `value` (at least 1) in the HDR histogram of 3 significant digits.
#[inline(always)]
fn index_of(value: u64) -> u32 {
    // The power of two above the first 2,048 values, and the value's top 11 bits in it.
    let power = 53 - (value | 2047).leading_zeros();
    let sub = (value >> power) as u32;
    ((power + 1) << HALF_MAG) + sub - HALF
}

/// The lowest value of bucket `i`.
#[inline]
fn value_of(i: u32) -> u64 {
    let power = (i >> HALF_MAG) as i64 - 1;
    let sub = (i & (HALF - 1)) + HALF;
    if power < 0 {
        (sub - HALF) as u64
    } else {
        (sub as u64) << power
    }
}

/// The highest value of bucket `i`.
#[inline]
fn highest_of(i: u32) -> u64 {
    let power = ((i >> HALF_MAG) as i64 - 1).max(0);
    value_of(i) + (1u64 << power) - 1
}

/// Latency counts, µs, in the buckets of an HDR histogram of 3 significant digits from 1 to
/// [`HISTOGRAM_MAX_US`] (see the module documentation).
#[derive(Clone, Debug, Default)]
pub struct CompactHistogram {
    /// For page `first_page + k`, the offset of its counters in `counts` ([`NO_PAGE`]: none).
    table: Vec<u32>,
    first_page: u32,
    counts: Vec<u16>,
    /// Buckets whose count passed `u16::MAX`: multiples of 2¹⁶ to add.
    carries: BTreeMap<u32, u64>,
    total: u64,
    /// Every page from `first_page` on is allocated, in order: `table[k] == k × PAGE`. A
    /// sample then finds its counter without reading the table (one memory access, not two:
    /// what a histogram of one of thousands of functions costs is its cache misses). Set once
    /// at least half the pages of the table's span are allocated (the rest are then given
    /// zero counters, at most doubling the counters); cleared when a sample far outside the
    /// span would need more than that.
    dense: bool,
}

impl CompactHistogram {
    /// The most it holds on the heap: every page, its counters grown a quarter past them, and
    /// the page table (plus [`CARRY_BYTES`] per bucket past 65,535 samples, at most one per
    /// 65,536 samples recorded).
    pub const MAX_HEAP_BYTES: usize = BUCKETS as usize * 2 * 5 / 4 + BUCKETS as usize / PAGE * 4;

    /// An empty histogram (it allocates nothing until it records).
    pub fn new() -> Self {
        Self::default()
    }

    /// Samples recorded.
    #[inline]
    pub fn len(&self) -> u64 {
        self.total
    }

    /// True when nothing was recorded.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Records `value` µs as `Histogram::saturating_record` does on the full histogram: a
    /// value past its last bucket counts as [`HISTOGRAM_MAX_US`].
    #[inline(always)]
    pub fn record(&mut self, value: u64) {
        let mut i = index_of(value);
        if i >= BUCKETS {
            i = index_of(HISTOGRAM_MAX_US);
        }
        self.add_at(i, 1);
        self.total += 1;
    }

    /// Adds `n` to bucket `i`.
    #[inline(always)]
    fn add_at(&mut self, i: u32, n: u64) {
        let page = (i / PAGE as u32).wrapping_sub(self.first_page);
        if self.dense {
            let at = (page as usize)
                .wrapping_mul(PAGE)
                .wrapping_add(i as usize % PAGE);
            if let Some(c) = self.counts.get_mut(at) {
                let (sum, carried) = c.overflowing_add(n as u16);
                *c = sum;
                let high = (n >> 16) + carried as u64;
                if high != 0 {
                    self.carry(i, high);
                }
                return;
            }
            // Outside the span: a new page (below).
        }
        match self.table.get(page as usize) {
            Some(&off) if off != NO_PAGE => {
                let c = &mut self.counts[off as usize + (i as usize % PAGE)];
                let (sum, carried) = c.overflowing_add(n as u16);
                *c = sum;
                let high = (n >> 16) + carried as u64;
                if high != 0 {
                    self.carry(i, high);
                }
            }
            _ => self.add_in_new_page(i, n),
        }
    }

    #[cold]
    fn carry(&mut self, i: u32, n: u64) {
        *self.carries.entry(i).or_insert(0) += n;
    }

    #[cold]
    #[inline(never)]
    fn add_in_new_page(&mut self, i: u32, n: u64) {
        let page = i / PAGE as u32;
        if self.dense {
            // Stay dense when the span grows by at most its size; else the pages allocated so
            // far stay as they are and the table goes on sparsely.
            let span = self.table.len() as u32;
            let (lo, hi) = (
                self.first_page.min(page),
                (self.first_page + span - 1).max(page),
            );
            if hi - lo < 2 * span {
                self.extend_dense(lo, hi);
                return self.add_at(i, n);
            }
            self.dense = false;
        }
        if self.table.is_empty() {
            self.first_page = page;
        }
        if page < self.first_page {
            let more = (self.first_page - page) as usize;
            self.table.splice(0..0, std::iter::repeat_n(NO_PAGE, more));
            self.first_page = page;
        }
        let k = (page - self.first_page) as usize;
        if k >= self.table.len() {
            self.table.resize(k + 1, NO_PAGE);
        }
        if self.table[k] == NO_PAGE {
            self.table[k] = self.counts.len() as u32;
            // Grow by a quarter at a time: the histogram stays within 25 % of what it holds.
            if self.counts.capacity() - self.counts.len() < PAGE {
                let more = (self.counts.len() / 4).next_multiple_of(PAGE).max(PAGE);
                self.counts.reserve_exact(more);
            }
            self.counts.resize(self.counts.len() + PAGE, 0);
            if self.counts.len() / PAGE * 2 >= self.table.len() {
                self.densify();
            }
        }
        self.add_at(i, n);
    }

    /// Lays the pages out in order, every page of the span allocated (see `dense`).
    #[cold]
    fn densify(&mut self) {
        let mut counts = Vec::with_capacity(self.table.len() * PAGE * 5 / 4);
        for (k, off) in self.table.iter_mut().enumerate() {
            if *off == NO_PAGE {
                counts.extend_from_slice(&[0; PAGE]);
            } else {
                counts.extend_from_slice(&self.counts[*off as usize..*off as usize + PAGE]);
            }
            *off = (k * PAGE) as u32;
        }
        self.counts = counts;
        self.dense = true;
    }

    /// A dense histogram's span becomes pages `lo..=hi` (containing the current one).
    #[cold]
    fn extend_dense(&mut self, lo: u32, hi: u32) {
        let before = (self.first_page - lo) as usize;
        if before > 0 {
            self.counts
                .splice(0..0, std::iter::repeat_n(0, before * PAGE));
            self.first_page = lo;
        }
        let pages = (hi - lo + 1) as usize;
        self.counts.resize(pages * PAGE, 0);
        self.table.clear();
        self.table.extend((0..pages).map(|k| (k * PAGE) as u32));
    }

    /// The non-empty buckets in increasing order: `(bucket, count)`.
    fn buckets(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.table.iter().enumerate().flat_map(move |(k, &off)| {
            let page = (self.first_page as usize + k) * PAGE;
            let counts = if off == NO_PAGE {
                &[][..]
            } else {
                &self.counts[off as usize..off as usize + PAGE]
            };
            counts.iter().enumerate().filter_map(move |(j, &c)| {
                let i = (page + j) as u32;
                let carried = if self.carries.is_empty() {
                    0
                } else {
                    self.carries.get(&i).copied().unwrap_or(0)
                };
                (c != 0 || carried != 0).then_some((i, c as u64 + (carried << 16)))
            })
        })
    }

    /// Adds every sample of `other`.
    pub fn add(&mut self, other: &CompactHistogram) {
        if other.is_empty() {
            return;
        }
        for (i, n) in other.buckets() {
            self.add_at(i, n);
        }
        self.total += other.total;
    }

    /// The value at `quantile` (in `[0, 1]`) as the HDR histogram reports it: the highest value
    /// of the bucket where the cumulative count first reaches `quantile × len` (the lowest for
    /// quantile 0); 0 when empty.
    pub fn value_at_quantile(&self, quantile: f64) -> u64 {
        let quantile = quantile.min(1.0);
        let wanted = ((quantile * self.total as f64).ceil() as u64).max(1);
        let mut cumulative = 0;
        for (i, n) in self.buckets() {
            cumulative += n;
            if cumulative >= wanted {
                return if quantile == 0.0 {
                    value_of(i)
                } else {
                    highest_of(i)
                };
            }
        }
        0
    }

    /// The values at several quantiles, each exactly as [`Self::value_at_quantile`] gives it,
    /// in one pass over the buckets: `quantiles` must be in increasing order.
    pub fn values_at_quantiles<const N: usize>(&self, quantiles: [f64; N]) -> [u64; N] {
        debug_assert!(quantiles.is_sorted(), "quantiles in increasing order");
        let quantiles = quantiles.map(|q| q.min(1.0));
        let wanted = quantiles.map(|q| ((q * self.total as f64).ceil() as u64).max(1));
        let mut out = [0; N];
        let mut next = 0;
        let mut cumulative = 0;
        for (i, n) in self.buckets() {
            if next == N {
                break;
            }
            cumulative += n;
            while next < N && cumulative >= wanted[next] {
                out[next] = if quantiles[next] == 0.0 {
                    value_of(i)
                } else {
                    highest_of(i)
                };
                next += 1;
            }
        }
        out
    }

    /// The HDR histogram this one stands for, with the same buckets and counts (so the same
    /// count, quantiles and recorded values), sized to its highest bucket and resizing itself
    /// when more is added. Each sample is recorded at the lowest value of its bucket, so its
    /// `min()` and `max()` are those of the buckets, not of the samples.
    pub fn to_histogram(&self) -> Histogram<u64> {
        let top = self.buckets().last().map_or(2, |(i, _)| value_of(i).max(2));
        let mut h = Histogram::new_with_bounds(1, top, 3).expect("valid bounds");
        h.auto(true);
        for (i, n) in self.buckets() {
            h.record_n(value_of(i), n).expect("auto-resizing");
        }
        h
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.table.capacity() * 4 + self.counts.capacity() * 2 + self.carries.len() * CARRY_BYTES
    }
}

/// Serialized as its non-empty buckets, `[[bucket, count], …]` in increasing order (the
/// shard files of [`crate::shard`]); reading it back gives the same buckets and counts.
impl serde::Serialize for CompactHistogram {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.buckets())
    }
}

impl<'de> serde::Deserialize<'de> for CompactHistogram {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = <Vec<(u32, u64)>>::deserialize(d)?;
        let mut h = CompactHistogram::new();
        for (i, n) in pairs {
            if i >= BUCKETS || n == 0 {
                return Err(serde::de::Error::custom(format!(
                    "histogram bucket {i} (count {n}) is not a bucket of 0..{BUCKETS} with a positive count"
                )));
            }
            h.add_at(i, n);
            h.total += n;
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The histogram the recorder kept before: every bucket of `1..=HISTOGRAM_MAX_US`.
    fn full() -> Histogram<u64> {
        Histogram::new_with_bounds(1, HISTOGRAM_MAX_US, 3).expect("valid bounds")
    }

    fn recorded(h: &Histogram<u64>) -> Vec<(u64, u64)> {
        h.iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect()
    }

    const QUANTILES: [f64; 9] = [0.0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0, 1.5];

    #[test]
    fn the_full_histogram_has_the_same_number_of_buckets() {
        assert_eq!(full().distinct_values(), BUCKETS as usize);
    }

    #[test]
    fn an_empty_histogram_holds_no_memory_and_reports_like_an_empty_full_one() {
        let h = CompactHistogram::new();
        assert_eq!(h.heap_bytes(), 0);
        assert!(h.is_empty());
        for q in QUANTILES {
            assert_eq!(h.value_at_quantile(q), full().value_at_quantile(q));
        }
        assert!(recorded(&h.to_histogram()).is_empty());
    }

    /// `values` recorded in a compact and in a full histogram report the same.
    fn same_as_full(values: &[u64]) -> CompactHistogram {
        let mut c = CompactHistogram::new();
        let mut f = full();
        for &v in values {
            c.record(v);
            f.saturating_record(v);
        }
        assert_eq!(recorded(&c.to_histogram()), recorded(&f));
        for q in QUANTILES {
            assert_eq!(
                c.value_at_quantile(q),
                f.value_at_quantile(q),
                "quantile {q}"
            );
        }
        c
    }

    #[test]
    fn a_histogram_whose_pages_fill_its_span_turns_dense_and_reports_the_same() {
        // Every value from 2,000 to 40,000 µs, in an order that allocates pages out of order.
        let values: Vec<u64> = (0..38_000u64)
            .map(|k| 2_000 + (k * 7_919) % 38_000)
            .collect();
        let c = same_as_full(&values);
        assert!(c.dense);
        assert_eq!(c.counts.len(), c.table.len() * PAGE);
        assert!(
            c.table
                .iter()
                .enumerate()
                .all(|(k, &off)| off as usize == k * PAGE)
        );
        // Values below and above the span keep it dense while it at most doubles.
        let mut more = values.clone();
        more.extend([1_500, 60_000, 1_900, 70_000]);
        let c = same_as_full(&more);
        assert!(c.dense);
        // A far outlier does not: the histogram goes on sparsely, memory bounded.
        more.push(5_000_000_000);
        let c = same_as_full(&more);
        assert!(!c.dense);
        assert!(c.heap_bytes() <= CompactHistogram::MAX_HEAP_BYTES);
    }

    #[test]
    fn a_few_scattered_samples_stay_sparse() {
        let c = same_as_full(&[10, 1_000, 100_000, 10_000_000]);
        assert!(!c.dense);
        assert_eq!(c.counts.len(), 4 * PAGE);
    }

    #[test]
    fn samples_in_one_bucket_hold_one_page() {
        let mut h = CompactHistogram::new();
        for _ in 0..1000 {
            h.record(100_000);
        }
        assert_eq!(h.counts.len(), PAGE);
        assert_eq!(h.table.len(), 1);
    }

    #[test]
    fn counts_past_u16_carry_into_64_bits() {
        let mut h = CompactHistogram::new();
        h.add_at(index_of(5), u32::MAX as u64);
        h.add_at(index_of(5), 3);
        h.total = u32::MAX as u64 + 3;
        // One at a time too.
        let mut ones = CompactHistogram::new();
        for _ in 0..3 * 65_536 + 7 {
            ones.record(1_000_000);
        }
        assert_eq!(
            ones.buckets().collect::<Vec<_>>(),
            vec![(index_of(1_000_000), 3 * 65_536 + 7)]
        );
        let mut full = full();
        full.record_n(1_000_000, 3 * 65_536 + 7).expect("in range");
        for q in QUANTILES {
            assert_eq!(ones.value_at_quantile(q), full.value_at_quantile(q));
        }
        let mut other = CompactHistogram::new();
        other.add(&h);
        other.add(&h);
        let expected = 2 * (u32::MAX as u64 + 3);
        assert_eq!(
            other.buckets().collect::<Vec<_>>(),
            vec![(index_of(5), expected)]
        );
        assert_eq!(other.to_histogram().count_at(5), expected);
        // A counter that wrapped to exactly zero still lists its bucket, between others.
        let mut wrapped = CompactHistogram::new();
        wrapped.record(4);
        for _ in 0..2 * 65_536 {
            wrapped.record(5);
        }
        wrapped.record(6);
        assert_eq!(
            wrapped.buckets().collect::<Vec<_>>(),
            vec![
                (index_of(4), 1),
                (index_of(5), 2 * 65_536),
                (index_of(6), 1)
            ]
        );
        assert_eq!(wrapped.values_at_quantiles([0.5]), [5]);
    }

    #[test]
    fn quantiles_in_one_pass_are_those_asked_one_by_one_carried_counts_included() {
        // 70,000 samples in one bucket (past a 16-bit counter), a few around it, and two
        // quantiles that fall in the same bucket.
        let mut c = CompactHistogram::new();
        let mut f = full();
        for (v, n) in [(7, 3u64), (900, 70_000), (901, 2), (1_500_000, 5)] {
            for _ in 0..n {
                c.record(v);
                f.saturating_record(v);
            }
        }
        let qs = [0.0, 0.00001, 0.5, 0.9, 0.99, 0.9999, 1.0];
        let one_by_one = qs.map(|q| f.value_at_quantile(q));
        assert_eq!(c.values_at_quantiles(qs), one_by_one);
        assert_eq!(one_by_one[2], one_by_one[3], "two quantiles in one bucket");
        assert_eq!(CompactHistogram::new().values_at_quantiles(qs), [0; 7]);
    }

    #[test]
    fn adding_an_empty_histogram_or_to_one_changes_nothing() {
        let mut some = CompactHistogram::new();
        for v in [3, 900, 1_500_000] {
            some.record(v);
        }
        let mut empty = CompactHistogram::new();
        empty.add(&some);
        let mut same = some.clone();
        same.add(&CompactHistogram::new());
        for h in [&empty, &same] {
            assert_eq!(h.len(), 3);
            assert_eq!(
                h.buckets().collect::<Vec<_>>(),
                some.buckets().collect::<Vec<_>>()
            );
        }
        assert_eq!(same.heap_bytes(), some.heap_bytes());
    }

    /// Latencies from 0 to past the histogram's range, spread over every power of two.
    fn values() -> impl Strategy<Value = Vec<u64>> {
        prop::collection::vec((0u32..40, 0u64..u64::MAX), 0..400).prop_map(|v| {
            v.into_iter()
                .map(|(bits, x)| if bits == 0 { 0 } else { x >> (64 - bits) })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn it_reports_what_the_full_histogram_reports(a in values(), b in values()) {
            let (mut full_a, mut full_b) = (full(), full());
            let (mut compact_a, mut compact_b) = (CompactHistogram::new(), CompactHistogram::new());
            for &v in &a {
                full_a.saturating_record(v);
                compact_a.record(v);
            }
            for &v in &b {
                full_b.saturating_record(v);
                compact_b.record(v);
            }
            for (f, c) in [(&full_a, &compact_a), (&full_b, &compact_b)] {
                prop_assert_eq!(f.len(), c.len());
                for q in QUANTILES {
                    prop_assert_eq!(f.value_at_quantile(q), c.value_at_quantile(q));
                }
                // All of them in one pass, as the summaries ask.
                prop_assert_eq!(
                    c.values_at_quantiles(QUANTILES),
                    QUANTILES.map(|q| f.value_at_quantile(q))
                );
                prop_assert_eq!(recorded(f), recorded(&c.to_histogram()));
            }
            // Merging (replicates, warm with cold) gives the merge of the full histograms,
            // whichever side is empty.
            full_a.add(&full_b).expect("same bounds");
            compact_a.add(&compact_b);
            prop_assert_eq!(full_a.len(), compact_a.len());
            for q in QUANTILES {
                prop_assert_eq!(full_a.value_at_quantile(q), compact_a.value_at_quantile(q));
            }
            let mut converted = compact_b.to_histogram();
            converted.add(compact_a.to_histogram()).expect("auto-resizing");
            full_a.add(&full_b).expect("same bounds");
            prop_assert_eq!(recorded(&full_a), recorded(&converted));
        }
    }
}
