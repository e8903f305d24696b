#!/usr/bin/env bash
# relcheck vs checkov benchmark: speed, peak memory and parse-vs-end-to-end ratios.
#
# One command (from the repository root):
#
#   bench/relcheck-vs-checkov.sh [--files N] [--checkov-files M] [--runs K] [--update-docs] [DIR...]
#
#   --files N          size of the relcheck-only scale corpus (default 10000 .tf files;
#                      0 to skip); relcheck and the raw parse baseline are timed on it
#   --checkov-files M  size of the corpus both tools run on, for the ratios (default 2000;
#                      checkov needs ~25 s per 1000 files here, so M=2000 with K=3 is
#                      ~3 minutes; 0 to skip)
#   --runs K           timed runs per tool and tree (default 3); runs alternate between
#                      the tools, flipping the order every round; medians are reported
#   --update-docs      also replace the results section of docs/benchmarks.md
#   DIR...             extra trees (e.g. checkouts of public module repositories) run
#                      with both tools, like the generated corpus
#
# Example with real code (never commit the fetched code):
#   git clone --depth 1 https://github.com/terraform-aws-modules/terraform-aws-rds /tmp/realcode/rds
#   git clone --depth 1 https://github.com/terraform-aws-modules/terraform-aws-eks /tmp/realcode/eks
#   bench/relcheck-vs-checkov.sh /tmp/realcode/rds /tmp/realcode/eks
#
# What it does:
#   1. cargo build --release -p relcheck --bin relcheck --example parse_throughput
#      (never cargo clean: the target directory is shared)
#   2. creates .local/bench-venv with checkov from PyPI if missing (CHECKOV_SPEC,
#      default checkov==3.3.30; .local/ is git-ignored)
#   3. installs the Debian package `time` if /usr/bin/time is missing
#   4. generates the corpora with bench/gen_corpus.py (deterministic, seeded) into
#      .local/bench-corpus/N-<generator hash> (reused when present)
#   5. bench/measure.py times alternating runs of
#        relcheck check --format json --fail-on never DIR
#        checkov -d DIR --framework terraform --quiet --compact -o json --skip-download
#        target/release/examples/parse_throughput <every .tf file of DIR>
#      (wall time by perf_counter, peak RSS and CPU time by /usr/bin/time -f "%e %M %U %S"),
#      checks that checkov really scanned (passed+failed > 0 in its JSON summary),
#      and prints a markdown table: medians of wall time and peak RSS, the ratios
#      checkov/relcheck wall (target >= 200x), relcheck/checkov peak RSS (target
#      <= 0.10) and relcheck wall / raw parse time (target <= 2x), with the load
#      average sampled around every run and the machine description.
#   The report is also written to .local/bench-results/last.md.
#
# The machine is shared (2 cores, other builds, a fuzzer): read the ratios, not the
# absolute times, and look at the load average column.
set -euo pipefail

FILES=10000
CK_FILES=2000
RUNS=3
UPDATE_DOCS=0
DIRS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --files) FILES="$2"; shift 2 ;;
    --checkov-files) CK_FILES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --update-docs) UPDATE_DOCS=1; shift ;;
    -h|--help) awk 'NR > 1 && /^set -euo/ { exit } NR > 1' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) DIRS+=("$(cd "$1" && pwd)"); shift ;;
  esac
done
COMMAND="bench/relcheck-vs-checkov.sh --files $FILES --checkov-files $CK_FILES --runs $RUNS${DIRS[*]:+ ${DIRS[*]}}"

cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.local/bench-venv"
CHECKOV_SPEC=${CHECKOV_SPEC:-checkov==3.3.30}

# Start the (big) checkov install in the background while cargo builds.
pip_pid=""
if [ ! -x "$VENV/bin/checkov" ]; then
  echo "installing $CHECKOV_SPEC into $VENV (log: $ROOT/.local/bench-venv-install.log)" >&2
  mkdir -p "$ROOT/.local"
  ( python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "$CHECKOV_SPEC" ) \
    >"$ROOT/.local/bench-venv-install.log" 2>&1 &
  pip_pid=$!
fi

if [ ! -x /usr/bin/time ]; then
  echo "installing the Debian package time" >&2
  apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

cargo build --release -p relcheck --bin relcheck --example parse_throughput >&2
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
RELCHECK="$TARGET_DIR/release/relcheck"
PARSE="$TARGET_DIR/release/examples/parse_throughput"

if [ -n "$pip_pid" ]; then
  wait "$pip_pid" || { echo "checkov install failed, see .local/bench-venv-install.log" >&2; exit 1; }
fi

corpus() { # N -> directory (keyed by the generator's hash, so an edited generator regenerates)
  local dir="$ROOT/.local/bench-corpus/$1-$(sha1sum bench/gen_corpus.py | cut -c1-10)"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    python3 bench/gen_corpus.py "$1" "$dir" >&2
    touch "$dir/.done"
  fi
  echo "$dir"
}

ARGS=(--relcheck "$RELCHECK" --parse "$PARSE" --checkov "$VENV/bin/checkov" --runs "$RUNS"
      --out "$ROOT/.local/bench-results/last.md" --command "$COMMAND")
[ "$CK_FILES" -gt 0 ] && ARGS+=(--ratio-corpus "$(corpus "$CK_FILES")")
[ "$FILES" -gt 0 ] && ARGS+=(--scale-corpus "$(corpus "$FILES")")
mkdir -p "$ROOT/.local/bench-results"
python3 bench/measure.py "${ARGS[@]}" "${DIRS[@]}"

if [ "$UPDATE_DOCS" = 1 ]; then
  python3 - "$ROOT/docs/benchmarks.md" "$ROOT/.local/bench-results/last.md" <<'EOF'
import sys
doc, last = sys.argv[1], open(sys.argv[2]).read()
text = open(doc).read()
b, e = "<!-- bench:begin -->", "<!-- bench:end -->"
i, j = text.index(b) + len(b), text.index(e)
open(doc, "w").write(text[:i] + "\n" + last + text[j:])
print(f"updated {doc}", file=sys.stderr)
EOF
fi
