#!/usr/bin/env bash
# Builds the provider's release files in the layout the Terraform Registry and private
# registries expect, plus a provider network mirror tree that any static HTTPS server serves
# as it is.
#
#   scripts/release.sh [--unsigned] [--no-build] OUT_DIR [RUST_TARGET...]
#
# RUST_TARGET defaults to the host (x86_64-unknown-linux-gnu here → linux_amd64). Other
# targets (aarch64-unknown-linux-gnu, x86_64-apple-darwin, aarch64-apple-darwin,
# x86_64-pc-windows-msvc, ...) are built with `cargo build --target`; their toolchains must
# be installed (`rustup target add`), so a release job usually builds each on its own runner.
#
# For version V (from Cargo.toml) it writes into OUT_DIR:
#   terraform-provider-reliability_V_<os>_<arch>.zip   holding terraform-provider-reliability_vV
#   terraform-provider-reliability_V_manifest.json     {"version":1,"metadata":{"protocol_versions":["6.0"]}}
#   terraform-provider-reliability_V_SHA256SUMS        every archive and the manifest
#   terraform-provider-reliability_V_SHA256SUMS.sig    detached binary GPG signature of it
#   mirror/registry.terraform.io/reliability-as-code/reliability/
#     index.json, V.json (archives with their h1: and zh: hashes) and the archives
# The checksums, the signature and the mirror cover every archive of version V in OUT_DIR,
# so archives built on other runners can be gathered into OUT_DIR and indexed once with
# `--no-build`. index.json lists every version whose V.json is in the mirror directory:
# re-using one mirror directory across releases keeps the older versions.
#
# Signing (required unless --unsigned):
#   GPG_FINGERPRINT   fingerprint (or key id) of the secret key to sign with (required)
#   GNUPGHOME         keyring holding it (gpg's default ~/.gnupg otherwise)
#   GPG_PASSPHRASE    its passphrase, if it has one (fed to gpg on a pipe, never on the command line)
# The Terraform Registry and HCP Terraform accept RSA or DSA keys; upload the public half
# (`gpg --armor --export "$GPG_FINGERPRINT"`) to the registry.
# --unsigned skips the .sig (for the per-runner jobs of a multi-runner release, or a
# private network mirror, which Terraform verifies by the h1: hashes only); it says so.
#
# Needs cargo, zip, gpg, python3 and sha256sum or shasum (scripts/setup.sh installs zip and
# gnupg; on macOS runners only protobuf is missing: brew install protobuf).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
  sed -n '6p' "${BASH_SOURCE[0]}" | sed 's/^#   /usage: /' >&2
  exit 2
}
die() { echo "release.sh: $*" >&2; exit 1; }

sign=1
build=1
out=""
targets=()
for arg in "$@"; do
  case "$arg" in
    --unsigned) sign=0 ;;
    --no-build) build=0 ;;
    -h|--help) usage ;;
    -*) echo "release.sh: unknown option $arg" >&2; usage ;;
    *) if [ -z "$out" ]; then out="$arg"; else targets+=("$arg"); fi ;;
  esac
done
[ -n "$out" ] || usage
if [ "$build" = 0 ] && [ ${#targets[@]} -gt 0 ]; then
  die "--no-build indexes the archives already in $out; it takes no targets"
fi

tools=(zip python3)
[ "$build" = 0 ] || tools+=(cargo rustc)
# sha256sum (GNU) or shasum -a 256 (macOS): the same "<hash>  <file>" lines.
if command -v sha256sum >/dev/null; then sha256=(sha256sum); else sha256=(shasum -a 256); tools+=(shasum); fi
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || die "$tool is not installed (scripts/setup.sh installs zip and gnupg)"
done
if [ "$sign" = 1 ]; then
  command -v gpg >/dev/null || die "gpg is not installed (scripts/setup.sh installs gnupg)"
  [ -n "${GPG_FINGERPRINT:-}" ] || die "GPG_FINGERPRINT is not set: set it to the signing key's fingerprint (and GNUPGHOME to its keyring), or pass --unsigned to skip the SHA256SUMS signature"
  gpg --batch --list-secret-keys "$GPG_FINGERPRINT" >/dev/null 2>&1 \
    || die "no secret key $GPG_FINGERPRINT in ${GNUPGHOME:-~/.gnupg} (GNUPGHOME)"
fi

name=terraform-provider-reliability
namespace=reliability-as-code
type=reliability
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)"
[ -n "$version" ] || die "no version in [workspace.package] of $root/Cargo.toml"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
# Archives are reproducible: fixed file time (the commit's, or SOURCE_DATE_EPOCH), mode and
# no extra zip fields, so the same binary always gives the same archive (and zh: hash).
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 315532800)}"

# Terraform's <os>_<arch> for a Rust target triple.
platform_of() {
  local os arch
  case "$1" in
    *-linux-*) os=linux ;;
    *-apple-darwin) os=darwin ;;
    *-windows-*) os=windows ;;
    *-freebsd) os=freebsd ;;
    *) die "unsupported target $1 (no Terraform platform name for it)" ;;
  esac
  case "$1" in
    x86_64-*) arch=amd64 ;;
    aarch64-*) arch=arm64 ;;
    i686-*|i586-*) arch=386 ;;
    arm-*|armv7-*) arch=arm ;;
    *) die "unsupported target $1 (no Terraform architecture name for it)" ;;
  esac
  echo "${os}_$arch"
}

