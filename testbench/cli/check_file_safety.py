#!/usr/bin/python3
"""Bad file names must not cost the user a file: each case runs wafersim in a fresh folder and
checks the exit code (2 for bad input, 1 for a helper program that failed), one line on stderr naming the flag or the file (control bytes escaped),
and the folder exactly as it was (no file changed, added or left behind).

Usage: check_file_safety.py WAFERSIM WORKDIR CASE     (CASE "all" runs every case)
       check_file_safety.py --registered CASE...      (checks that CTest runs every case)

Some cases run a copy of the binary (a hard link) in a folder of its own, with stand-in plot
scripts in scripts/ beside it: they fail on purpose (or record their arguments), so the cases
do not depend on matplotlib and show that the binary finds its scripts beside itself."""
import json
import os
import re
import shutil
import subprocess
import sys

PROGRAM = """\
// r1 = 3 + 4
main:
    addi r1, r0, 3
    addi r1, r1, 4
    halt
"""
SMALL_RUN = ["run", "--kernel", "gemv", "--mesh", "2x2", "--m", "64", "--n", "64"]
# Simulated, this takes a while and prints its report on stdout; refused, it prints nothing there.
LARGE_RUN = ["run", "--kernel", "gemv", "--m", "512", "--n", "512", "--mesh", "8x8", "--tiles", "rtl"]
INJECTION = "h' ; touch INJECTED ; echo '"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def fake_script(path, record, fail):
    """A stand-in for a plot script: records its arguments; fails, or writes the two files."""
    write(path, f"""#!/usr/bin/python3
import json, sys
json.dump(sys.argv, open({record!r}, "w"))
if {fail!r}:
    sys.stderr.write("Traceback (most recent call last):\\n  a stand-in failure\\nRuntimeError: plotting failed on purpose\\n")
    sys.exit(1)
names = {{"plot_fabric": ["activity", "links"], "plot_compare": ["roofline", "breakdown"]}}
for n in names[sys.argv[0].rsplit("/", 1)[-1]]:
    open(sys.argv[2] + "-" + n + ".png", "w").close()
""")


def relocated(ws, d, fail):
    """The binary alone in folder `d`, with stand-in scripts beside it; returns (binary, record)."""
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "scripts"))
    exe = os.path.join(d, "wafersim")
    try:
        os.link(ws, exe)
    except OSError:
        shutil.copy2(ws, exe)
    record = os.path.join(d, "argv.json")
    for s in ("plot_fabric", "plot_compare"):
        fake_script(os.path.join(d, "scripts", s), record, fail)
    return exe, record


def snapshot(d):
    out = {}
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, d)
            if os.path.islink(p):
                out[rel] = "link:" + os.readlink(p)
            elif os.path.isdir(p):
                out[rel] = "dir"
            else:
                st = os.stat(p)
                try:
                    out[rel] = (st.st_size, st.st_mtime_ns, open(p, "rb").read())
                except PermissionError:
                    out[rel] = (st.st_size, st.st_mtime_ns)
    return out


def setup_program(d, ws):
    write(os.path.join(d, "prog.s"), PROGRAM)


def setup_include(d, ws):
    write(os.path.join(d, "inc.s"), "    addi r1, r0, 3\n")
    write(os.path.join(d, "main.s"), '.include "inc.s"\n    halt\n')


def setup_bin_as_save_file(d, ws):
    tmp = os.path.join(d, "..", os.path.basename(d) + "-prog.s")
    write(tmp, PROGRAM)
    subprocess.run([ws, "asm", tmp, "-o", os.path.join(d, "t.gtkw")], check=True, capture_output=True)
    os.remove(tmp)


def setup_dir(name):
    return lambda d, ws: os.mkdir(os.path.join(d, name))


def setup_unreadable(d, ws):
    # Reading /proc/self/mem from its start fails (EIO) for everyone, root included.
    os.symlink("/proc/self/mem", os.path.join(d, "u.s"))


