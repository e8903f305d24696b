#!/usr/bin/env bash
# The main job, from a fresh clone: build the provider and relcheck, install the provider where
# Terraform finds it offline, `terraform init` + `terraform apply` the quickstart in
# examples/quickstart (rules go to examples/quickstart/reliability-rules, no server needed),
# then run `relcheck check examples/` and show what it finds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
source scripts/terraform-env.sh

echo "==> building terraform-provider-reliability and relcheck (release)"
cargo build --release --quiet -p terraform-provider-reliability -p relcheck
release="${CARGO_TARGET_DIR:-target}/release"

version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
plugins="${TF_PLUGINS_DIR:-$HOME/.terraform.d/plugins}"
dest="$plugins/registry.terraform.io/reliability-as-code/reliability/$version/${os}_$arch"
mkdir -p "$dest"
install -m 0755 "$release/terraform-provider-reliability" "$dest/terraform-provider-reliability_v$version"
echo "==> installed the provider into $dest"

# A CLI config of our own, so that the run is offline and ignores any other provider settings.
mkdir -p .local
cat > .local/quickstart.tfrc <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$plugins"
    include = ["registry.terraform.io/reliability-as-code/*"]
  }
}
disable_checkpoint = true
TFRC
export TF_CLI_CONFIG_FILE="$root/.local/quickstart.tfrc" TF_IN_AUTOMATION=1

cd examples/quickstart
rm -f .terraform.lock.hcl   # the binary was just rebuilt: its checksum may have changed
echo "==> terraform init (offline)"
terraform init -input=false -no-color | grep -E "Installing|Installed|successfully initialized" || true
echo "==> terraform apply"
terraform apply -input=false -auto-approve -no-color
echo "==> rule files written:"
ls -1 reliability-rules
echo "==> terraform plan (expect no changes)"
terraform plan -input=false -no-color -detailed-exitcode | tail -3
cd "$root"

echo "==> relcheck check examples/"
status=0
"$release/relcheck" check examples/ || status=$?
echo "==> relcheck exit status: $status (0 = clean, 1 = findings at or above --fail-on, 2 = unreadable input)"
[ "$status" -le 1 ]
