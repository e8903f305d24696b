#!/usr/bin/env python3
"""Provider benchmark: the reliability provider against Terraform's own floor.

    python3 bench/provider.py [--runs 3] [--alerts 1000] [--slos 100,1000] [--scaling 100,1000,5000]

Builds the provider and the floor provider (provider/examples/floor_provider.rs) in release
mode, installs both into a private filesystem mirror and, in one run, measures median wall
time of `terraform apply`, a no-op `terraform plan` and `terraform destroy` (and the state bytes per resource instance) of N
`reliability_alert` (and N `reliability_slo`) against, for the same N:

- Terraform's built-in `terraform_data` (no provider process at all): the issue's baseline;
- `floor_null`: a plugin on the same server stack as ours whose resource only echoes two
  attributes: what Terraform spends on *any* external provider;
- `floor_alert_shape` / `floor_slo_shape`: echo resources with exactly our resources'
  schemas: what Terraform spends on a schema of that size, before the provider does any work.

All sides alternate run by run. Prints the ratios (the issue's target: <= 1.3 for plan and
apply against terraform_data).

Then the rule-file scaling with a real Prometheus (Debian package): for each N in --scaling,
`terraform apply` of N alerts reloading Prometheus through `prometheus_url`, against the same
apply without `prometheus_url`; prints the reload overhead per alert, how many reloads
Prometheus performed, and checks that every rule group is loaded when `apply` returns. A
flat overhead per alert means no quadratic reload work. (Terraform's own apply time grows
faster than N: it re-serialises the whole state as resources complete — terraform_data
alone takes ~8 ms per resource at 1,000 and ~42 ms at 5,000.)

The ruler destination (`--ruler-slos`, default 1000): apply, no-op plan and destroy of N
`reliability_slo` sending their groups to the strict stand-in ruler (tests/src/ruler_server,
run as `ruler-standin`), against the same N with the rules directory, same run, alternating;
prints the ratio and how many requests each operation sent to the ruler (a no-op plan must
list the namespace once, not read every group). `--ruler-only` runs just this part.

Also runs the no-op plan with RELIABILITY_NO_TCP_NODELAY=1 (the stock tf-provider server) to
show what the TCP_NODELAY fix saves. Writes nothing outside a temp dir and target/.
"""
import argparse, json, os, platform, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = "reliability-as-code/reliability"
FLOOR_SOURCE = "reliability-as-code/floor"
VERSION = "0.1.0"