def setup_unreadable_include(d, ws):
    setup_unreadable(d, ws)
    write(os.path.join(d, "main.s"), '.include "u.s"\n    halt\n')


def setup_no_read_permission(d, ws):
    write(os.path.join(d, "locked.s"), PROGRAM)
    os.chmod(os.path.join(d, "locked.s"), 0)


def nothing(d, ws):
    pass


JSON_DIR = {
    "run": SMALL_RUN,
    "demo": ["demo"],
    "noc": ["noc", "--mesh", "2x2", "--cycles", "200", "--warmup", "100"],
    "tile": ["tile", "prog.s"],
    "gpu": ["gpu", "--kernel", "gemm", "--m", "64", "--n", "64", "--k", "64"],
    "workload": ["workload", "--model", "llama3-8b"],
    "config": ["config"],
    "compare": ["compare", "--model", "llama3-8b"],
}

# name: (setup(dir, ws), args, stderr regex, options). Options: "binary": "fail" runs the
# relocated binary with failing stand-in scripts; "quiet": nothing on stdout (nothing was
# simulated or computed); "root_skip": skipped when run as root (permissions do not bind root).
# heatmaps_injection also shows that a trace written before a later step failed is removed.
CASES = {
    # No shell: the prefix reaches the script as one argument; the script's failure is the error.
    "heatmaps_injection": (nothing, SMALL_RUN + ["--trace", "t.fst", "--heatmaps", INJECTION],
                           r"--heatmaps: plot_fabric failed \(exit 1\): RuntimeError: plotting failed on purpose",
                           {"binary": "fail"}),
    "plots_injection": (nothing, ["compare", "--model", "llama3-8b", "--plots", INJECTION],
                        r"--plots: plot_compare failed \(exit 1\): RuntimeError: plotting failed on purpose",
                        {"binary": "fail"}),
    # Never overwrite an input or another output.
    "asm_onto_input": (setup_program, ["asm", "prog.s", "-o", "prog.s"],
                       r"-o prog\.s: would overwrite the input file prog\.s", {}),
    "asm_onto_include": (setup_include, ["asm", "main.s", "-o", "inc.s"],
                         r"-o inc\.s: would overwrite the input file .*inc\.s", {}),
    "asm_default_onto_input": (lambda d, ws: write(os.path.join(d, "prog.bin"), PROGRAM), ["asm", "prog.bin"],
                               r"asm prog\.bin: would overwrite the input file prog\.bin", {}),
    "tile_trace_onto_input": (setup_program, ["tile", "prog.s", "--trace", "prog.s"],
                              r"--trace prog\.s: would overwrite the input file prog\.s", {}),
    "tile_save_file_onto_input": (setup_bin_as_save_file, ["tile", "t.gtkw", "--trace", "t.fst"],
                                  r"--trace t\.fst \(t\.gtkw\): would overwrite the input file t\.gtkw", {}),
    "run_trace_and_json": (nothing, SMALL_RUN + ["--trace", "a", "--json", "a"],
                           r"--(trace|json) a: would overwrite the output of --(json|trace) a", {"quiet": True}),
    "run_json_onto_save_file": (nothing, SMALL_RUN + ["--trace", "w.fst", "--json", "w.gtkw"],
                                r"would overwrite the output of --(trace|json) w\.", {"quiet": True}),
    "run_heatmaps_onto_json": (nothing, SMALL_RUN + ["--json", "h-links.png", "--heatmaps", "h"],
                               r"--heatmaps h \(h-links\.png\): would overwrite the output of --json h-links\.png",
                               {"quiet": True}),
    "config_json_onto_config": (lambda d, ws: write(os.path.join(d, "f.toml"), "[mesh]\nwidth = 4\n"),
                                ["config", "--config", "f.toml", "--json", "f.toml"],
                                r"--json f\.toml: would overwrite the --config file f\.toml", {"quiet": True}),
    # Outputs checked before the work: nothing simulated (stdout empty), the right flag named.
    "run_json_missing_folder": (nothing, LARGE_RUN + ["--json", "nowhere/out.json"],
                                r"--json nowhere/out\.json: the folder nowhere does not exist", {"quiet": True}),
    "run_heatmaps_missing_folder": (nothing, LARGE_RUN + ["--heatmaps", "nowhere/h"],
                                    r"--heatmaps nowhere/h \(nowhere/h-run\.json\): the folder nowhere does not exist",
                                    {"quiet": True}),
    "run_trace_missing_folder": (nothing, LARGE_RUN + ["--trace", "nowhere/t.fst"],
                                 r"--trace nowhere/t\.fst: the folder nowhere does not exist", {"quiet": True}),
    "run_trace_directory": (setup_dir("t.fst"), LARGE_RUN + ["--trace", "t.fst"], r"--trace t\.fst: is a directory",
                            {"quiet": True}),
    "noc_trace_missing_folder": (nothing, ["noc", "--trace", "nowhere/n.fst"],
                                 r"--trace nowhere/n\.fst: the folder nowhere does not exist", {"quiet": True}),
    "compare_plots_missing_folder": (nothing, ["compare", "--model", "llama3-8b", "--plots", "nowhere/c"],
                                     r"--plots nowhere/c \(nowhere/c-compare\.json\): the folder nowhere does not exist",
                                     {"quiet": True}),
    "tile_json_missing_folder": (setup_program, ["tile", "prog.s", "--json", "nowhere/t.json"],
                                 r"--json nowhere/t\.json: the folder nowhere does not exist", {"quiet": True}),
    "json_empty_name": (nothing, ["gpu", "--kernel", "gemm", "--m", "8", "--n", "8", "--k", "8", "--json", ""],
                        r"--json: the file name is empty", {"quiet": True}),
    # Reading files: the file named, and why.
    "asm_unreadable": (setup_unreadable, ["asm", "u.s"], r"u\.s: cannot read the file: ", {}),
    "asm_unreadable_include": (setup_unreadable_include, ["asm", "main.s"],
                               r"main\.s:1:10: error: include file \"u\.s\": .*u\.s: cannot read the file", {}),
    "asm_no_read_permission": (setup_no_read_permission, ["asm", "locked.s"],
                               r"locked\.s: cannot open the file: Permission denied", {"root_skip": True}),
    "asm_directory": (setup_dir("d.s"), ["asm", "d.s"], r"d\.s: is a directory, not a file", {}),
    "asm_empty_name": (nothing, ["asm", ""], r"file: the file name is empty", {}),
    "disasm_directory": (setup_dir("d.bin"), ["disasm", "d.bin"], r"d\.bin: is a directory, not a file", {}),
    "tile_directory": (setup_dir("d.bin"), ["tile", "d.bin"], r"d\.bin: is a directory, not a file", {}),
    "config_directory": (setup_dir("d.toml"), ["config", "--config", "d.toml"], r"d\.toml: is a directory, not a file",
                         {}),
    "workload_directory": (setup_dir("d.toml"), ["workload", "--config", "d.toml"],
                           r"d\.toml: is a directory, not a file", {}),
    "compare_layer_cycles_directory": (setup_dir("d.json"), ["compare", "--model", "llama3-8b", "--layer-cycles", "d.json"],
                                       r"--layer-cycles d\.json: is a directory, not a file", {}),
    "control_bytes_escaped": (nothing, ["asm", "bad\x01\x1b[31mname\x7f.s"],
                              r"bad\\x01\\x1b\[31mname\\x7f\.s: cannot open the file: No such file", {}),
}
for cmd, args in JSON_DIR.items():
    setup = setup_program if cmd == "tile" else nothing
    CASES[f"json_directory_{cmd}"] = (lambda d, ws, s=setup: (s(d, ws), os.mkdir(os.path.join(d, "out"))),
                                      args + ["--json", "out"], r"--json out: is a directory", {"quiet": True})


