#!/usr/bin/env python3
"""Derive sim/data/arm64-durations.csv from a lambda-perf daily result file.

Run by hand (never at build or test time):

    python3 sim/data/derive_arm64.py path/to/2026-08-22.json > sim/data/arm64-durations.csv

Input: maxday/lambda-perf data/<date>.json (Apache-2.0), `runtimeData` entries with
r = function id, p = package type, m = memory MB, a = architecture and ad = the mean
`Duration` (ms) of the invocations that followed the forced cold starts.

Output: one row per (runtime, package, memory) measured on both architectures, with the
two mean durations. `sim::profiles::arm64_speedup` turns the rows of a runtime into its
speed-up (the geometric mean of x86_64 / arm64 over the rows) with a 95 % interval.
"""
import json
import sys

from derive_profiles import SOURCE, runtime_id


def main(path):
    data = json.load(open(path))["runtimeData"]
    means = {}
    for row in data:
        key = row["r"][len("lambda-perf-"):].rsplit("-", 3)[0]
        rid, _ = runtime_id(key)
        if row.get("ad", 0) > 0:
            means[(rid, row["p"], row["m"], row["a"])] = row["ad"]
    out = sys.stdout
    out.write(f"# Mean hello-world Duration per architecture, from {SOURCE} (Apache-2.0).\n")
    out.write("# Derived by sim/data/derive_arm64.py; see sim/data/PROVENANCE.md.\n")
    out.write("runtime,package,memory_mb,x86_64_mean_ms,arm64_mean_ms\n")
    for (rid, pkg, mem, arch), x in sorted(means.items()):
        if arch != "x86_64":
            continue
        a = means.get((rid, pkg, mem, "arm64"))
        if a is None:
            continue
        out.write(f"{rid},{pkg},{mem},{x},{a}\n")


if __name__ == "__main__":
    main(sys.argv[1])
