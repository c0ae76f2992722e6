#!/usr/bin/python3
"""Ctrl-C during `wafersim run`: exit 130 and one line on stderr saying it was interrupted
(README, "Exit codes"); the report says "not checked", never "WRONG".

Usage: check_interrupt.py WAFERSIM"""
import signal
import subprocess
import sys
import time

ws = sys.argv[1]
# About 10-25 s on RTL tiles through SystemC: long enough to interrupt after 3.
cmd = [ws, "run", "--kernel", "gemv", "--m", "512", "--n", "512", "--mesh", "8x8", "--tiles", "rtl"]
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(3)
if p.poll() is not None:
    sys.exit(f"the run ended (exit {p.returncode}) before it could be interrupted")
p.send_signal(signal.SIGINT)
try:
    out, err = p.communicate(timeout=120)
except subprocess.TimeoutExpired:
    p.kill()
    sys.exit("the run did not stop within 120 s of Ctrl-C")
lines = [l for l in err.splitlines() if l.startswith("wafersim: error:")]
problems = []
if p.returncode != 130:
    problems.append(f"exit {p.returncode}, expected 130")
if len(lines) != 1 or "interrupted" not in lines[0]:
    problems.append(f"expected one 'wafersim: error: interrupted ...' line, stderr: {err!r}")
if "WRONG" in out:
    problems.append("the report says WRONG")
if problems:
    sys.exit("\n".join(problems) + f"\nstdout: {out[-1500:]}")
print(f"exit 130: {lines[0]}")
