//! Sources driven from outside the engine. `lamsim load` plays Lambda's side of the triggers
//! (the async event queue, SQS pollers, stream shards, sync clients that retry) in real time
//! against the real handlers. It runs the very sources the engine runs, built by
//! [`Source::for_trigger`] and woken by the engine's rule ([`sooner_wake`]), so the measured
//! window and the simulated one follow the same batching, backoff, retry and expiry rules: only
//! the handler differs.

use super::{AfterThrottle, Request, RequestSource, Source, SourceId, sooner_wake};
use crate::model::Function;
use crate::observer::{Invocation, Note, ThrottleReason};
use crate::time::SimTime;

/// The sources of some functions' triggers, each with its one pending wake-up, driven by a
/// caller that keeps the clock (which must never go back).
pub struct DrivenSources {
    sources: Vec<Source>,
    /// `(function, trigger)` of each source.
    of: Vec<(u32, usize)>,
    /// Each source's pending wake-up, ns (`u64::MAX`: none).
    scheduled: Vec<u64>,
    /// The latest time each source was told, ns: a late wake-up is made at its own time unless
    /// the source already saw a later one (its clock never goes back).
    seen: Vec<u64>,
    /// Notes made since the last [`DrivenSources::take_notes`], with their source.
    notes: Vec<(SourceId, Note)>,
    scratch: Vec<Note>,
}

/// A request a source submitted, with the time it was due (its wake-up).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// When the source asked to be woken: a late caller shows as `now − due`.
    pub due: SimTime,
    /// The request, to run on function `request.function` (its index in the functions given
    /// to [`DrivenSources::new`]).
    pub request: Request,
    /// The arrivals of its items ([`Source::item_arrivals`]), which name them across retries.
    pub items: Vec<SimTime>,
}

impl DrivenSources {
    /// The sources of every trigger of `functions` (function `i` is `functions[i]`), for a run
    /// of seed `seed` over `[0, window)`: the engine's sources, in the engine's order (function
    /// then trigger), with the engine's random streams, so a run of the same functions with the
    /// same seed sees the same arrivals.
    pub fn new(functions: &[Function], seed: u64, window: SimTime) -> Self {
        let mut d = DrivenSources {
            sources: Vec::new(),
            of: Vec::new(),
            scheduled: Vec::new(),
            seen: Vec::new(),
            notes: Vec::new(),
            scratch: Vec::new(),
        };
        for (i, f) in functions.iter().enumerate() {
            for j in 0..f.triggers.len() {
                let mut source = Source::for_trigger(f, i as u32, j, seed, window);
                d.scheduled.push(source.advance().map_or(u64::MAX, |t| t.0));
                d.seen.push(0);
                d.sources.push(source);
                d.of.push((i as u32, j));
            }
        }
        d
    }

    /// `(function, trigger)` of source `s`: the position of its function in the functions
    /// given to [`DrivenSources::new`] and of the trigger in that function's triggers.
    pub fn trigger_of(&self, s: SourceId) -> (u32, usize) {
        self.of[s as usize]
    }

    /// The earliest pending wake-up, or `None` when every source is exhausted.
    pub fn next_wake(&self) -> Option<SimTime> {
        self.scheduled
            .iter()
            .copied()
            .min()
            .filter(|&t| t != u64::MAX)
            .map(SimTime)
    }

    /// Wakes every source due at or before `now` (the earliest first, ties by source), as often
    /// as it is due, and returns what they submitted, in that order. A source is woken at the
    /// time it asked for, as the engine wakes it (so an item arriving then is stamped with its
    /// own arrival time, however late the caller is), or at the latest time it was already
    /// told if that is later.
    pub fn wake_due(&mut self, now: SimTime) -> Vec<Submitted> {
        let mut out = Vec::new();
        loop {
            let Some((s, due)) = self
                .scheduled
                .iter()
                .copied()
                .enumerate()
                .filter(|&(_, t)| t <= now.0)
                .min_by_key(|&(i, t)| (t, i))
            else {
                return out;
            };
            let at = due.max(self.seen[s]);
            self.seen[s] = at;
            let source = &mut self.sources[s];
            let request = source.wake(s as SourceId, SimTime(at), &mut self.scratch);
            let items = request
                .as_ref()
                .map(|r| source.item_arrivals(r))
                .unwrap_or_default();
            self.scheduled[s] = source.advance().map_or(u64::MAX, |t| t.0);
            self.flush(s as SourceId);
            if let Some(request) = request {
                out.push(Submitted {
                    due: SimTime(due),
                    request,
                    items,
                });
            }
        }
    }

    /// Admission refused `request` for `reason` at `now`: what its source does with it.
    pub fn throttled(
        &mut self,
        request: &Request,
        reason: ThrottleReason,
        now: SimTime,
    ) -> AfterThrottle {
        let s = request.source;
        let now = self.tell(s, now);
        let after = self.sources[s as usize].throttled(request, reason, now, &mut self.scratch);
        self.react(s, now);
        after
    }

    /// `inv` ended at `now`. `failed`: for an SQS batch, the positions of the records its
    /// handler reported failed ([`super::SqsPoller::finished_reporting`]); `None` otherwise.
    pub fn finished(&mut self, inv: &Invocation, now: SimTime, failed: Option<&[usize]>) {
        let s = inv.source;
        let now = self.tell(s, now);
        match (&mut self.sources[s as usize], failed) {
            (Source::Sqs(q), Some(failed)) => {
                q.finished_reporting(inv, now, failed, &mut self.scratch)
            }
            (source, _) => source.finished(inv, now, &mut self.scratch),
        }
        self.react(s, now);
    }

    /// The window ended at `end`: every source settles what expired before it.
    pub fn close(&mut self, end: SimTime) {
        for s in 0..self.sources.len() {
            self.sources[s].close(end, &mut self.scratch);
            self.flush(s as SourceId);
            self.scheduled[s] = u64::MAX;
        }
    }

    /// Items queued or in flight now, over every source.
    pub fn pending(&self) -> u64 {
        self.sources.iter().map(|s| s.pending()).sum()
    }

    /// The notes the sources made since the last call (arrivals, settlements, queue lengths,
    /// record errors), with their source, in the order they were made.
    pub fn take_notes(&mut self) -> Vec<(SourceId, Note)> {
        std::mem::take(&mut self.notes)
    }

    /// `now` for source `s`, never before a time it was told.
    fn tell(&mut self, s: SourceId, now: SimTime) -> SimTime {
        let t = now.0.max(self.seen[s as usize]);
        self.seen[s as usize] = t;
        SimTime(t)
    }

    fn flush(&mut self, s: SourceId) {
        self.notes.extend(self.scratch.drain(..).map(|n| (s, n)));
    }

    /// After a throttle or an outcome, as the engine reacts: the notes, and an earlier wake-up
    /// if the source now wants one.
    fn react(&mut self, s: SourceId, now: SimTime) {
        self.flush(s);
        let si = s as usize;
        if let Some(t) = sooner_wake(self.scheduled[si], self.sources[si].rewake(now), now) {
            self.scheduled[si] = t;
        }
    }
}
