#!/usr/bin/env python3
"""relcheck --plan vs checkov's plan mode on one Terraform JSON plan of N resource instances.

One command (from the repository root):

    bench/relcheck-plan-vs-checkov.py [--instances N] [--runs K] [--checkov BIN] [--work DIR]

  --instances N  resource instances in the plan (default 10000), spread by `count` over
                 five AWS resource types, half of them in a local module
  --runs K       timed runs per tool (default 3), alternating between the tools and
                 flipping the order every round; medians are reported
  --checkov BIN  checkov executable (default .local/bench-venv/bin/checkov, created by
                 bench/relcheck-vs-checkov.sh; checkov 3.3.30 there)
  --work DIR     where the configuration and plan go (default .local/bench-plan/N)

What it does:
  1. cargo build --release of relcheck and of the test stand-in for hashicorp/aws
     (provider/examples/aws_plan_provider.rs), installed through a filesystem mirror
     with its own CLI configuration (nothing is downloaded);
  2. writes the configuration, runs the real `terraform init`, `terraform plan -out
     tfplan` and `terraform show -json tfplan > plan.json` (in --work, reused when the
     plan is there);
  3. times, in the same run,
       relcheck check --plan plan.json --format json --fail-on never DIR
       checkov -f plan.json --framework terraform_plan --quiet --compact -o json --skip-download
     with /usr/bin/time -f "%e %M %U %S" (wall seconds, peak RSS KiB, CPU seconds),
     checks both outputs (relcheck's JSON lists findings; checkov's summary counts
     passed + failed > 0, so it really scanned), and prints the medians and the ratios
     checkov/relcheck wall time (target >= 100) and relcheck/checkov peak RSS
     (target <= 0.10), with the 1-minute load average (the machine is shared).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AWS_VERSION = "5.99.0"

MAIN = """terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "%(version)s"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "n" {
  default = %(n)d
}

module "data" {
  source = "./modules/data"
  n      = var.n
}

resource "aws_db_instance" "db" {
  count                   = var.n
  identifier              = "db-${count.index}"
  instance_class          = "db.t3.micro"
  engine                  = "postgres"
  multi_az                = count.index %% 2 == 0
  backup_retention_period = count.index %% 3 == 0 ? 0 : 7
}

resource "aws_subnet" "a" {
  count             = var.n
  vpc_id            = "vpc-1"
  availability_zone = "eu-west-1a"
}

resource "aws_autoscaling_group" "web" {
  count               = var.n
  min_size            = 2
  max_size            = 4
  vpc_zone_identifier = [aws_subnet.a[count.index].id]
}
"""

MODULE = """variable "n" {}

resource "aws_s3_bucket" "b" {
  count  = var.n
  bucket = "bucket-${count.index}"
}

