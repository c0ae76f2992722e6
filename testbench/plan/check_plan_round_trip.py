#!/usr/bin/python3
"""`wafersim run --kernel gemv --emit-plan DIR` writes the built-in mapping as a plan folder;
`wafersim run --plan DIR/plan.toml` runs it to the same cycle count and the same answer as
`--kernel gemv`. Usage: check_plan_round_trip.py WAFERSIM OUTDIR"""
import json
import os
import shutil
import subprocess
import sys


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(cmd):
    print(" ".join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True)
    print(p.stdout, p.stderr)
    if p.returncode != 0:
        fail(f"exit {p.returncode}")
    return p.stdout


def main():
    ws, out = sys.argv[1], sys.argv[2]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    plan = os.path.join(out, "gemv_plan")
    fabric = ["--mesh", "4x3", "--tiles", "fast"]
    shape = ["--kernel", "gemv", "--m", "37", "--n", "29", "--seed", "5"]
    said = run([ws, "run"] + shape + fabric + ["--emit-plan", plan])
    if "plan.toml" not in said:
        fail("--emit-plan does not say where the plan went")
    for f in ("plan.toml", "W.npy", "x.npy", "y.expected.npy", "y.tolerance.npy", "kernels/gemv_tile.s"):
        if not os.path.isfile(os.path.join(plan, f)):
            fail(f"the plan folder lacks {f}")
    if os.path.exists(os.path.join(out, "kernel.json")):
        fail("--emit-plan ran the kernel")
    # The plan runs from a copy of its folder elsewhere: nothing refers back to the checkout.
    moved = os.path.join(out, "moved")
    shutil.copytree(plan, moved)
    a, b = os.path.join(out, "kernel.json"), os.path.join(out, "plan.json")
    run([ws, "run"] + shape + fabric + ["--json", a])
    run([ws, "run", "--plan", os.path.join(moved, "plan.toml")] + fabric + ["--json", b])
    ja, jb = json.load(open(a)), json.load(open(b))
    for key in ("cycles", "correct", "max_abs_err", "max_rel_err", "sram_peak_bytes", "phases"):
        if ja.get(key) != jb.get(key):
            fail(f"{key}: --kernel gemv gives {ja.get(key)}, --plan gives {jb.get(key)}")
    if ja["correct"] is not True:
        fail("the kernel run is not correct")
    print("OK: cycles", ja["cycles"])


if __name__ == "__main__":
    main()
