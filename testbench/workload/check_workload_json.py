#!/usr/bin/env python3
"""`wafersim workload --json`: the figures a preset and a custom file imply, recomputed here by
hand from the shapes, and the kernel list's FLOPs adding up to the layer's."""
import json
import math
import os
import subprocess
import sys

ws, data, out = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
failures = []


def check(what, ok):
    if not ok:
        failures.append(what)


def run(args, name):
    path = os.path.join(out, name)
    r = subprocess.run([ws, "workload", *args, "--json", path], capture_output=True, text=True)
    check(f"{name}: exit {r.returncode}: {r.stderr.strip()}", r.returncode == 0)
    with open(path) as f:
        return json.load(f), r.stdout


# Llama 3 8B decoding at context 2048.
j, text = run(["--model", "llama3-8b", "--phase", "decode", "--context", "2048"], "llama.json")
check("kv bytes per token", j["kv_bytes_per_token"] == 2 * 8 * 128 * 32 * 2)
check("params", j["params"]["total"] == 8030261248)
check("weights", j["weight_bytes"] == 2 * 8030261248)
check("run kv bytes", j["run_kv_bytes"] == 2049 * 131072)
check("one group", len(j["layer_groups"]) == 1)
g = j["layer_groups"][0]
names = [k["name"] for k in g["kernels"]]
check(f"kernel order {names}", names[:2] == ["attn.norm", "attn.qkv_proj"] and names[-1] == "ffn.residual")
check("kernel flops add up", math.isclose(sum(k["flops"] for k in g["kernels"]), g["flops_per_token"]["total"], rel_tol=1e-12))
active = j["params"]["active"] - j["params"]["embedding"]
attention = 2 * 32 * 256 * 2049 * 32
check("flops ~ 2 x active + attention",
      math.isclose(j["model_flops_per_token"], 2 * active + attention, rel_tol=1e-4))
check("table printed", "attn.attention" in text and "131072 bytes per token" in text)

# A custom MoE model from a file, prefill.
j, _ = run(["--config", os.path.join(data, "custom_moe.toml")], "custom.json")
h, L, H, KV, d, f, V, E, k, S, fe = 512, 4, 8, 2, 64, 2048, 32000, 8, 2, 1, 1024
attn = h * H * d + 2 * h * KV * d + H * d * h
dense_layer = attn + 2 * h + 3 * h * f
moe_layer = attn + 2 * h + (E + S) * 3 * h * fe + h * E
total = dense_layer + (L - 1) * moe_layer + 2 * V * h + h
active = dense_layer + (L - 1) * (attn + 2 * h + (k + S) * 3 * h * fe + h * E) + 2 * V * h + h
check(f"custom total {j['params']['total']} != {total}", j["params"]["total"] == total)
check(f"custom active {j['params']['active']} != {active}", j["params"]["active"] == active)
check("custom groups", [(x["first_layer"], x["last_layer"], x["ffn"]) for x in j["layer_groups"]]
      == [(0, 0, "dense"), (1, 3, "moe")])
check("custom tokens", j["tokens"] == 512)
moe = j["layer_groups"][1]
gate = next(x for x in moe["kernels"] if x["name"] == "moe.gate")
check("routed rows", gate["m"] == 512 * 2 and gate["experts"] == 8)
check("custom kernel flops", math.isclose(sum(x["flops"] for x in moe["kernels"]),
                                          moe["flops_per_token"]["total"] * 512, rel_tol=1e-12))

for f in failures:
    print("FAIL:", f)
print("ok" if not failures else f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
