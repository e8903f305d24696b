#!/usr/bin/env python3
"""Provider benchmark: the reliability provider against Terraform's own floor.

    python3 bench/provider.py [--runs 3] [--alerts 1000] [--slos 200] [--scaling 100,1000,5000]

Builds the provider (release), installs it into a private filesystem mirror and, in one run,
measures median wall time of `terraform apply`, a no-op `terraform plan` and `terraform
destroy` for N `reliability_alert` (and N `reliability_slo`) against the same N of
Terraform's built-in `terraform_data` (no provider process at all), alternating the two
sides run by run. Prints the ratios (target: <= 1.3 for plan and apply).

Then the rule-file scaling: `terraform apply` of N alerts for each N in --scaling with a real
Prometheus (Debian package) reloaded through `prometheus_url`, showing seconds per resource
and how many reloads were needed, against terraform_data at the same N. A per-resource cost
that stays flat as N grows means no quadratic work.

Also runs the no-op plan with RELIABILITY_NO_TCP_NODELAY=1 (the stock tf-provider server) to
show what the TCP_NODELAY fix saves. Writes nothing outside a temp dir and target/.
"""
import argparse, json, os, platform, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = "reliability-as-code/reliability"
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
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(f'terraform {{\n  required_providers {{\n    reliability = {{ source = "{SOURCE}" }}\n  }}\n}}\n{body}')
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


def tfdata(n):
    return f'resource "terraform_data" "a" {{\n  count = {n}\n  input = "value-${{count.index}}"\n}}\n'


def cycle(wd, runs, **kw):
    """apply, no-op plan, destroy `runs` times; returns medians."""
    a, p, d = [], [], []
    for _ in range(runs):
        a.append(wd.apply(**kw))
        p.append(wd.plan(**kw))
        d.append(wd.destroy(**kw))
    return statistics.median(a), statistics.median(p), statistics.median(d)


def compare(base, env, label, body_provider, n, runs):
    prov = Workdir(base, f"{label}-provider", body_provider, env)
    data = Workdir(base, f"{label}-tfdata", tfdata(n), env)
    pa, pp, pd, da, dp, dd = [], [], [], [], [], []
    for _ in range(runs):  # alternate the two sides run by run
        pa.append(prov.apply()); da.append(data.apply())
        pp.append(prov.plan()); dp.append(data.plan())
        pd.append(prov.destroy()); dd.append(data.destroy())
    m = statistics.median
    rows = []
    for op, p, d in (("apply", pa, da), ("no-op plan", pp, dp), ("destroy", pd, dd)):
        rows.append((f"{n} {label}", op, m(p), m(d), m(p) / m(d)))
    return rows


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_prometheus(base, rules_dir):
    port = free_port()
    cfg = os.path.join(base, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(f"global:\n  evaluation_interval: 1m\nrule_files:\n  - {rules_dir}/*.yml\n")
    log = open(os.path.join(base, "prometheus.log"), "w")
    p = subprocess.Popen(["prometheus", f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{port}",
                          "--web.enable-lifecycle", f"--storage.tsdb.path={base}/tsdb"], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if urllib.request.urlopen(url + "/-/ready", timeout=1).status == 200:
                return p, url
        except Exception:
            time.sleep(0.05)
    p.kill()
    sys.exit("prometheus did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--alerts", type=int, default=1000)
    ap.add_argument("--slos", type=int, default=200)
    ap.add_argument("--scaling", default="100,1000,5000")
    args = ap.parse_args()

    print("building the provider (release)...", flush=True)
    sh(["cargo", "build", "--release", "--quiet", "-p", "terraform-provider-reliability"], cwd=ROOT)
    base = tempfile.mkdtemp(prefix="reliability-bench-")
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    pkg = os.path.join(base, "mirror/registry.terraform.io", SOURCE, VERSION, f"linux_{arch}")
    os.makedirs(pkg)
    shutil.copy(os.path.join(ROOT, "target/release/terraform-provider-reliability"),
                os.path.join(pkg, f"terraform-provider-reliability_v{VERSION}"))
    rc = os.path.join(base, "terraformrc")
    with open(rc, "w") as f:
        f.write(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{base}/mirror"\n  }}\n}}\ndisable_checkpoint = true\n')
    env = dict(os.environ, TF_CLI_CONFIG_FILE=rc, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    tfv = sh([terraform(), "version"], env=env).stdout.splitlines()[0]
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load {load:.2f}; {tfv}; runs={args.runs}\n", flush=True)

    rows = compare(base, env, "reliability_alert", alerts(args.alerts), args.alerts, args.runs)
    rows += compare(base, env, "reliability_slo", slos(args.slos), args.slos, args.runs)
    print("| resources | operation | provider (s) | terraform_data (s) | ratio |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f} |")

    # What the TCP_NODELAY fix saves: a no-op plan with and without it.
    wd = Workdir(base, "nodelay", alerts(200), env)
    wd.apply()
    fixed = statistics.median(wd.plan() for _ in range(args.runs))
    stock = statistics.median(wd.plan(extra_env={"RELIABILITY_NO_TCP_NODELAY": "1"}) for _ in range(args.runs))
    print(f"\nno-op plan of 200 alerts: stock server {stock:.2f}s, with TCP_NODELAY {fixed:.2f}s ({stock / fixed:.1f}x faster)")

    # Rule-file scaling with a real Prometheus reloaded through prometheus_url.
    if shutil.which("prometheus"):
        print("\n| alerts | apply with reload (s) | per alert (ms) | terraform_data apply (s) | per resource (ms) | ratio |")
        print("|---|---|---|---|---|---|")
        for n in [int(x) for x in args.scaling.split(",") if x]:
            d = os.path.join(base, f"scale-{n}")
            os.makedirs(d)
            rules = os.path.join(d, "prov", "rules")
            os.makedirs(rules)
            prom, url = start_prometheus(d, rules)
            try:
                wd = Workdir(d, "prov-init", alerts(n, url), env)
                shutil.rmtree(os.path.join(d, "prov"))
                os.rename(wd.dir, os.path.join(d, "prov"))
                wd.dir = os.path.join(d, "prov")
                t = wd.apply()
                loaded = json.load(urllib.request.urlopen(url + "/api/v1/rules", timeout=30))
                groups = len(loaded["data"]["groups"])
                if groups != n:
                    sys.exit(f"Prometheus loaded {groups} groups, expected {n}")
                base_wd = Workdir(d, "tfdata", tfdata(n), env)
                tb = base_wd.apply()
                print(f"| {n} | {t:.2f} | {1000 * t / n:.2f} | {tb:.2f} | {1000 * tb / n:.2f} | {t / tb:.2f} |", flush=True)
            finally:
                prom.kill()
                prom.wait()
    else:
        print("\n(prometheus not installed: skipped the reload scaling; scripts/setup.sh --with-prometheus installs it)")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
