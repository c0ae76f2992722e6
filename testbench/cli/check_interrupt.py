#!/usr/bin/python3
"""Ctrl-C (README, "Exit codes"): exit 130 and one line on stderr saying it was interrupted;
the report says "interrupted", never "WRONG" or an efficiency. One case per way a command can
be interrupted:

  run    a run under way (RTL tiles through SystemC): its progress line came first (by wall
         time: within 2 s), it stops within a second of Ctrl-C, the report has the figures so far
  tile   a program spinning on one RTL tile: the same, for `wafersim tile`
  setup  a run still mapping (a causal prefill draws and checks its data for about 25 s before
         it starts): the command ends at once, nothing written
  noc, noc_rtl, noc_sweep
         `wafersim noc` on fast routers, on RTL routers with waves, and a sweep on two threads:
         the same as `run`, and its JSON (and waves) written whole, marked interrupted; a sweep
         stops every point under way and starts no more

Usage: check_interrupt.py WAFERSIM CASE FOLDER"""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

ws, case, folder = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
folder.mkdir(parents=True, exist_ok=True)
spin = folder / "spin.s"
spin.write_text("# Spins for ever: for interrupting `wafersim tile`.\nloop:   addi    r1, r1, 1\n"
                "        beq     r0, r0, loop\n")
json_out = folder / f"{case}.json"
trace = folder / f"{case}.fst"
for old in [json_out, trace, folder / f"{case}.gtkw"] + list(folder.glob("*.tmp")):
    if old.exists():
        old.unlink()

CASES = {
    # About 15 s on 256 RTL tiles through SystemC: long enough to interrupt after 3.
    "run": (["run", "--kernel", "gemv", "--m", "1024", "--n", "1024", "--mesh", "16x16", "--tiles", "rtl"], 3.0),
    "tile": (["tile", str(spin), "--cycles", "100000000", "--json", str(json_out)], 3.0),
    "setup": (["run", "--kernel", "attention", "--phase", "prefill", "--heads", "8", "--kv-heads", "2",
               "--head-dim", "64", "--prompt", "2048", "--mesh", "16x16", "--tiles", "fast",
               "--max-cycles", "18000000", "--json", str(json_out)], 1.5),
    # Each a minute or more on this machine (noc's estimate stays under an hour: no warning).
    "noc": (["noc", "--mesh", "16x16", "--rate", "0.2", "--cycles", "1000000", "--json", str(json_out)], 3.0),
    "noc_rtl": (["noc", "--routers", "rtl", "--mesh", "8x8", "--rate", "0.2", "--cycles", "200000",
                 "--trace", str(trace), "--trace-window", "0:200", "--json", str(json_out)], 3.0),
    "noc_sweep": (["noc", "--mesh", "16x16", "--cycles", "200000", "--sweep", "0.1,0.2,0.3,0.4", "--jobs", "2",
                   "--json", str(json_out)], 3.0),
}
if case not in CASES:
    sys.exit(f"unknown case {case!r} (cases: {', '.join(CASES)})")
args, wait = CASES[case]
p = subprocess.Popen([ws] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(wait)
if p.poll() is not None:
    sys.exit(f"the command ended (exit {p.returncode}) before it could be interrupted")
p.send_signal(signal.SIGINT)
sent = time.monotonic()
try:
    out, err = p.communicate(timeout=120)
except subprocess.TimeoutExpired:
    p.kill()
    sys.exit("the command did not stop within 120 s of Ctrl-C")
took = time.monotonic() - sent
lines = [l for l in err.splitlines() if l.startswith("wafersim: error:")]
problems = []
if p.returncode != 130:
    problems.append(f"exit {p.returncode}, expected 130")
if len(lines) != 1 or "interrupted" not in lines[0]:
    problems.append(f"expected one 'wafersim: error: ... interrupted ...' line, stderr: {err!r}")
if "WRONG" in out:
    problems.append("the report says WRONG")
if took > 5:
    problems.append(f"it took {took:.1f} s to stop after Ctrl-C")
if case in ("run", "tile") or case.startswith("noc"):
    # Progress by wall time: a line within the 3 s before Ctrl-C (a log gets lines, not redraws).
    if "running    cycle" not in err:
        problems.append("no progress line in the 3 s before Ctrl-C")
    if "interrupted" not in out:
        problems.append("the report does not say interrupted")
if case == "run" and ("efficiency not measured" not in out or "%" in out.split("efficiency", 1)[1].split("\n")[0]):
    problems.append("the report gives an efficiency for a run stopped early")
if case == "tile" and not json_out.exists():
    problems.append(f"{json_out} was not written (the figures so far)")
if case.startswith("noc"):
    # The JSON whole and marked; the waves closed (with their save file); nothing half-written.
    try:
        j = json.loads(json_out.read_text())
    except (OSError, ValueError) as e:
        j = None
        problems.append(f"{json_out}: not written whole: {e}")
    if j is not None:
        points = j["sweep"] if case == "noc_sweep" else [j]
        if case == "noc_sweep" and (not j.get("interrupted") or not 1 <= len(points) < 4):
            problems.append(f"the sweep's JSON: interrupted {j.get('interrupted')}, {len(points)} of 4 points "
                            "(expected those begun: 1..3)")
        if not points or not points[-1].get("interrupted") or points[-1].get("stable"):
            problems.append(f"the last point is not marked interrupted (and not judged stable): {points[-1:]}")
    if case == "noc_rtl" and (not trace.exists() or trace.stat().st_size == 0
                              or not (folder / f"{case}.gtkw").exists()):
        problems.append("the waves or their .gtkw save file were not written")
    if list(folder.glob("*.tmp")):
        problems.append(f"a temporary file was left behind: {list(folder.glob('*.tmp'))}")
if case == "setup":
    if "during setup" not in lines[0] if lines else True:
        problems.append("the message does not say the command was interrupted during setup")
    if out.strip():
        problems.append(f"a report was printed for a run that never started: {out[:300]!r}")
    if json_out.exists() or list(folder.glob("*.tmp")):
        problems.append("an output was written")
if problems:
    sys.exit("\n".join(problems) + f"\nstdout: {out[-1500:]}\nstderr: {err[-1500:]}")
print(f"exit 130 {took:.2f} s after Ctrl-C: {lines[0]}")
