#!/usr/bin/env bash
# Verilates the yosys netlist of fp32_fma and compares it with the golden arithmetic.
# Usage: check_fma_netlist.sh SOURCE_DIR BUILD_DIR   (exit 77: no netlist, synthesis skipped)
set -euo pipefail
src="$1"; build="$2"
netlist="$build/synth/fp32_fma.netlist.v"
[ -f "$netlist" ] || { echo "no netlist (synthesis skipped)"; exit 77; }
work="$build/synth/fma_netlist_sim"
rm -rf "$work"; mkdir -p "$work"
verilator --cc --exe --build -j 2 -O1 -Wno-fatal -Wno-lint -Wno-style --top-module fp32_fma \
  -Mdir "$work" -CFLAGS "-std=c++20 -I$src/firmware" \
  "$netlist" "$src/testbench/rtl/fma_netlist_main.cpp" "$src/firmware/isa/fp.cpp" >"$work/build.log" 2>&1 \
  || { tail -20 "$work/build.log"; exit 1; }
"$work/Vfp32_fma"
