#!/usr/bin/env python3
"""Derive sim/data/cold-start-profiles.csv from a lambda-perf daily result file.

Run by hand (never at build or test time):

    python3 sim/data/derive_profiles.py path/to/2026-08-22.json > sim/data/cold-start-profiles.csv

Input: maxday/lambda-perf data/<date>.json (Apache-2.0), `runtimeData` entries
{r, p, d, i, m, a, ...}: r = function id, p = package type (zip/image), d = display name,
i = Init Durations in ms (up to 10 forced cold starts), m = memory MB, a = architecture.

Output: one row per (runtime, package, architecture, memory) with a lognormal fit of the
Init Durations: mu and sigma are the mean and the sample standard deviation (n - 1) of
ln(ms); median = exp(mu), p99 = exp(mu + 2.3263 sigma). `mean_ms` is the sample mean, kept
for reference. Extra rows with runtime `generic` pool every managed (non-custom) zip runtime
of an architecture and memory: the default for functions that do not name a runtime.
"""
import json
import math
import sys
from collections import defaultdict

Z99 = 2.3263478740408408  # standard normal 0.99 quantile

SOURCE = "maxday/lambda-perf @ 6070b7947b5ddf788cb69f2ffe6bbde3e22033fb : data/2026-08-22.json"

# Custom-runtime language names: lambda-perf id prefix -> name after "provided.alX:".
CUSTOM = {
    "cpp11": "cpp11",
    "dotnet7_aot": "dotnet7-aot",
    "dotnet8_aot": "dotnet8-aot",
    "dotnet9_aot": "dotnet9-aot",
    "dotnet10_aot": "dotnet10-aot",
    "go": "go",
    "graalvm_java17": "graalvm-java17",
    "graalvm_java21": "graalvm-java21",
    "graalvm_java23": "graalvm-java23",
    "llrt": "llrt",
    "quarkus_native": "quarkus-native",
    "rust": "rust",
    "shell": "shell",
    "swift58": "swift5.8",
    "swift62": "swift6.2",
}


def runtime_id(key):
    """Maps the lambda-perf id part (e.g. `python313`, `go_on_provided_al2023`) to an AWS
    runtime identifier (`python3.13`, `provided.al2023:go`). Returns (id, managed)."""
    if "_on_provided_" in key:
        lang, os_ = key.split("_on_provided_")
        return f"provided.{os_}:{CUSTOM[lang]}", False
    if key == "bun":
        return "provided.al2:bun", False
    if key == "bun_layer":
        return "provided.al2:bun-layer", False
    if key.startswith("python3"):
        return "python3." + key[len("python3"):], True
    if key.startswith("nodejs") and key.endswith("x"):
        return key[:-1] + ".x", True
    if key == "java8_al2":
        return "java8.al2", True
    if key.startswith("ruby3"):
        return "ruby3." + key[len("ruby3"):], True
    if key.startswith("java") or key.startswith("dotnet"):
        return key, True
    raise ValueError(f"unknown lambda-perf runtime {key!r}")


def fit(samples):
    logs = [math.log(x) for x in samples]
    n = len(logs)
    mu = sum(logs) / n
    sigma = math.sqrt(sum((v - mu) ** 2 for v in logs) / (n - 1)) if n > 1 else 0.0
    return mu, sigma


def main(path):
    data = json.load(open(path))["runtimeData"]
    groups = defaultdict(list)
    display = {}
    pooled = defaultdict(list)
    for row in data:
        # r = "lambda-perf-<runtime>-<package>-<memory>-<arch>"
        key = row["r"][len("lambda-perf-"):].rsplit("-", 3)[0]
        rid, managed = runtime_id(key)
        samples = [x for x in row["i"] if x > 0]
        k = (rid, row["p"], row["a"], row["m"])
        groups[k].extend(samples)
        display[rid] = row["d"]
        if managed and row["p"] == "zip":
            pooled[("generic", "zip", row["a"], row["m"])].extend(samples)
            display["generic"] = "pooled managed zip runtimes"
    groups.update(pooled)

    out = sys.stdout
    out.write(f"# Cold-start (Init Duration) profiles derived from {SOURCE} (Apache-2.0).\n")
    out.write("# Derived by sim/data/derive_profiles.py; see sim/data/PROVENANCE.md.\n")
    out.write("# mu, sigma: mean and sample sd of ln(init ms); median_ms = exp(mu); "
              "p99_ms = exp(mu + 2.3263 sigma).\n")
    out.write("runtime,package,architecture,memory_mb,samples,mu,sigma,median_ms,p99_ms,mean_ms,display\n")
    for k in sorted(groups, key=lambda k: (k[0], k[1], k[2], k[3])):
        s = groups[k]
        mu, sigma = fit(s)
        rid, pkg, arch, mem = k
        out.write(
            f"{rid},{pkg},{arch},{mem},{len(s)},{mu:.6f},{sigma:.6f},"
            f"{math.exp(mu):.2f},{math.exp(mu + Z99 * sigma):.2f},{sum(s) / len(s):.2f},"
            f"{display[rid]}\n"
        )


if __name__ == "__main__":
    main(sys.argv[1])
