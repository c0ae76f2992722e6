#!/usr/bin/env bash
# Synthesizes mem_macro_probe and checks that its two memory macros are reported as black
# boxes with their bits (4,096 x 32 + 64 x 8 = 131,584), their bodies not synthesized: the
# only flip-flops are the wrapper's 40 output registers.
# Usage: check_mem_macro_synth.sh SOURCE_DIR   (exit 77: synthesis skipped)
set -uo pipefail
out=$("$1/scripts/synth" mem_macro_probe)
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || exit "$rc"
grep -q '^mem_macro_probe: [0-9]* cells (40 flip-flops), 131584 memory-macro bits in 2 macros, 0 yosys warnings$' \
  <<<"$out" || { echo "check_mem_macro_synth: the macros' bits are not as expected"; exit 1; }
