#!/usr/bin/python3
"""`wafersim run`: the JSON has the contract's fields and a checked answer; the trace, its
save file and the heatmaps are written. Usage: check_run_outputs.py WAFERSIM OUTDIR"""
import json
import os
import subprocess
import sys


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def trace_signals(fst):
    """Full names of the signals in an FST (through fst2vcd, from GTKWave)."""
    vcd = subprocess.run(["fst2vcd", fst], capture_output=True, text=True, check=True).stdout
    names, scope = set(), []
    for line in vcd.splitlines():
        t = line.split()
        if not t:
            continue
        if t[0] == "$scope":
            scope.append(t[2])
        elif t[0] == "$upscope":
            scope.pop()
        elif t[0] == "$var":
            names.add(".".join(scope + [t[4]]) + (t[5] if len(t) > 6 and t[5].startswith("[") else ""))
        elif t[0] == "$enddefinitions":
            break
    return names


def save_file_signals(gtkw):
    out = []
    for line in gtkw.splitlines():
        line = line.strip()
        if line and line[0] not in "[*@-":
            out.append(line.split("} ", 1)[1] if line.startswith("+{") else line)
    return out


def main():
    ws, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    j, fst, prefix = (os.path.join(out, n) for n in ("run.json", "run.fst", "run"))
    for f in (j, fst, prefix + "-activity.png", prefix + "-links.png"):
        if os.path.exists(f):
            os.remove(f)
    cmd = [ws, "run", "--kernel", "gemv", "--m", "70", "--n", "45", "--mesh", "3x3", "--json", j, "--trace", fst,
           "--trace-region", "0,0:1,1", "--trace-window", "0:300", "--heatmaps", prefix]
    p = subprocess.run(cmd, capture_output=True, text=True)
    print(p.stdout, p.stderr)
    if p.returncode != 0:
        fail(f"exit {p.returncode}")
    r = json.load(open(j))
    for key in ("cycles", "time_s", "correct", "max_abs_err", "max_rel_err", "sram_peak_bytes", "phases", "efficiency",
                "lower_bound_cycles", "fabric"):
        if key not in r:
            fail(f"JSON lacks {key}")
    if r["correct"] is not True or r["status"] != "done":
        fail("the run is not correct and done")
    if not (0 < r["max_rel_err"] < 1e-3):
        fail(f"max_rel_err {r['max_rel_err']}")
    if abs(r["time_s"] - r["cycles"] / 850e6) > 1e-12:
        fail("time_s is not cycles at 850 MHz")
    if len(r["fabric"]["tiles"]) != 9 or set(r["phases"]) != {"x_broadcast", "dot_products", "row_reduction"}:
        fail("tiles or phases")
    # The first tile: 24 rows x 15 columns of W with rows padded to 16 words, x, sums, stamps.
    if r["sram_peak_bytes"] != 32 + 64 + 96 + 4 + 4 * (16 * 23 + 15):
        fail(f"sram_peak_bytes {r['sram_peak_bytes']}")
    gtkw = open(os.path.join(out, "run.gtkw")).read()
    if "T(1,1)" not in gtkw or "T(2,2)" in gtkw or "run.fst" not in gtkw:
        fail("save file groups")
    if os.path.getsize(fst) < 10000:
        fail("trace too small")
    missing = [s for s in save_file_signals(gtkw) if s not in trace_signals(fst)]
    if missing:
        fail(f"the save file names signals the trace lacks: {missing[:5]}")
    for png in (prefix + "-activity.png", prefix + "-links.png"):
        if open(png, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
            fail(f"{png} is not a PNG")
    print("ok")


if __name__ == "__main__":
    main()