def run_case(ws, work, name):
    setup, args, pattern, opt = CASES[name]
    if opt.get("root_skip") and os.geteuid() == 0:
        print(f"{name}: skipped (root reads any file)")
        return True
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    setup(d, ws)
    exe, record = (ws, None) if "binary" not in opt else relocated(ws, d + "-bin", opt["binary"] == "fail")
    before = snapshot(d)
    p = subprocess.run([exe] + args, cwd=d, capture_output=True)
    err = p.stderr.decode("utf-8", "replace")
    problems = []
    # README, "Exit codes": a helper program that failed is a failed step (1); every other
    # case is bad input (2).
    expected = 1 if opt.get("binary") == "fail" else 2
    if p.returncode != expected:
        problems.append(f"exit {p.returncode}, expected {expected}")
    if not err.endswith("\n") or err.count("\n") != 1:
        problems.append(f"stderr is not one line: {err!r}")
    if any(ord(c) < 0x20 for c in err.rstrip("\n")):
        problems.append(f"raw control bytes on stderr: {err!r}")
    if not re.search(pattern, err):
        problems.append(f"stderr {err!r} does not match {pattern!r}")
    if opt.get("quiet") and p.stdout:
        problems.append(f"stdout not empty (work was done before the error): {p.stdout[:200]!r}")
    after = snapshot(d)
    if after != before:
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        problems.append(f"the folder changed: {changed}")
    if os.path.exists(os.path.join(d, "INJECTED")):
        problems.append("the shell ran: INJECTED exists")
    if record is not None:
        if not os.path.exists(record):
            problems.append("the stand-in script did not run")
        elif json.load(open(record))[2] != INJECTION:
            problems.append(f"the prefix did not arrive as one argument: {json.load(open(record))}")
    print(f"{name}: exit {p.returncode}, stderr {err!r}")
    for msg in problems:
        print(f"FAIL {name}: {msg}")
    return not problems


