#!/usr/bin/env python3
"""wafersim noc writes the brief's JSON fields, a trace GTKWave can read, and a save file
whose every signal exists in that trace. Usage: check_noc_outputs.py WAFERSIM WORKDIR"""
import json
import os
import re
import subprocess
import sys

ws, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
out_json = os.path.join(work, "noc.json")
trace = os.path.join(work, "noc_trace.fst")
for f in (out_json, trace):
    if os.path.exists(f):
        os.remove(f)

run = subprocess.run([ws, "noc", "--routers", "rtl", "--mesh", "3x2", "--rate", "0.2", "--packet-flits", "2",
                      "--cycles", "400", "--warmup", "50", "--json", out_json, "--trace", trace,
                      "--trace-region", "1,0:2,1", "--trace-window", "10:60"],
                     capture_output=True, text=True)
assert run.returncode == 0, run.stderr
assert "accepted rate" in run.stdout, run.stdout

result = json.load(open(out_json))
for key in ("offered_rate", "accepted_rate", "avg_latency_cycles", "p99_latency_cycles",
            "avg_hops", "packets"):
    assert key in result, f"JSON lacks {key}"
assert result["packets"] > 0 and result["stable"] is True
assert abs(result["accepted_rate"] - result["offered_rate"]) < 0.05
assert result["config"]["routers"] == "rtl"

# The fast routers (the default) give the same statistics; only the wall time differs, and
# the share of idle routers skipped (the RTL run above evaluates its traced routers always).
fast_json = os.path.join(work, "noc_fast.json")
run = subprocess.run([ws, "noc", "--mesh", "3x2", "--rate", "0.2", "--packet-flits", "2",
                      "--cycles", "400", "--warmup", "50", "--json", fast_json], capture_output=True, text=True)
assert run.returncode == 0, run.stderr
assert "mesh of fast routers" in run.stdout, run.stdout
fast = json.load(open(fast_json))
assert fast["config"]["routers"] == "fast"
for r in (result, fast):
    del r["wall_seconds"]
    del r["skipped_eval_fraction"]
    del r["config"]["routers"]
assert fast == result, (fast, result)

# The trace holds the traced routers only, and the save file names signals that exist.
vcd = subprocess.run(["fst2vcd", "-f", trace], capture_output=True, text=True, check=True).stdout
scopes, names, stack = set(), set(), []
for line in vcd.splitlines():
    parts = line.split()
    if line.startswith("$scope"):
        stack.append(parts[2])
        scopes.add(".".join(stack))
    elif line.startswith("$upscope"):
        stack.pop()
    elif line.startswith("$var"):
        name = parts[4] + (parts[5] if parts[5] != "$end" else "")
        names.add(".".join(stack + [name]))
assert "R_1_0" in scopes and "R_2_1" in scopes, sorted(scopes)[:10]
assert "R_0_0" not in scopes, "a router outside --trace-region was traced"
times = [int(l[1:]) for l in vcd.splitlines() if re.fullmatch(r"#\d+", l)]
assert times and max(times) - min(times) <= 50 * 1000, "trace window not respected"

gtkw = os.path.join(work, "noc_trace.gtkw")
text = open(gtkw).read()
assert '[dumpfile] "noc_trace.fst"' in text, "save file must name the dump relative to itself"
signals = [l.split("} ", 1)[1] if l.startswith("+{") else l
           for l in text.splitlines() if l.startswith("R_") or l.startswith("+{")]
assert len(signals) >= 4 * 8, signals
missing = [s for s in signals if s not in names]
assert not missing, f"save file names signals absent from the trace: {missing[:5]}"
assert "-R(1,0)" in text and "-inputs" in text and "-credits" in text
assert "+{East out} R_1_0.flit_o[1][39:0]" in text, "outputs are named per port"

# A sweep writes one entry per rate.
sweep_json = os.path.join(work, "sweep.json")
run = subprocess.run([ws, "noc", "--mesh", "3x3", "--sweep", "0.05,0.1", "--cycles", "300",
                      "--warmup", "50", "--json", sweep_json], capture_output=True, text=True)
assert run.returncode == 0, run.stderr
sweep = json.load(open(sweep_json))
assert [p["rate"] for p in sweep["sweep"]] == [0.05, 0.1]
print("ok")
