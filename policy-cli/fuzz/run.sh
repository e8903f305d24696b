#!/usr/bin/env bash
# Fuzzes relcheck's parse + evaluate + rules + renderers (target fuzz_targets/check.rs).
#
#   policy-cli/fuzz/run.sh [SECONDS] [extra libFuzzer flags...]     (default 60)
#
# The long run (30 minutes, one job, keeps going after a crash and saves every one):
#   policy-cli/fuzz/run.sh 1800 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
# CI smoke run: ~70 s when the fuzz build is cached; cold ~3-4 min on 2 cores (build
# 1.5-3 min), plus ~1 min for `cargo install cargo-fuzz --locked` on a fresh machine:
#   policy-cli/fuzz/run.sh 60
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). There is no nightly toolchain
# here: RUSTC_BOOTSTRAP=1 lets stable accept cargo-fuzz's -Z flags. No sanitizer (safe
# Rust; stack overflows, panics, timeouts and OOMs are still caught); debug assertions on,
# so integer overflow panics as it does in `cargo test`.
#
# Seeds: every file under policy-cli/tests/fixtures (.tf, .tf.json, .tfvars) on its own, and
# every fixture directory as one multi-file input (`#@@path` marker lines, see check.rs),
# plus the regression inputs in policy-cli/tests/fixtures/fuzz. Crashes land in
# fuzz/artifacts/check/; minimise one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz tmin -s none -a check fuzz/artifacts/check/crash-...
# and add it to policy-cli/tests/fixtures/fuzz/ (tests/fuzz_regressions.rs runs them all).
set -euo pipefail
secs="${1:-60}"
shift || true
here="$(cd "$(dirname "$0")" && pwd)"
cli="$(dirname "$here")"
fixtures="$cli/tests/fixtures"
corpus="$here/corpus/check"
seeds="$here/corpus/seeds"
mkdir -p "$corpus" "$seeds" "$here/artifacts/check"

# Single files.
find "$fixtures" -type f \( -name '*.tf' -o -name '*.tf.json' -o -name '*.tfvars' \) | while read -r f; do
  cp "$f" "$seeds/$(echo "${f#"$fixtures"/}" | tr '/' '_')"
done
# Whole directories (each directory that holds a .tf file, with everything below it).
find "$fixtures" -type f \( -name '*.tf' -o -name '*.tf.json' \) -printf '%h\n' | sort -u | while read -r d; do
  out="$seeds/dir_$(echo "${d#"$fixtures"/}" | tr '/' '_')"
  : >"$out"
  (cd "$d" && find . -type f \( -name '*.tf' -o -name '*.tf.json' -o -name '*.tfvars' -o -name '*.json' \) \
    | sed 's|^\./||' | sed 's|^dot-terraform/|.terraform/|' | sort) | while read -r rel; do
    src="$d/$rel"; [ -f "$src" ] || src="$d/${rel/#.terraform\//dot-terraform/}"
    printf '#@@%s\n' "$rel" >>"$out"
    cat "$src" >>"$out"
    printf '\n' >>"$out"
  done
done
if [ -d "$fixtures/fuzz" ]; then cp "$fixtures"/fuzz/*.fuzz "$seeds"/ 2>/dev/null || true; fi

export RUSTC_BOOTSTRAP=1
export TMPDIR="${FUZZ_TMPDIR:-/dev/shm}"
cd "$cli"
cargo fuzz build -s none -a check
exec cargo fuzz run -s none -a check "$corpus" "$seeds" -- \
  -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -dict="$here/hcl.dict" -print_final_stats=1 "$@"