def plots_beside_binary(ws, work):
    """The good path: a relocated binary starts the scripts beside it with the prefix as one
    argument, and reports the files they wrote."""
    d = os.path.join(work, "plots_beside_binary")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    exe, record = relocated(ws, d + "-bin", fail=False)
    problems = []
    for args, outputs in [(SMALL_RUN + ["--heatmaps", INJECTION], ["-run.json", "-activity.png", "-links.png"]),
                          (["compare", "--model", "llama3-8b", "--plots", INJECTION],
                           ["-compare.json", "-roofline.png", "-breakdown.png"])]:
        p = subprocess.run([exe] + args, cwd=d, capture_output=True, text=True)
        if p.returncode != 0:
            problems.append(f"{args[0]}: exit {p.returncode}: {p.stderr}")
        for o in outputs:
            if not os.path.exists(os.path.join(d, INJECTION + o)):
                problems.append(f"{args[0]}: {INJECTION + o} not written")
        if not os.path.exists(record) or json.load(open(record))[1:] != [INJECTION + outputs[0], INJECTION]:
            problems.append(f"{args[0]}: the script's arguments: {open(record).read() if os.path.exists(record) else None}")
        if os.path.exists(os.path.join(d, "INJECTED")):
            problems.append("the shell ran: INJECTED exists")
    for msg in problems:
        print("FAIL plots_beside_binary:", msg)
    return not problems


def main():
    if sys.argv[1] == "--registered":
        missing = sorted(set(CASES) - set(sys.argv[2:]))
        if missing:
            sys.exit(f"cases not registered with CTest (testbench/cli/CMakeLists.txt): {', '.join(missing)}")
        return
    ws, work, case = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
    os.makedirs(work, exist_ok=True)
    if case == "plots_beside_binary":
        sys.exit(0 if plots_beside_binary(ws, work) else 1)
    names = sorted(CASES) if case == "all" else [case]
    for n in names:
        if n not in CASES:
            sys.exit(f"unknown case {n}; cases: {', '.join(sorted(CASES))}")
    ok = all([run_case(ws, work, n) for n in names])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
