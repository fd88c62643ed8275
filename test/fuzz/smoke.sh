#!/usr/bin/env bash
#===- test/fuzz/smoke.sh - bounded fuzz run of each target ---------------===//
#
# Usage: smoke.sh BIN_DIR WORK_DIR TARGET...   (check-tessera-fuzz runs it)
# Runs each <target>_fuzzer over a copy of its seed corpus (corpus/<target>)
# for FUZZ_SMOKE_SECONDS (default 8) with a fixed seed. A crash, leak,
# sanitizer report, timeout or out-of-memory exits non-zero; the reproducer
# is left in WORK_DIR/<target>/artifacts/ and the log printed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$1 WORK=$2
shift 2
SECONDS_PER_TARGET=${FUZZ_SMOKE_SECONDS:-8}
# UB reports abort (-fno-sanitize-recover); print where they happened.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
status=0
for fuzzer in "$@"; do
  target=${fuzzer%_fuzzer}
  dir=$WORK/$target
  rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/artifacts"
  dict=()
  [ -f "$HERE/$target.dict" ] && dict=(-dict="$HERE/$target.dict")
  start=$(date +%s%N)
  "$BIN/$fuzzer" "$dir/corpus" "$HERE/corpus/$target" "${dict[@]}" \
    -seed=1 -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
    >"$dir/log" 2>&1
  rc=$?
  elapsed_ms=$((($(date +%s%N) - start) / 1000000))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$dir/log" | tail -1)
  if [ $rc -eq 0 ]; then
    printf 'PASS %-12s %8s runs %3d.%01ds  %s\n' "$target" "${runs:-?}" \
      $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100)) "$cov"
  else
    printf 'FAIL %-20s exit %d; reproducer in %s\n' "$target" $rc "$dir/artifacts"
    tail -60 "$dir/log"
    status=1
  fi
done
exit $status
