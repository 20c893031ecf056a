#!/usr/bin/env python3
"""Convert an Azure Functions Invocation Trace 2021 excerpt to lamsim's trace format.

    python3 convert_azure2021.py AzureFunctionsInvocationTrace2021_head998.csv > azure2021-head998.csv

Input columns: app,func,end_timestamp,duration (seconds). Output: timestamp,duration_s,function
with timestamp = end_timestamp - duration (the arrival time, clamped at 0) and function =
the first 8 hex characters of the app hash and of the function hash, joined by "-".
Rows keep the source order, which is not sorted by time (lamsim sorts on load).
"""
import csv
import sys

rows = csv.DictReader(open(sys.argv[1]))
out = sys.stdout
out.write("timestamp,duration_s,function\n")
for r in rows:
    end = float(r["end_timestamp"])
    dur = float(r["duration"])
    start = max(0.0, end - dur)
    out.write(f"{start:.6f},{dur:.3f},{r['app'][:8]}-{r['func'][:8]}\n")
