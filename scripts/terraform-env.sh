# Sourced by the scripts: puts a Terraform CLI on PATH (PATH's own, else .local/bin).
root="${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
if ! command -v terraform >/dev/null && [ -x "$root/.local/bin/terraform" ]; then
  export PATH="$root/.local/bin:$PATH"
fi
