#!/usr/bin/python3
"""The bad-input table (issue 18): one row per bad input, each under the class of mistake it
stands for. A row runs wafersim in a fresh folder holding only the files the row sets up, and
checks the exit code (README, "Exit codes": 2 bad input, 1 a failed check or helper program),
that stderr is exactly one line matching the row's regex (control bytes escaped as \\xNN), and
that the folder is exactly as it was: no file changed, added or left behind (no .tmp). CTest
runs each row as its own case, cli_bad_input_ROW (testbench/cli/CMakeLists.txt asks this file
for the names), so a failure names the row.

Usage: bad_inputs.py WAFERSIM WORKDIR ROW   (ROW "all" runs every row)
       bad_inputs.py --names                 (the rows, one a line)
       bad_inputs.py --classes               (each class and how many rows it has)

Some rows run a copy of the binary (a hard link) in a folder of its own, with stand-in plot
scripts in scripts/ beside it: they fail on purpose (or record their arguments), so the rows
do not depend on matplotlib and show that the binary finds its scripts beside itself. The
row plots_beside_binary is the good path of the same (exit 0, every file written)."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

SOURCE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
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
TINY_GEMV = ["run", "--kernel", "gemv", "--m", "8", "--n", "8", "--mesh", "2x2"]
INJECTION = "h' ; touch INJECTED ; echo '"

# The classes of issue 18, in its order.
SHELL = "no shell"
OVERWRITE = "never overwrite an input or another output"
ATOMIC = "atomic writes that clean up"
OUTPUTS_FIRST = "outputs checked before the work"
READING = "reading files: unreadable, a directory, an empty name, control bytes"
UNSIGNED = "unsigned flags refuse negatives and non-integers"
SIZE = "size and memory guards"
DOOMED = "a doomed run says so at the start"
WIDE = "no 32-bit overflow in figures"
EXIT = "one exit-code convention (tile as run)"
VOCABULARY = "one vocabulary"
CONSISTENT = "workload, compare and gpu consistency"
NOT_APPLY = "flags that do not apply are refused"


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


# Set-ups: each makes the files a row needs in its folder `d`.
def nothing(d, ws):
    pass


def files(named):
    """Files with the given text, by name."""
    def setup(d, ws):
        for name, text in named.items():
            write(os.path.join(d, name), text)
    return setup


def program(d, ws):
    write(os.path.join(d, "prog.s"), PROGRAM)


def copied(*paths):
    """Files copied from the source tree (by their path in it) into the folder, by base name."""
    def setup(d, ws):
        for p in paths:
            shutil.copy(os.path.join(SOURCE, p), os.path.join(d, os.path.basename(p)))
    return setup


def include(d, ws):
    write(os.path.join(d, "inc.s"), "    addi r1, r0, 3\n")
    write(os.path.join(d, "main.s"), '.include "inc.s"\n    halt\n')


def bin_as_save_file(d, ws):
    tmp = os.path.join(d, "..", os.path.basename(d) + "-prog.s")
    write(tmp, PROGRAM)
    subprocess.run([ws, "asm", tmp, "-o", os.path.join(d, "t.gtkw")], check=True, capture_output=True)
    os.remove(tmp)


def directory(name, then=nothing):
    def setup(d, ws):
        then(d, ws)
        os.mkdir(os.path.join(d, name))
    return setup


def unreadable(d, ws):
    # Reading /proc/self/mem from its start fails (EIO) for everyone, root included.
    os.symlink("/proc/self/mem", os.path.join(d, "u.s"))


def unreadable_include(d, ws):
    unreadable(d, ws)
    write(os.path.join(d, "main.s"), '.include "u.s"\n    halt\n')


def no_read_permission(d, ws):
    write(os.path.join(d, "locked.s"), PROGRAM)
    os.chmod(os.path.join(d, "locked.s"), 0)


STREAM_DOT = copied("firmware/examples/stream_dot.s")
FEED = ["--feed", "1:1,1,1,1,2,2,2,2"]

# name: (class, set-up, args, exit code, stderr regex, options). Options: "binary": "fail" runs
# the relocated binary with failing stand-in scripts; "quiet": nothing on stdout (nothing was
# simulated or computed before the refusal); "root_skip": skipped when run as root
# (permissions do not bind root).
ROWS = {}


def row(cls, name, args, code, pattern, setup=nothing, **opt):
    assert name not in ROWS, name
    ROWS[name] = (cls, setup, args, code, pattern, opt)


# -- No shell: a prefix reaches the plot script as one argument; the script's failure is the
# command's (exit 1), and the trace written before it is removed.
row(SHELL, "heatmaps_injection", SMALL_RUN + ["--trace", "t.fst", "--heatmaps", INJECTION], 1,
    r"--heatmaps: plot_fabric failed \(exit 1\): RuntimeError: plotting failed on purpose", binary="fail")
row(SHELL, "plots_injection", ["compare", "--model", "llama3-8b", "--plots", INJECTION], 1,
    r"--plots: plot_compare failed \(exit 1\): RuntimeError: plotting failed on purpose", binary="fail")

# -- Never overwrite an input or another output (paths compared resolved).
row(OVERWRITE, "asm_onto_input", ["asm", "prog.s", "-o", "prog.s"], 2,
    r"-o prog\.s: would overwrite the input file prog\.s", program)
row(OVERWRITE, "asm_onto_include", ["asm", "main.s", "-o", "inc.s"], 2,
    r"-o inc\.s: would overwrite the input file .*inc\.s", include)
row(OVERWRITE, "asm_default_onto_input", ["asm", "prog.bin"], 2,
    r"asm prog\.bin: would overwrite the input file prog\.bin", files({"prog.bin": PROGRAM}))
row(OVERWRITE, "tile_trace_onto_input", ["tile", "prog.s", "--trace", "prog.s"], 2,
    r"--trace prog\.s: would overwrite the input file prog\.s", program)
row(OVERWRITE, "tile_save_file_onto_input", ["tile", "t.gtkw", "--trace", "t.fst"], 2,
    r"--trace t\.fst \(t\.gtkw\): would overwrite the input file t\.gtkw", bin_as_save_file)
row(OVERWRITE, "run_trace_and_json", SMALL_RUN + ["--trace", "a", "--json", "a"], 2,
    r"--(trace|json) a: would overwrite the output of --(json|trace) a", quiet=True)
row(OVERWRITE, "run_json_onto_save_file", SMALL_RUN + ["--trace", "w.fst", "--json", "w.gtkw"], 2,
    r"would overwrite the output of --(trace|json) w\.", quiet=True)
row(OVERWRITE, "run_heatmaps_onto_json", SMALL_RUN + ["--json", "h-links.png", "--heatmaps", "h"], 2,
    r"--heatmaps h \(h-links\.png\): would overwrite the output of --json h-links\.png", quiet=True)
row(OVERWRITE, "config_json_onto_config", ["config", "--config", "f.toml", "--json", "f.toml"], 2,
    r"--json f\.toml: would overwrite the --config file f\.toml", files({"f.toml": "[mesh]\nwidth = 4\n"}), quiet=True)
row(OVERWRITE, "noc_json_onto_save_file",
    ["noc", "--routers", "rtl", "--mesh", "2x2", "--trace", "n.fst", "--json", "n.gtkw"], 2,
    r"would overwrite the output of --(trace|json) n\.", quiet=True)
row(OVERWRITE, "run_json_onto_plan", ["run", "--plan", "p.toml", "--json", "p.toml"], 2,
    r"--json p\.toml: would overwrite the --plan file p\.toml", files({"p.toml": "# not read\n"}), quiet=True)

# -- Atomic writes that clean up: JSON goes through a temporary file that is removed when the
# rename fails (it was left as DIR.tmp in all eight subcommands); a trace written before a later
# step fails is removed.
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
for cmd, args in JSON_DIR.items():
    row(ATOMIC, f"json_directory_{cmd}", args + ["--json", "out"], 2, r"--json out: is a directory",
        directory("out", program if cmd == "tile" else nothing), quiet=True)
row(ATOMIC, "trace_removed_when_plot_fails", SMALL_RUN + ["--trace", "t.fst", "--heatmaps", "h"], 1,
    r"--heatmaps: plot_fabric failed \(exit 1\)", binary="fail")

# -- Outputs checked before the work: nothing simulated (stdout empty), the right flag named.
row(OUTPUTS_FIRST, "run_json_missing_folder", LARGE_RUN + ["--json", "nowhere/out.json"], 2,
    r"--json nowhere/out\.json: the folder nowhere does not exist", quiet=True)
row(OUTPUTS_FIRST, "run_heatmaps_missing_folder", LARGE_RUN + ["--heatmaps", "nowhere/h"], 2,
    r"--heatmaps nowhere/h \(nowhere/h-run\.json\): the folder nowhere does not exist", quiet=True)
row(OUTPUTS_FIRST, "run_trace_missing_folder", LARGE_RUN + ["--trace", "nowhere/t.fst"], 2,
    r"--trace nowhere/t\.fst: the folder nowhere does not exist", quiet=True)
row(OUTPUTS_FIRST, "run_trace_directory", LARGE_RUN + ["--trace", "t.fst"], 2, r"--trace t\.fst: is a directory",
    directory("t.fst"), quiet=True)
row(OUTPUTS_FIRST, "noc_trace_missing_folder", ["noc", "--trace", "nowhere/n.fst"], 2,
    r"--trace nowhere/n\.fst: the folder nowhere does not exist", quiet=True)
row(OUTPUTS_FIRST, "noc_json_missing_folder", ["noc", "--mesh", "16x16", "--json", "nowhere/n.json"], 2,
    r"--json nowhere/n\.json: the folder nowhere does not exist", quiet=True)
row(OUTPUTS_FIRST, "compare_plots_missing_folder", ["compare", "--model", "llama3-8b", "--plots", "nowhere/c"], 2,
    r"--plots nowhere/c \(nowhere/c-compare\.json\): the folder nowhere does not exist", quiet=True)
row(OUTPUTS_FIRST, "tile_json_missing_folder", ["tile", "prog.s", "--json", "nowhere/t.json"], 2,
    r"--json nowhere/t\.json: the folder nowhere does not exist", program, quiet=True)
row(OUTPUTS_FIRST, "asm_output_missing_folder", ["asm", "prog.s", "-o", "nowhere/p.bin"], 2,
    r"-o nowhere/p\.bin: the folder nowhere does not exist", program, quiet=True)
row(OUTPUTS_FIRST, "place_png_missing_folder", ["place", "--model", "llama3.2-1b", "--png", "nowhere/p.png"], 2,
    r"--png nowhere/p\.png( \(nowhere/p\.png\.json\))?: the folder nowhere does not exist", quiet=True)
row(OUTPUTS_FIRST, "json_empty_name", ["gpu", "--kernel", "gemm", "--m", "8", "--n", "8", "--k", "8", "--json", ""], 2,
    r"--json: the file name is empty", quiet=True)

# -- Reading files: the file named, and why.
row(READING, "asm_unreadable", ["asm", "u.s"], 2, r"u\.s: cannot read the file: ", unreadable)
row(READING, "asm_unreadable_include", ["asm", "main.s"], 2,
    r"main\.s:1:10: error: include file \"u\.s\": .*u\.s: cannot read the file", unreadable_include)
row(READING, "asm_no_read_permission", ["asm", "locked.s"], 2, r"locked\.s: cannot open the file: Permission denied",
    no_read_permission, root_skip=True)
row(READING, "asm_directory", ["asm", "d.s"], 2, r"d\.s: is a directory, not a file", directory("d.s"))
row(READING, "asm_empty_name", ["asm", ""], 2, r"file: the file name is empty")
row(READING, "disasm_directory", ["disasm", "d.bin"], 2, r"d\.bin: is a directory, not a file", directory("d.bin"))
row(READING, "tile_directory", ["tile", "d.bin"], 2, r"d\.bin: is a directory, not a file", directory("d.bin"))
row(READING, "tile_missing", ["tile", "nowhere.bin"], 2, r"^wafersim: error: nowhere\.bin: cannot open")
row(READING, "config_directory", ["config", "--config", "d.toml"], 2, r"d\.toml: is a directory, not a file",
    directory("d.toml"))
row(READING, "run_config_directory", TINY_GEMV + ["--config", "d.toml"], 2, r"d\.toml: is a directory, not a file",
    directory("d.toml"), quiet=True)
row(READING, "workload_directory", ["workload", "--config", "d.toml"], 2, r"d\.toml: is a directory, not a file",
    directory("d.toml"))
row(READING, "compare_layer_cycles_directory", ["compare", "--model", "llama3-8b", "--layer-cycles", "d.json"], 2,
    r"--layer-cycles d\.json: is a directory, not a file", directory("d.json"))
row(READING, "compare_wafer_config_missing", ["compare", "--wafer-config", "nowhere.toml"], 2,
    r"^wafersim: error: nowhere\.toml: cannot open the file")
row(READING, "place_wafer_config_empty_name", ["place", "--wafer-config", ""], 2,
    r"--wafer-config: the file name is empty")
row(READING, "control_bytes_escaped", ["asm", "bad\x01\x1b[31mname\x7f.s"], 2,
    r"bad\\x01\\x1b\[31mname\\x7f\.s: cannot open the file: No such file")
row(READING, "control_bytes_in_flag", ["noc", "--traffic", "zig\x1b[2Jzag"], 2,
    r"--traffic zig\\x1b\[2Jzag: unknown pattern")

# -- Unsigned flags refuse negatives and non-integers (they wrapped: noc --cycles -5 ran for
# ever), in every subcommand that has them; counts refuse what is not a count.
row(UNSIGNED, "noc_cycles_negative", ["noc", "--cycles", "-5", "--mesh", "2x2"], 2,
    r"^wafersim: error: --cycles: '-5' is not a whole number of 0 or more")
row(UNSIGNED, "noc_warmup_negative", ["noc", "--warmup", "-1", "--mesh", "2x2"], 2,
    r"^wafersim: error: --warmup: '-1' is not a whole number of 0 or more")
row(UNSIGNED, "noc_seed_negative", ["noc", "--seed", "-1", "--mesh", "2x2"], 2,
    r"^wafersim: error: --seed: '-1' is not a whole number of 0 or more")
row(UNSIGNED, "noc_drain_fraction", ["noc", "--drain", "2.5", "--mesh", "2x2"], 2,
    r"^wafersim: error: --drain: '2\.5' is not a whole number of 0 or more")
row(UNSIGNED, "noc_watchdog_exponent", ["noc", "--watchdog", "1e3", "--mesh", "2x2"], 2,
    r"^wafersim: error: --watchdog: '1e3' is not a whole number of 0 or more")
row(UNSIGNED, "noc_jobs_negative", ["noc", "--sweep", "0.1,0.2", "--jobs", "-2", "--mesh", "2x2"], 2,
    r"^wafersim: error: --jobs: '-2' is not a whole number of 0 or more")
row(UNSIGNED, "tile_cycles_negative", ["tile", "stream_dot.s", "--cycles", "-1"], 2,
    r"^wafersim: error: --cycles: '-1' is not a whole number of 0 or more", STREAM_DOT)
row(UNSIGNED, "run_seed_negative", TINY_GEMV + ["--seed", "-1"], 2,
    r"^wafersim: error: --seed: '-1' is not a whole number of 0 or more")
row(UNSIGNED, "run_max_cycles_exponent", TINY_GEMV + ["--max-cycles", "1e3"], 2,
    r"^wafersim: error: --max-cycles: '1e3' is not a whole number of 0 or more")
row(UNSIGNED, "run_watchdog_negative", TINY_GEMV + ["--watchdog", "-7"], 2,
    r"^wafersim: error: --watchdog: '-7' is not a whole number of 0 or more")
row(UNSIGNED, "run_m_negative", ["run", "--kernel", "gemv", "--m", "-8", "--n", "8"], 2,
    r"^wafersim: error: --m: -8 must be at least 1")
row(UNSIGNED, "run_threads_negative", TINY_GEMV + ["--tiles", "fast", "--threads", "-1"], 2,
    r"^wafersim: error: --threads -1: must be 1\.\.256")
row(UNSIGNED, "run_layers_negative", ["run", "--model", "llama3-8b", "--layers", "-1"], 2,
    r"^wafersim: error: --layers: -1 must be at least 1")
row(UNSIGNED, "gpu_seed_negative", ["gpu", "--kernel", "moe", "--seed", "-3"], 2,
    r"^wafersim: error: --seed: '-3' is not a whole number of 0 or more")
row(UNSIGNED, "gpu_n_negative", ["gpu", "--kernel", "gemm", "--m", "64", "--n", "-4", "--k", "64"], 2,
    r"^wafersim: error: --n -4: must be a positive integer")
row(UNSIGNED, "workload_batch_fraction", ["workload", "--batch", "2.5"], 2,
    r"^wafersim: error: --batch 2\.5: must be an integer")
row(UNSIGNED, "compare_wafers_fraction", ["compare", "--wafers", "1.5"], 2,
    r"^wafersim: error: --wafers 1\.5: not a whole number$")
row(UNSIGNED, "place_batch_fraction", ["place", "--model", "llama3.2-1b", "--batch", "1.5"], 2,
    r"^wafersim: error: --batch 1\.5: must be an integer")
# Beyond 64 bits: CLI11 read these as the largest value (--seed became 18446744073709551615).
row(UNSIGNED, "noc_seed_beyond_64_bits", ["noc", "--mesh", "2x2", "--seed", "99999999999999999999999"], 2,
    r"^wafersim: error: --seed 99999999999999999999999: outside the 64-bit range$", quiet=True)
row(UNSIGNED, "run_m_beyond_64_bits", ["run", "--kernel", "gemv", "--m", "-99999999999999999999", "--n", "8"], 2,
    r"^wafersim: error: --m -99999999999999999999: outside the 64-bit range$", quiet=True)
row(UNSIGNED, "noc_jobs_beyond_int", ["noc", "--sweep", "0.1", "--jobs", "99999999999"], 2,
    r"^wafersim: error: --jobs 99999999999: not in the range this flag takes$", quiet=True)
row(UNSIGNED, "compare_gpus_negative", ["compare", "--gpus", "-1"], 2,
    r"^wafersim: error: --gpus -1: must be a positive integer")

# -- Size and memory guards: sides capped as in the TOML, host memory estimated before anything
# is allocated (never std::bad_alloc), runs of weeks refused with their estimate.
row(SIZE, "run_mesh_cap", ["run", "--mesh", "5000x2", "--tiles", "fast"], 2,
    r"^wafersim: error: --mesh 5000x2: each side must be 1\.\.2048")
row(SIZE, "run_mesh_huge", ["run", "--mesh", "1048576x1", "--tiles", "fast"], 2,
    r"^wafersim: error: --mesh 1048576x1: each side must be 1\.\.2048")
row(SIZE, "run_rtl_tiles", ["run", "--mesh", "100x100"], 2,
    r"^wafersim: error: mesh\.width x mesh\.height: 10000 RTL tiles exceed the 4096 a fabric holds")
row(SIZE, "run_host_memory", ["run", "--kernel", "gemv", "--m", "300000", "--n", "300000", "--mesh", "2048x2048",
                              "--tiles", "fast"], 2,
    r"^wafersim: error: gemv on a 2048x2048 mesh needs about [0-9.]+ TB of host memory \(4194304 fast tiles at about "
    r"8 KB; 9e\+10 data elements at about 16 bytes\), and this machine has [0-9.]+ [KMGT]B available")
row(SIZE, "noc_mesh_memory", ["noc", "--mesh", "1000x1000"], 2,
    r"^wafersim: error: --mesh 1000x1000: 1000000 fast routers would need about")
row(SIZE, "noc_rtl_mesh_memory", ["noc", "--routers", "rtl", "--mesh", "300x300"], 2,
    r"^wafersim: error: --mesh 300x300: 90000 RTL routers would need about .* \(--routers fast takes less\)")
row(SIZE, "noc_years", ["noc", "--routers", "rtl", "--mesh", "256x256", "--cycles", "100000000"], 2,
    r"^wafersim: error: --cycles 100000000: 100000000 cycles on a 256x256 mesh of RTL routers would take about "
    r"[0-9]+ (days|years) .*refused")
# A sweep's rates are counted before any is made (0:1:1e-9 was killed out of memory after 36 s).
row(SIZE, "noc_sweep_points", ["noc", "--sweep", "0:1:1e-9"], 2,
    r"^wafersim: error: --sweep 0:1:1e-9: 1000000000 rates; a sweep takes at most 10000")

# -- A doomed run says so at the start: the mapping's own estimate above --max-cycles.
row(DOOMED, "run_estimate_over_limit", ["run", "--kernel", "gemv", "--m", "128", "--n", "128", "--mesh", "2x2",
                                        "--tiles", "fast", "--max-cycles", "1000"], 2,
    r"^wafersim: error: gemv: the mapping's estimate is [0-9]+ cycles, above --max-cycles 1000: .*\(--max-cycles "
    r"[0-9]+\)", quiet=True)

# -- Figures in 64 bits: 10 GB is not "1410465444 bytes".
row(WIDE, "run_bytes_64bit", ["run", "--kernel", "gemv", "--m", "100000", "--n", "100000", "--mesh", "2x2",
                              "--tiles", "fast"], 2,
    r"^wafersim: error: gemv 100000x100000 does not fit a 2x2 region: tile \(0,0\) needs 10000400036 bytes of SRAM")

# -- One exit-code convention: a failed check 1, bad input 2, in `tile` as in `run`.
row(EXIT, "tile_stuck", ["tile", "stream_dot.s"], 1,
    r"^wafersim: error: stream_dot\.s: stuck at pc 10: nothing retired for 10000 cycles", STREAM_DOT)
row(EXIT, "tile_cycle_limit", ["tile", "stream_dot.s"] + FEED + ["--cycles", "5"], 1,
    r"^wafersim: error: stream_dot\.s: stopped at the cycle limit \(--cycles 5\) at pc [0-9]+", STREAM_DOT)
row(EXIT, "tile_illegal", ["tile", "misaligned.s"], 1,
    r"^wafersim: error: misaligned\.s: halted with error 2 \(misaligned access\) at pc",
    copied("testbench/cli/data/misaligned.s"))
row(EXIT, "tile_cycles_zero", ["tile", "stream_dot.s", "--cycles", "0"], 2,
    r"^wafersim: error: --cycles: 0 must be at least 1", STREAM_DOT)
row(EXIT, "asm_bad_source", ["asm", "bad.s"], 2, r"^bad\.s:2:9: error: 'addi' takes 3 operands",
    copied("testbench/cli/data/bad.s"))
row(EXIT, "run_cycle_limit", ["run", "--kernel", "chain", "--n", "40", "--d-model", "30", "--m", "26", "--mesh", "16x16",
                              "--tiles", "fast", "--max-cycles", "50"], 1,
    r"^wafersim: error: stopped at the cycle limit \(50 cycles\)")

# -- One vocabulary: number formats by the same names (fp32, f32 and binary32 alike) and the
# same refusal everywhere.
row(VOCABULARY, "run_dtype", TINY_GEMV + ["--dtype", "bf16"], 2, r"^wafersim: error: --dtype bf16: must be one of fp32, fp16")
row(VOCABULARY, "run_dtype_unknown", TINY_GEMV + ["--dtype", "f8"], 2,
    r"^wafersim: error: --dtype f8: must be one of fp32, fp16")
row(VOCABULARY, "gpu_dtype", ["gpu", "--kernel", "gemm", "--m", "64", "--n", "64", "--k", "64", "--dtype", "fp64"], 2,
    r"^wafersim: error: --dtype fp64: must be one of fp32, tf32, bf16, fp16, fp8")
row(VOCABULARY, "workload_dtype", ["workload", "--dtype", "fp64"], 2,
    r"^wafersim: error: --dtype fp64: must be one of fp32, bf16, fp16, fp8")
row(VOCABULARY, "compare_dtype", ["compare", "--dtype", "fp8"], 2,
    r"^wafersim: error: --dtype fp8: the wafer's tiles compute in binary16 and binary32 only")

# -- Workload, compare and gpu consistency: a flag changes the preset it names; what does not
# fit says so (exit 1 with the figures, or refused before the model runs).
row(CONSISTENT, "workload_kv_heads", ["workload", "--model", "llama3-8b", "--kv-heads", "5"], 2,
    r"^wafersim: error: --kv-heads 5: must divide the heads \(32\)")
row(CONSISTENT, "compare_wafers_too_many", ["compare", "--wafers", "1000000"], 2,
    r"^wafersim: error: --wafers 1000000: at most 34, one wafer per stage of the layer pipeline")
row(CONSISTENT, "compare_wafers_too_few", ["compare", "--model", "llama3-70b", "--phase", "decode", "--context", "4096",
                                           "--wafers", "2"], 2,
    r"^wafersim: error: --wafers 2: the workload needs 4 wafers")
row(CONSISTENT, "compare_gpu_does_not_fit", ["compare", "--model", "llama3-70b", "--gpus", "1"], 1,
    r"^wafersim: error: the GPU node \(h100-sxm, 1 GPU\) does not hold it: 141\.4 GB needed, 85\.9 GB of HBM")
row(CONSISTENT, "gpu_hbm", ["gpu", "--kernel", "gemm", "--m", "2000000000", "--n", "2000000000", "--k", "2000000000"], 2,
    r"^wafersim: error: gemm: its operands and results need 2\.4e\+10 GB of HBM on the GPU, and one h100-sxm GPU has "
    r"85\.9 GB: it does not fit")

# -- Flags that do not apply are refused, not ignored.
row(NOT_APPLY, "run_fit_gemv", ["run", "--kernel", "gemv", "--m", "16", "--n", "16", "--fit"], 2,
    r"^wafersim: error: --fit: gemv does not take it \(its flags: --m --n --dtype --region\)")
row(NOT_APPLY, "run_k_gemv", ["run", "--kernel", "gemv", "--m", "16", "--n", "16", "--k", "4"], 2,
    r"^wafersim: error: --k: gemv does not take it")
row(NOT_APPLY, "run_threads_rtl", ["run", "--kernel", "gemv", "--m", "16", "--n", "16", "--mesh", "2x2", "--tiles", "rtl",
                                   "--threads", "2"], 2,
    r"^wafersim: error: --threads 2: only fast tiles on the plain loop step on several threads \(these are RTL tiles\)")
row(NOT_APPLY, "run_rtl_region_fast", ["run", "--tiles", "fast", "--rtl-region", "0,0:1,1"], 2,
    r"^wafersim: error: --rtl-region: only with --tiles mixed")
row(NOT_APPLY, "run_wse3_rtl", ["run", "--preset", "wse3", "--m", "16", "--n", "16"], 2,
    r"^wafersim: error: router\.colors: 24 exceeds the RTL tile's 8 .*--tiles fast")
row(NOT_APPLY, "noc_rate_with_sweep", ["noc", "--rate", "0.3", "--sweep", "0.1,0.2"], 2,
    r"^wafersim: error: --rate 0\.3: --sweep 0\.1,0\.2 sets the rates; give one or the other")
row(NOT_APPLY, "noc_jobs_without_sweep", ["noc", "--jobs", "2"], 2, r"^wafersim: error: --jobs: applies to --sweep only")
row(NOT_APPLY, "noc_trace_fast", ["noc", "--mesh", "2x2", "--trace", "t.fst"], 2,
    r"^wafersim: error: --trace: waves come from the RTL routers; add --routers rtl")
row(NOT_APPLY, "gpu_heads_gemm", ["gpu", "--kernel", "gemm", "--m", "64", "--n", "64", "--k", "64", "--heads", "4"], 2,
    r"^wafersim: error: --heads: gemm does not take it \(its flags: --m --n --k \[--dtype --tile BMxBNxBK --split-k S "
    r"--gpus N\]\)", quiet=True)
row(NOT_APPLY, "gpu_dtype_copy", ["gpu", "--kernel", "copy", "--bytes", "1GiB", "--dtype", "fp16"], 2,
    r"^wafersim: error: --dtype: copy does not take it \(its flags: --bytes \[--gpus N\]\)", quiet=True)
row(NOT_APPLY, "noc_hotspot_fraction", ["noc", "--hotspot-fraction", "0.5"], 2,
    r"^wafersim: error: --hotspot-fraction: applies to --traffic hotspot only")


def run_row(ws, work, name):
    cls, setup, args, expected, pattern, opt = ROWS[name]
    if opt.get("root_skip") and os.geteuid() == 0:
        print(f"{name}: skipped (root reads any file)")
        return True
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    setup(d, ws)
    exe, record = (ws, None) if "binary" not in opt else relocated(ws, d + "-bin", opt["binary"] == "fail")
    before = snapshot(d)
    t0 = time.monotonic()
    p = subprocess.run([exe] + args, cwd=d, capture_output=True, timeout=120)
    took = time.monotonic() - t0
    err = p.stderr.decode("utf-8", "replace")
    problems = []
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
        elif name.endswith("_injection") and json.load(open(record))[2] != INJECTION:
            problems.append(f"the prefix did not arrive as one argument: {json.load(open(record))}")
    print(f"{name} ({cls}): wafersim {' '.join(map(repr, args))}\n  exit {p.returncode} in {took:.2f} s, "
          f"stderr {err!r}")
    for msg in problems:
        print(f"FAIL {name}: {msg}")
    if not problems:
        shutil.rmtree(d, ignore_errors=True)
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
    if sys.argv[1:] == ["--names"]:
        print("\n".join(list(ROWS) + ["plots_beside_binary"]))
        return
    if sys.argv[1:] == ["--classes"]:
        counts = {}
        for cls, *_ in ROWS.values():
            counts[cls] = counts.get(cls, 0) + 1
        for cls, n in counts.items():
            print(f"{n:3}  {cls}")
        print(f"{len(ROWS):3}  rows in {len(counts)} classes")
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    ws, work, name = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
    os.makedirs(work, exist_ok=True)
    if name == "plots_beside_binary":
        sys.exit(0 if plots_beside_binary(ws, work) else 1)
    names = list(ROWS) if name == "all" else [name]
    for n in names:
        if n not in ROWS:
            sys.exit(f"unknown row {n}; rows: {', '.join(ROWS)}")
    failed = [n for n in names if not run_row(ws, work, n)]
    if len(names) > 1:
        print(f"{len(names) - len(failed)} of {len(names)} rows pass" + (f"; failing: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
