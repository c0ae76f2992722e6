#!/usr/bin/python3
"""One command, its exact exit code and its one-line error (README, "Exit codes").

Usage: check_exit.py CODE REGEX WAFERSIM ARGS...

Runs WAFERSIM ARGS... and checks the exit code is CODE (CTest's WILL_FAIL cannot tell 1 from
2) and, for a non-zero CODE, that stderr is exactly one line and REGEX (Python re.search) is
found in it. For CODE 0, REGEX is searched in stdout."""
import re
import subprocess
import sys


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    code, pattern, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    shown = " ".join(cmd[1:])
    problems = []
    if p.returncode != code:
        problems.append(f"exit {p.returncode}, expected {code}")
    if code == 0:
        if not re.search(pattern, p.stdout):
            problems.append(f"stdout does not match {pattern!r}")
    else:
        lines = p.stderr.splitlines()
        if len(lines) != 1:
            problems.append(f"stderr has {len(lines)} lines, expected one")
        if not re.search(pattern, p.stderr):
            problems.append(f"stderr does not match {pattern!r}")
    if problems:
        print(f"wafersim {shown}:\n  " + "\n  ".join(problems))
        print(f"--- stderr ---\n{p.stderr}--- stdout (last 2000 characters) ---\n{p.stdout[-2000:]}")
        sys.exit(1)
    print(f"wafersim {shown}: exit {p.returncode}: {p.stderr.strip() or p.stdout.strip()[-200:]}")


if __name__ == "__main__":
    main()
