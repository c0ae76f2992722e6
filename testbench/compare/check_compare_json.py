#!/usr/bin/env python3
"""`wafersim compare --json` writes the fields the issue names, consistent with each other, and
--plots draws both PNGs."""
import json
import os
import subprocess
import sys

ws, out_dir = sys.argv[1], sys.argv[2]
failures = []


def run(name, *args):
    path = os.path.join(out_dir, f"compare_{name}.json")
    if os.path.exists(path):
        os.remove(path)
    proc = subprocess.run([ws, "compare", *args, "--json", path], capture_output=True, text=True)
    if proc.returncode != 0:
        failures.append(f"{name}: exit {proc.returncode}: {proc.stderr.strip()}")
        return {}, ""
    with open(path) as f:
        return json.load(f), proc.stdout


def check(name, cond, what):
    if not cond:
        failures.append(f"{name}: {what}")


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-30)


SIDE = ["machine", "mode", "devices", "step_s", "tokens", "tokens_per_s", "utilization", "bound",
        "memory_needed_bytes", "memory_capacity_bytes", "fits", "counts", "energy_j", "energy_total_j",
        "energy_per_token_j", "breakdown_s", "kernels", "time_per_output_token_s", "time_to_first_token_s"]


def check_side(name, s):
    for key in SIDE:
        check(name, key in s, f"missing {key}")
    if not all(key in s for key in SIDE):
        return
    check(name, s["step_s"] > 0, "step_s not positive")
    check(name, close(s["tokens_per_s"] * s["step_s"], s["tokens"]), "tokens_per_s x step_s != tokens")
    check(name, close(sum(s["breakdown_s"].values()), s["step_s"], 1e-6), "breakdown does not add up to step_s")
    check(name, close(sum(s["energy_j"].values()), s["energy_total_j"], 1e-9), "energy parts do not add up")
    check(name, close(s["energy_per_token_j"] * s["tokens"], s["energy_total_j"]), "energy per token x tokens")
    check(name, 0 < s["utilization"] <= 1, f"utilization {s['utilization']}")
    check(name, s["bound"] in ("compute", "memory", "communication", "latency"), f"bound {s['bound']}")
    check(name, len(s["kernels"]) > 0 and all(k["time_s"] > 0 for k in s["kernels"]), "kernels without time")


decode, text = run("decode", "--model", "llama3-70b", "--phase", "decode", "--batch", "1", "--context", "4096",
                   "--wafer", "wse3", "--gpu", "h100-sxm", "--gpus", "8")
if decode:
    for side in ("wafer", "wafer_alternative", "gpu"):
        check_side(side, decode[side])
    w, g, cap = decode["wafer"], decode["gpu"], decode["wafer"]["capacity"]
    check("decode", decode["workload"]["phase"] == "decode", "phase")
    check("decode", w["time_per_output_token_s"] == w["step_s"], "wafer time per output token")
    check("decode", g["time_to_first_token_s"] is None, "decode has no time to first token")
    check("decode", not cap["fits_one_wafer"] and cap["wafers_needed"] > 1, "70B fp16 fits one wafer?")
    check("decode", w["devices"] == cap["wafers_needed"], "pipeline wafers")
    check("decode", decode["wafer_alternative"]["step_s"] > w["step_s"], "streaming not slower than the pipeline")
    check("decode", g["devices"] == 8 and g["bound"] == "memory", f"GPU {g['devices']} {g['bound']}")
    check("decode", "weights streamed in" in text and "layer pipeline over" in text, "both ways out not shown")
    check("decode", "time per output token" in text and "energy per token" in text, "table rows missing")
    keys = {e["key"] for e in decode["energy_table"]}
    check("decode", {"flop_fp16", "sram_byte", "hbm_byte", "hop_byte", "nvlink_byte"} <= keys, "energy table")
    check("decode", all(e["source"] for e in decode["energy_table"]), "an energy figure without a source")

prefill, _ = run("prefill", "--model", "llama3-8b", "--phase", "prefill", "--prompt", "1024", "--plots",
                 os.path.join(out_dir, "compare_plot"))
if prefill:
    check_side("prefill wafer", prefill["wafer"])
    check("prefill", prefill["wafer"]["capacity"]["fits_one_wafer"], "8B does not fit one wafer?")
    check("prefill", prefill["wafer"]["time_to_first_token_s"] == prefill["wafer"]["step_s"], "time to first token")
    check("prefill", prefill["gpu"]["bound"] == "compute", f"GPU prefill bound {prefill['gpu']['bound']}")
    for png in ("roofline", "breakdown"):
        path = os.path.join(out_dir, f"compare_plot-{png}.png")
        check("plots", os.path.exists(path) and os.path.getsize(path) > 10000, f"{path} missing or empty")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("compare JSON: all checks passed")