if [ "$build" = 1 ]; then
  # Build as from a shell also when a cargo test runs this script: cargo sets variables such
  # as CARGO_MANIFEST_DIR for the processes it runs, and build scripts that track them (ring's)
  # would otherwise make every switch between a test run and a shell run a full rebuild.
  while read -r var; do
    case "$var" in
      CARGO_MANIFEST_*|CARGO_PKG_*|CARGO_CRATE_NAME|CARGO_BIN_*|CARGO_PRIMARY_PACKAGE|CARGO_TARGET_TMPDIR|CARGO_RUSTC_CURRENT_DIR)
        unset "$var" ;;
    esac
  done < <(compgen -e)
  host="$(rustc -vV | sed -n 's/^host: //p')"
  [ ${#targets[@]} -gt 0 ] || targets=("$host")
fi

for target in ${targets[@]+"${targets[@]}"}; do
  platform="$(platform_of "$target")"
  exe=""
  case "$platform" in windows_*) exe=".exe" ;; esac
  echo "==> building $name $version for $target ($platform)"
  if [ "$target" = "$host" ]; then
    # The host build without --target lands in target/release, as `cargo build --release` does.
    (cd "$root" && cargo build --release --locked --quiet -p "$name" --bin "$name")
    binary="$target_dir/release/$name$exe"
  else
    (cd "$root" && cargo build --release --locked --quiet -p "$name" --bin "$name" --target "$target")
    binary="$target_dir/$target/release/$name$exe"
  fi
  [ -f "$binary" ] || die "$binary is missing after the build"

  stage="$(mktemp -d)"
  install -m 0755 "$binary" "$stage/${name}_v$version$exe"
  python3 -c 'import os, sys; os.utime(sys.argv[1], (int(sys.argv[2]),) * 2)' \
    "$stage/${name}_v$version$exe" "$epoch"
  zipfile="${name}_${version}_$platform.zip"
  rm -f "$out/$zipfile.tmp"
  (cd "$stage" && TZ=UTC zip -q -X -9 "$out/$zipfile.tmp" "${name}_v$version$exe")
  mv -f "$out/$zipfile.tmp" "$out/$zipfile"
  rm -rf "$stage"
  echo "    $out/$zipfile"
done

shopt -s nullglob
archives=("$out/${name}_${version}_"*_*.zip)
shopt -u nullglob
[ ${#archives[@]} -gt 0 ] || die "no archives ${name}_${version}_<os>_<arch>.zip in $out"

# Atomic writes: every file goes to a temporary name in its directory, then is renamed.
write() { # write FILE (contents on stdin)
  cat >"$1.tmp" && mv -f "$1.tmp" "$1"
}

printf '{"version":1,"metadata":{"protocol_versions":["6.0"]}}\n' | write "$out/${name}_${version}_manifest.json"

sums="${name}_${version}_SHA256SUMS"
(cd "$out" && "${sha256[@]}" -- "${archives[@]##*/}" "${name}_${version}_manifest.json") | write "$out/$sums"

rm -f "$out/$sums.sig"
if [ "$sign" = 1 ]; then
  passphrase=()
  if [ -n "${GPG_PASSPHRASE:-}" ]; then
    passphrase=(--pinentry-mode loopback --passphrase-fd 0)
  fi
  printf '%s' "${GPG_PASSPHRASE:-}" | gpg --batch --yes --quiet ${passphrase[@]+"${passphrase[@]}"} \
    --local-user "$GPG_FINGERPRINT" --detach-sign --output "$out/$sums.sig.tmp" "$out/$sums"
  mv -f "$out/$sums.sig.tmp" "$out/$sums.sig"
  echo "==> signed $sums with $GPG_FINGERPRINT"
else
  echo "==> --unsigned: no $sums.sig written (the Terraform Registry requires one)"
fi

# The provider network mirror: BASE/HOSTNAME/NAMESPACE/TYPE/{index.json,V.json,archives}.
mirror="$out/mirror/registry.terraform.io/$namespace/$type"
mkdir -p "$mirror"
for zipfile in "${archives[@]}"; do
  cp -f "$zipfile" "$mirror/${zipfile##*/}.tmp"
  mv -f "$mirror/${zipfile##*/}.tmp" "$mirror/${zipfile##*/}"
done
# V.json: each archive with its h1: hash (golang.org/x/mod dirhash Hash1 over the files in
# the archive, which Terraform computes and must find in this list) and zh: (sha256 of the
# zip file itself). URLs are relative to V.json.
python3 - "$mirror" "$name" "$version" "${archives[@]##*/}" <<'PY' | write "$mirror/$version.json"
import base64, hashlib, json, re, sys, zipfile
mirror, name, version, archives = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
out = {}
for archive in sorted(archives):
    platform = re.fullmatch(re.escape(f"{name}_{version}_") + r"(.+_.+)\.zip", archive).group(1)
    path = f"{mirror}/{archive}"
    with zipfile.ZipFile(path) as z:
        summary = "".join(
            f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n" for n in sorted(z.namelist())
        )
    h1 = "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()
    with open(path, "rb") as f:
        zh = "zh:" + hashlib.sha256(f.read()).hexdigest()
    out[platform] = {"url": archive, "hashes": [h1, zh]}
print(json.dumps({"archives": out}, indent=2))
PY
python3 - "$mirror" <<'PY' | write "$mirror/index.json"
import json, os, re, sys
versions = sorted(
    (f[:-5] for f in os.listdir(sys.argv[1]) if re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\.json", f)),
    key=lambda v: [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.-]", v)],
)
print(json.dumps({"versions": {v: {} for v in versions}}, indent=2))
PY

echo "==> release files for $name $version in $out:"
(cd "$out" && ls -1 "${name}_${version}_"*)
echo "==> network mirror: serve $out/mirror over HTTPS; CLI config:"
echo "    provider_installation { network_mirror { url = \"https://<host>/<path to mirror>/\" } }"