def sh(cmd, cwd=None, env=None, check=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return r


def terraform():
    tf = shutil.which("terraform") or os.path.join(ROOT, ".local/bin/terraform")
    if not os.path.exists(tf):
        sys.exit("no terraform: run scripts/setup.sh first")
    return tf


class Workdir:
    def __init__(self, base, name, body, env):
        self.dir = os.path.join(base, name)
        os.makedirs(self.dir)
        local, source = ("floor", FLOOR_SOURCE) if "floor_" in body else ("reliability", SOURCE)
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(f'terraform {{\n  required_providers {{\n    {local} = {{ source = "{source}" }}\n  }}\n}}\n{body}')
        self.env = env
        sh([terraform(), "init", "-input=false", "-no-color"], cwd=self.dir, env=env)

    def timed(self, *args, extra_env=None, ok=(0,)):
        env = dict(self.env, **(extra_env or {}))
        t = time.perf_counter()
        r = sh([terraform(), *args, "-input=false", "-no-color"], cwd=self.dir, env=env, check=False)
        elapsed = time.perf_counter() - t
        if r.returncode not in ok:
            sys.exit(f"terraform {' '.join(args)} failed in {self.dir}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
        return elapsed

    def apply(self, **kw):
        return self.timed("apply", "-auto-approve", **kw)

    def plan(self, **kw):
        return self.timed("plan", "-detailed-exitcode", **kw)

    def destroy(self, **kw):
        return self.timed("destroy", "-auto-approve", **kw)


def alerts(n, prom=None):
    url = f'\n  prometheus_url = "{prom}"' if prom else ""
    return f'''provider "reliability" {{
  rules_dir = "rules"{url}
}}
resource "reliability_alert" "a" {{
  count    = {n}
  name     = "Alert${{count.index}}"
  expr     = "rate(http_requests_total{{job=\\"svc${{count.index}}\\",code=~\\"5..\\"}}[5m]) > 1"
  for      = "5m"
  severity = "ticket"
  labels   = {{ team = "t${{count.index % 10}}" }}
}}
'''


def slos(n):
    return f'''provider "reliability" {{
  rules_dir = "rules"
}}
resource "reliability_slo" "s" {{
  count     = {n}
  service   = "svc${{count.index}}"
  name      = "availability"
  objective = 99.9
  sli {{
    events {{
      error_query = "sum(rate(http_requests_total{{job=\\"svc${{count.index}}\\",code=~\\"5..\\"}}[{{{{.window}}}}]))"
      total_query = "sum(rate(http_requests_total{{job=\\"svc${{count.index}}\\"}}[{{{{.window}}}}]))"
    }}
  }}
}}
'''


def slos_ruler(n, url):
    """The same SLOs with their groups sent to a ruler instead of a rules directory."""
    block = f'provider "reliability" {{\n  ruler {{\n    url    = "{url}"\n    tenant = "bench"\n  }}\n}}\n'
    body = slos(n)
    return block + body[body.index("resource "):]


class Standin:
    """The stand-in ruler process (tests/src/bin/ruler-standin.rs), driven over its stdin."""

    def __init__(self, binary):
        self.p = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.p.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            sys.exit(f"ruler-standin did not start: {self.url!r}")

    def ask(self, command):
        self.p.stdin.write(command + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def ruler_vs_file(base, env, n, runs, standin):
    """Median apply / no-op plan / destroy of n SLOs: ruler against rules directory."""
    sides = {"file": Workdir(base, f"ruler-bench-file-{n}", slos(n), env),
             "ruler": Workdir(base, f"ruler-bench-ruler-{n}", slos_ruler(n, standin.url), env)}
    t = {(side, op): [] for side in sides for op in ("apply", "plan", "destroy")}
    requests = {}
    for _ in range(runs):
        for op in ("apply", "plan", "destroy"):
            for side, wd in sides.items():
                if side == "ruler":
                    standin.ask("clear")
                t[(side, op)].append(getattr(wd, op)())
                if side == "ruler":
                    requests[op] = json.loads(standin.ask("count"))
                    if op == "apply":
                        groups = int(standin.ask("groups bench reliability"))
                        if groups != 3 * n:
                            sys.exit(f"the ruler holds {groups} groups after apply, expected {3 * n}")
    rows = []
    for op, name in (("apply", "apply"), ("plan", "no-op plan"), ("destroy", "destroy")):
        f, r = statistics.median(t[("file", op)]), statistics.median(t[("ruler", op)])
        q = requests[op]
        rows.append((n, name, f, r, r / f, f"{q['total']} ({q['GET']} GET, {q['POST']} POST, {q['DELETE']} DELETE)"))
    return rows


def tfdata(n):
    return f'resource "terraform_data" "a" {{\n  count = {n}\n  input = "value-${{count.index}}"\n}}\n'


def floor_null(n):
    return f'resource "floor_null" "a" {{\n  count = {n}\n  input = "value-${{count.index}}"\n}}\n'


def floor_shape(body, kind):
    """The same resources on the floor provider's echo resource with our schema."""
    body = body[body.index("resource "):]  # no provider block
    return body.replace(f"reliability_{kind}", f"floor_{kind}_shape")


def compare(base, env, label, kind, body_provider, n, runs):
    sides = {
        "provider": Workdir(base, f"{label}-{n}-provider", body_provider, env),
        "shape": Workdir(base, f"{label}-{n}-floor-shape", floor_shape(body_provider, kind), env),
        "null": Workdir(base, f"{label}-{n}-floor-null", floor_null(n), env),
        "data": Workdir(base, f"{label}-{n}-tfdata", tfdata(n), env),
    }
    t = {(side, op): [] for side in sides for op in ("apply", "plan", "destroy")}
    state_bytes = {}
    for _ in range(runs):  # alternate the sides run by run
        for op in ("apply", "plan", "destroy"):
            for side, wd in sides.items():
                t[(side, op)].append(getattr(wd, op)())
                if op == "apply":
                    state_bytes[side] = state_size_per_instance(wd.dir)
    m = lambda side, op: statistics.median(t[(side, op)])
    rows = []
    for op, name in (("apply", "apply"), ("plan", "no-op plan"), ("destroy", "destroy")):
        p, sh_, nu, d = m("provider", op), m("shape", op), m("null", op), m("data", op)
        rows.append((f"{n} {label}", name, p, sh_, nu, d, p / d, p / sh_))
    sizes = (f"{n} {label}", state_bytes["provider"], state_bytes["shape"], state_bytes["data"])
    return rows, sizes


def state_size_per_instance(workdir):
    """Mean bytes of one resource instance's JSON in terraform.tfstate (as Terraform keeps it)."""
    with open(os.path.join(workdir, "terraform.tfstate")) as f:
        state = json.load(f)
    instances = [i for r in state.get("resources", []) for i in r.get("instances", [])]
    if not instances:
        return 0
    return sum(len(json.dumps(i, separators=(",", ":"))) for i in instances) / len(instances)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_prometheus(base, rules_dir):
    port = free_port()
    cfg = os.path.join(base, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(f"global:\n  evaluation_interval: 1m\nrule_files:\n  - {rules_dir}/*.yml\n")
    log_path = os.path.join(base, "prometheus.log")
    log = open(log_path, "w")
    p = subprocess.Popen(["prometheus", f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{port}",
                          "--web.enable-lifecycle", f"--storage.tsdb.path={base}/tsdb"], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if urllib.request.urlopen(url + "/-/ready", timeout=1).status == 200:
                return p, url, log_path
        except Exception:
            time.sleep(0.05)
    p.kill()
    sys.exit("prometheus did not start")


def reloads(log_path):
    """Configuration loads Prometheus has logged so far."""
    with open(log_path) as f:
        return sum("Completed loading of configuration file" in line for line in f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--alerts", default="1000", help="comma-separated counts of reliability_alert")
    ap.add_argument("--slos", default="200", help="comma-separated counts of reliability_slo")
    ap.add_argument("--scaling", default="100,1000,5000")
    ap.add_argument("--ruler-slos", type=int, default=1000)
    ap.add_argument("--ruler-only", action="store_true", help="only the ruler-against-file comparison")
    args = ap.parse_args()
    if args.ruler_only:
        args.alerts = args.slos = ""
        args.scaling = ""
    args.alerts = [int(x) for x in str(args.alerts).split(",") if x and x != "0"]
    args.slos = [int(x) for x in str(args.slos).split(",") if x and x != "0"]

    print("building the provider, the floor provider and the stand-in ruler (release)...", flush=True)
    sh(["cargo", "build", "--release", "--quiet", "-p", "terraform-provider-reliability",
        "--bin", "terraform-provider-reliability", "--example", "floor_provider"], cwd=ROOT)
    if args.ruler_slos:
        sh(["cargo", "build", "--release", "--quiet", "-p", "reliability-e2e", "--bin", "ruler-standin"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    if not os.path.isabs(target):
        target = os.path.join(ROOT, target)
    base = tempfile.mkdtemp(prefix="reliability-bench-")
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    for source, binary in ((SOURCE, "terraform-provider-reliability"),
                           (FLOOR_SOURCE, "examples/floor_provider")):
        pkg = os.path.join(base, "mirror/registry.terraform.io", source, VERSION, f"linux_{arch}")
        os.makedirs(pkg)
        name = source.split("/")[1]
        shutil.copy(os.path.join(target, "release", binary),
                    os.path.join(pkg, f"terraform-provider-{name}_v{VERSION}"))
    rc = os.path.join(base, "terraformrc")
    with open(rc, "w") as f:
        f.write(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{base}/mirror"\n  }}\n}}\ndisable_checkpoint = true\n')
    env = dict(os.environ, TF_CLI_CONFIG_FILE=rc, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    tfv = sh([terraform(), "version"], env=env).stdout.splitlines()[0]
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load {load:.2f}; {tfv}; runs={args.runs}\n", flush=True)

    rows, sizes = [], []
    for n in args.alerts:
        r, z = compare(base, env, "reliability_alert", "alert", alerts(n), n, args.runs)
        rows += r
        sizes.append(z)
    for n in args.slos:
        r, z = compare(base, env, "reliability_slo", "slo", slos(n), n, args.runs)
        rows += r
        sizes.append(z)
    if rows:
        print("| resources | operation | provider (s) | floor, same schema (s) | floor, 2 attributes (s) "
              "| terraform_data (s) | ratio vs terraform_data | ratio vs same-schema floor |")
        print("|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:.2f} | {r[6]:.2f} | **{r[7]:.2f}** |")
        print("\n| resources | state bytes per resource: provider | same-schema floor | terraform_data |")
        print("|---|---|---|---|")
        for z in sizes:
            print(f"| {z[0]} | {z[1]:.0f} | {z[2]:.0f} | {z[3]:.0f} |")
        print(f"(load average after: {os.getloadavg()[0]:.2f})", flush=True)

    if args.ruler_slos:
        standin = Standin(os.path.join(target, "release", "ruler-standin"))
        try:
            ruler_rows = ruler_vs_file(base, env, args.ruler_slos, args.runs, standin)
        finally:
            standin.close()
        print("\n| SLOs | operation | rules directory (s) | ruler (s) | ratio ruler / rules directory | requests to the ruler |")
        print("|---|---|---|---|---|---|")
        for r in ruler_rows:
            print(f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | **{r[4]:.2f}** | {r[5]} |")
        print(f"(load average after: {os.getloadavg()[0]:.2f})", flush=True)

    # What the TCP_NODELAY fix saves: a no-op plan with and without it.
    if args.alerts:
        wd = Workdir(base, "nodelay", alerts(200), env)
        wd.apply()
        fixed = statistics.median(wd.plan() for _ in range(args.runs))
        stock = statistics.median(wd.plan(extra_env={"RELIABILITY_NO_TCP_NODELAY": "1"}) for _ in range(args.runs))
        print(f"\nno-op plan of 200 alerts: stock server {stock:.2f}s, with TCP_NODELAY {fixed:.2f}s ({stock / fixed:.1f}x faster)", flush=True)

    # Rule-file scaling with a real Prometheus reloaded through prometheus_url.
    scaling = [int(x) for x in args.scaling.split(",") if x]
    if scaling and shutil.which("prometheus"):
        print("\n| alerts | apply without prometheus_url (s) | apply reloading Prometheus (s) "
              "| reload overhead per alert (ms) | reloads | rule groups loaded when apply returned |")
        print("|---|---|---|---|---|---|")
        for n in scaling:
            d = os.path.join(base, f"scale-{n}")
            os.makedirs(d)
            rules = os.path.join(d, "prov", "rules")
            os.makedirs(rules)
            prom, url, log = start_prometheus(d, rules)
            try:
                wd = Workdir(d, "prov-init", alerts(n, url), env)
                shutil.rmtree(os.path.join(d, "prov"))
                os.rename(wd.dir, os.path.join(d, "prov"))
                wd.dir = os.path.join(d, "prov")
                plain = Workdir(d, "plain", alerts(n), env)
                loads_before = reloads(log)
                t = wd.apply()
                loaded = json.load(urllib.request.urlopen(url + "/api/v1/rules", timeout=60))
                groups = len(loaded["data"]["groups"])
                count = reloads(log) - loads_before
                tp = plain.apply()
                print(f"| {n} | {tp:.2f} | {t:.2f} | {1000 * (t - tp) / n:.2f} | {count} | {groups} of {n} |", flush=True)
                if groups != n:
                    sys.exit(f"Prometheus loaded {groups} groups when apply returned, expected {n}")
            finally:
                prom.kill()
                prom.wait()
    elif scaling:
        print("\n(prometheus not installed: skipped the reload scaling; scripts/setup.sh --with-prometheus installs it)")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