resource "aws_ebs_volume" "v" {
  count             = var.n
  availability_zone = "eu-west-1a"
  tags              = { backup = count.index %% 2 == 0 ? "daily" : "none" }
}
"""


def run(cmd, **kw):
    print("+ " + " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, **kw)


def build(target):
    run(["cargo", "build", "--release", "-p", "relcheck", "--bin", "relcheck"], cwd=ROOT)
    run(
        [
            "cargo", "build", "--release", "-p", "terraform-provider-reliability",
            "--example", "aws_plan_provider",
        ],
        cwd=ROOT,
    )
    return (
        os.path.join(target, "release", "relcheck"),
        os.path.join(target, "release", "examples", "aws_plan_provider"),
    )


def make_plan(n, plugin, work):
    per = n // 5
    plan = os.path.join(work, "plan.json")
    if os.path.exists(plan):
        return work, plan
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    mirror = os.path.join(work, "mirror")
    pkg = os.path.join(
        mirror, "registry.terraform.io", "hashicorp", "aws", AWS_VERSION, "linux_amd64"
    )
    os.makedirs(pkg)
    shutil.copy(plugin, os.path.join(pkg, "terraform-provider-aws_v" + AWS_VERSION))
    rc = os.path.join(work, "cli.tfrc")
    with open(rc, "w") as f:
        f.write(
            'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n'
            '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n'
            "disable_checkpoint = true\n" % mirror
        )
    cfg = os.path.join(work, "config")
    os.makedirs(os.path.join(cfg, "modules", "data"))
    with open(os.path.join(cfg, "main.tf"), "w") as f:
        f.write(MAIN % {"version": AWS_VERSION, "n": per})
    with open(os.path.join(cfg, "modules", "data", "main.tf"), "w") as f:
        f.write(MODULE % {})
    env = dict(os.environ, TF_CLI_CONFIG_FILE=rc, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    tf = os.environ.get("TERRAFORM", "terraform")
    run([tf, "init", "-no-color", "-input=false"], cwd=cfg, env=env, stdout=subprocess.DEVNULL)
    t0 = time.perf_counter()
    run(
        [tf, "plan", "-no-color", "-input=false", "-parallelism=20", "-out", "tfplan"],
        cwd=cfg, env=env, stdout=subprocess.DEVNULL,
    )
    print("terraform plan: %.1f s" % (time.perf_counter() - t0), file=sys.stderr)
    with open(plan + ".tmp", "w") as out:
        run([tf, "show", "-json", "tfplan"], cwd=cfg, env=env, stdout=out)
    os.rename(plan + ".tmp", plan)
    return work, plan


def timed(cmd, cwd):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t, tempfile.TemporaryFile() as out:
        load = os.getloadavg()[0]
        subprocess.run(
            ["/usr/bin/time", "-o", t.name, "-f", "%e %M %U %S"] + cmd,
            cwd=cwd, stdout=out, stderr=subprocess.DEVNULL, check=False,
        )
        wall, rss, user, sys_ = t.read().split()[-4:]
        out.seek(0)
        return float(wall), int(rss), float(user) + float(sys_), out.read(), load


def check_relcheck(output):
    doc = json.loads(output)
    assert doc["errors"] == [], doc["errors"][:3]
    return len(doc["findings"])


def check_checkov(output):
    doc = json.loads(output)
    docs = doc if isinstance(doc, list) else [doc]
    passed = sum(d["summary"]["passed"] for d in docs)
    failed = sum(d["summary"]["failed"] for d in docs)
    assert passed + failed > 0, "checkov scanned nothing"
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--checkov", default=os.path.join(ROOT, ".local", "bench-venv", "bin", "checkov"))
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    relcheck, plugin = build(target)
    work = args.work or os.path.join(ROOT, ".local", "bench-plan", str(args.instances))
    work, plan = make_plan(args.instances, plugin, os.path.abspath(work))
    cfg = os.path.join(work, "config")
    with open(plan) as f:
        doc = json.load(f)
    count = len(doc.get("resource_changes", []))
    size = os.path.getsize(plan)
    rel_cmd = [relcheck, "check", "--plan", plan, "--format", "json", "--fail-on", "never", cfg]
    ck_cmd = [
        args.checkov, "-f", plan, "--framework", "terraform_plan", "--quiet", "--compact",
        "-o", "json", "--skip-download",
    ]
    rel, ck, loads = [], [], []
    for i in range(args.runs):
        order = [("relcheck", rel_cmd), ("checkov", ck_cmd)]
        if i % 2:
            order.reverse()
        for name, cmd in order:
            wall, rss, cpu, out, load = timed(cmd, cfg)
            loads.append(load)
            if name == "relcheck":
                findings = check_relcheck(out)
                rel.append((wall, rss, cpu))
                print("relcheck: %.2f s, %d MiB, %d findings" % (wall, rss // 1024, findings), file=sys.stderr)
            else:
                passed, failed = check_checkov(out)
                ck.append((wall, rss, cpu))
                print("checkov: %.2f s, %d MiB, %d passed, %d failed" % (wall, rss // 1024, passed, failed), file=sys.stderr)
    med = lambda rows, i: statistics.median(r[i] for r in rows)
    rw, rm, rc = med(rel, 0), med(rel, 1), med(rel, 2)
    cw, cm, cc = med(ck, 0), med(ck, 1), med(ck, 2)
    print("plan: %d resource instances, %.1f MB JSON; %d runs per tool" % (count, size / 1e6, args.runs))
    print("| tool | wall (median) | peak RSS (median) | CPU |")
    print("|---|---|---|---|")
    print("| relcheck --plan | %.2f s | %.0f MiB | %.2f s |" % (rw, rm / 1024, rc))
    print("| checkov -f plan.json --framework terraform_plan | %.2f s | %.0f MiB | %.2f s |" % (cw, cm / 1024, cc))
    print("speed: checkov/relcheck wall = %.0fx (target >= 100x)" % (cw / max(rw, 0.01)))
    print("memory: relcheck/checkov peak RSS = %.3f (target <= 0.10)" % (rm / cm))
    print("load average (1 min) min/median/max: %.2f/%.2f/%.2f" % (min(loads), statistics.median(loads), max(loads)))


if __name__ == "__main__":
    main()
