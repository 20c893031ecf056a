#!/usr/bin/env python3
"""Derive sim/tests/fixtures/lambda-perf-held-out.csv: the Init Durations of one lambda-perf
day that the cold-start profiles were not fitted on, to check the profiles against.

Run by hand (never at build or test time):

    python3 sim/data/derive_held_out.py path/to/lambda-perf/data/2026-08-15.json "SOURCE" \
        > sim/tests/fixtures/lambda-perf-held-out.csv

Input: maxday/lambda-perf data/<date>.json (Apache-2.0), as for derive_profiles.py. SOURCE
names the repository, commit and file for the header. Output: one row per Init Duration
(runtime, package, architecture, memory_mb, init_ms), the runtimes mapped to AWS
identifiers exactly as derive_profiles.py maps them.
"""
import json
import sys

from derive_profiles import runtime_id


def main(path, source):
    data = json.load(open(path))["runtimeData"]
    out = sys.stdout
    out.write(f"# Init Durations from {source} (Apache-2.0), a day the profiles were not\n")
    out.write("# fitted on. Derived by sim/data/derive_held_out.py; see sim/data/PROVENANCE.md.\n")
    out.write("runtime,package,architecture,memory_mb,init_ms\n")
    rows = []
    for row in data:
        key = row["r"][len("lambda-perf-"):].rsplit("-", 3)[0]
        rid, _ = runtime_id(key)
        for x in row["i"]:
            if x > 0:
                rows.append((rid, row["p"], row["a"], row["m"], x))
    for r in sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3])):
        out.write(f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
