#!/usr/bin/env python3
"""`wafersim run` on RTL, fast and mixed tiles gives the same results: every JSON field but
the wall time is equal, per-tile statistics included (fast tiles also stepping every tensor
operation, --step-tensor-ops); a mixed run traces its RTL tiles."""
import json
import os
import subprocess
import sys

ws, out = sys.argv[1], sys.argv[2]
base = ["run", "--kernel", "gemv", "--m", "70", "--n", "90", "--mesh", "4x4"]
runs = {
    "rtl": ["--tiles", "rtl"],
    "fast": ["--tiles", "fast"],
    "fast-2-threads": ["--tiles", "fast", "--threads", "2"],
    "fast-stepped": ["--tiles", "fast", "--step-tensor-ops"],
    "mixed": ["--tiles", "mixed", "--rtl-region", "1,1:2,3"],
    "mixed-systemc": ["--tiles", "mixed", "--rtl-region", "1,1:2,2", "--scheduler", "systemc", "--trace",
                      os.path.join(out, "mixed.fst"), "--trace-region", "1,1:2,2"],
}
results = {}
for name, flags in runs.items():
    path = os.path.join(out, f"models-{name}.json")
    p = subprocess.run([ws] + base + flags + ["--json", path], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{name}: exit {p.returncode}: {p.stderr.strip()}")
    j = json.load(open(path))
    j.pop("wall_s")
    results[name] = j
    if name.startswith("mixed") and "RTL tiles, the rest fast" not in p.stdout:
        sys.exit(f"{name}: the report does not say which tiles are RTL:\n{p.stdout}")
for name, j in results.items():
    if j != results["rtl"]:
        diff = [k for k in j if j[k] != results["rtl"].get(k)]
        sys.exit(f"{name} differs from rtl in {diff}")
if results["rtl"]["correct"] is not True or results["rtl"]["cycles"] < 100:
    sys.exit("the run is not a real one")
if os.path.getsize(os.path.join(out, "mixed.fst")) < 1000:
    sys.exit("the mixed run wrote no waves")
print(f"rtl, fast, mixed agree: {results['rtl']['cycles']} cycles")
