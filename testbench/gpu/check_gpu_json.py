#!/usr/bin/env python3
"""`wafersim gpu --json` writes the contract's fields, with values the model stands behind."""
import json
import os
import subprocess
import sys

ws, out_dir = sys.argv[1], sys.argv[2]
failures = []


def run(name, *args):
    path = os.path.join(out_dir, f"gpu_{name}.json")
    if os.path.exists(path):
        os.remove(path)
    proc = subprocess.run([ws, "gpu", *args, "--json", path], capture_output=True, text=True)
    if proc.returncode != 0:
        failures.append(f"{name}: exit {proc.returncode}: {proc.stderr.strip()}")
        return {}
    with open(path) as f:
        return json.load(f)


def check(name, cond, what):
    if not cond:
        failures.append(f"{name}: {what}")


REQUIRED = ["cycles", "time_s", "tflops", "hbm_bytes", "achieved_bw_bytes_per_s", "bound"]

gemm = run("gemm", "--preset", "h100-sxm", "--kernel", "gemm", "--m", "8192", "--n", "8192", "--k", "8192",
           "--dtype", "bf16")
for key in REQUIRED:
    check("gemm", key in gemm, f"missing {key}")
if gemm:
    check("gemm", gemm["bound"] == "compute", f"bound {gemm['bound']}")
    check("gemm", 790 * 0.9 <= gemm["tflops"] <= 800 * 1.1, f"tflops {gemm['tflops']}")
    check("gemm", abs(gemm["time_s"] * gemm["clock_hz"] - gemm["cycles"]) <= 1, "cycles != time_s x clock")
    check("gemm", gemm["details"]["gemm"]["tile"]["bm"] > 0, "no tile in details")

gemv = run("gemv", "--preset", "h100-sxm", "--kernel", "gemv", "--n", "8192", "--k", "8192")
if gemv:
    check("gemv", gemv["bound"] == "memory", f"bound {gemv['bound']}")

copy = run("copy", "--preset", "h100-sxm", "--kernel", "copy", "--bytes", "1GiB")
if copy:
    check("copy", copy["hbm_bytes"] == 2 * 2**30, f"hbm_bytes {copy['hbm_bytes']}")
    check("copy", abs(copy["achieved_bw_bytes_per_s"] / 3.0e12 - 1) < 0.1, f"bw {copy['achieved_bw_bytes_per_s']}")

moe = run("moe", "--preset", "h100-sxm-x8", "--kernel", "moe", "--tokens", "4096", "--experts", "8", "--top-k", "2",
          "--d-model", "4096", "--d-ff", "14336")
if moe:
    names = [p["name"] for p in moe["phases"]]
    check("moe", "dispatch all-to-all" in names, f"phases {names}")
    check("moe", moe["gpus"] == 8, f"gpus {moe['gpus']}")

ar = run("allreduce", "--preset", "h100-sxm", "--kernel", "allreduce", "--bytes", "1GiB", "--gpus", "8")
if ar:
    check("allreduce", ar["bound"] == "communication", f"bound {ar['bound']}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("wafersim gpu JSON: ok")
