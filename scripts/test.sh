#!/usr/bin/env bash
# Runs every test: installs what is missing (protoc, Terraform, Prometheus), checks formatting
# and lints, then runs the whole workspace's tests (unit, snapshot, promtool, real Terraform,
# real Prometheus, relcheck end to end).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh --with-prometheus
source scripts/terraform-env.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --no-fail-fast
