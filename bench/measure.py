#!/usr/bin/env python3
"""Measurement driver for bench/relcheck-vs-checkov.sh (run that script, not this one).

Usage: bench/measure.py --relcheck BIN --parse BIN --checkov BIN --runs K [--fast-repeats R]
                        [--ratio-corpus DIR] [--scale-corpus DIR] [--out FILE] [DIR...]

For each tree it times K rounds of alternating runs (each round: checkov once,
relcheck and the parse baseline R times each, interleaved; the order flipped every
round, so that a change in machine load hits both tools alike) and reports medians:

  * relcheck:  `relcheck check --format json --fail-on never DIR`
  * checkov:   `checkov -d DIR --framework terraform --quiet --compact -o json --skip-download`
               (--skip-download: no network calls to Prisma Cloud, which would
               otherwise add retry time on an offline machine; --quiet only hides
               passed checks from the listing, the summary still counts them)
  * parse:     `parse_throughput FILE...` (policy-cli/examples/parse_throughput.rs):
               hcl-edit `parse_body` of every *.tf file of the tree, single thread,
               timed in-process (file reading and process start excluded).

Wall time is measured with time.perf_counter() around the child (ms resolution);
peak memory is `/usr/bin/time -f "%e %M"`'s %M: the maximum resident set size of
the child in KiB (checkov runs as a single process with --framework terraform).
Every run's output is checked: relcheck's JSON must parse and list its findings
and file errors; checkov's JSON summary must show passed+failed > 0 (i.e. it
really scanned) and its parsing_errors are reported. The 1-minute load average
is sampled around every run; its min/median/max are printed, because the
machine is shared (2 cores, other builds, a fuzzer): absolute times move with
the load, the ratios of alternating runs much less.

The CPU time ratio (user + system seconds, /usr/bin/time %U %S, 10 ms resolution)
is printed as well: it moves less with the load than wall time, but it is not a
target (relcheck uses both cores, checkov one).

Ratios printed (targets from the issue):
  speed   = checkov wall / relcheck wall                 (target >= 200)
  memory  = relcheck peak RSS / checkov peak RSS         (target <= 0.10)
  e2e/parse = relcheck wall / in-process parse time      (target <= 2.0)
The e2e/parse ratio compares relcheck's whole run (process start, directory
walk, reading, parsing, evaluation, rules, JSON output, on all cores) with the
bare parse loop of the same bytes on one core.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time


def loadavg():
    return os.getloadavg()[0]


LOADS = []


CPU = {}


def timed(cmd, stdout_path):
    """Run cmd under /usr/bin/time; return (wall seconds, peak RSS KiB, exit code).

    The child's CPU time (user + system) is left in CPU[cmd[0]] for the caller."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, open(stdout_path, "w") as out:
        LOADS.append(loadavg())
        t0 = time.perf_counter()
        p = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M %U %S", "-o", tf.name] + cmd,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - t0
        LOADS.append(loadavg())
        fields = open(tf.name).read().split()
        # /usr/bin/time writes "Command exited with non-zero status N" first on failure.
        rss = int(fields[-3])
        CPU[cmd[0]] = float(fields[-2]) + float(fields[-1])
    return wall, rss, p.returncode


def tf_files(d):
    out = []
    for root, dirs, files in os.walk(d):
        dirs[:] = sorted(x for x in dirs if x != ".terraform" and not x.startswith(".git"))
        for f in sorted(files):
            if f.endswith(".tf"):
                out.append(os.path.join(root, f))
    return out


def run_relcheck(a, d, tmp):
    path = os.path.join(tmp, "relcheck.json")
    wall, rss, rc = timed([a.relcheck, "check", "--format", "json", "--fail-on", "never", d], path)
    try:
        j = json.load(open(path))
    except ValueError:
        sys.exit(f"relcheck did not print JSON on {d} (exit {rc})")
    return wall, rss, f"{len(j['findings'])} findings, {len(j.get('errors', []))} file errors"


def run_checkov(a, d, tmp):
    path = os.path.join(tmp, "checkov.json")
    cmd = [a.checkov, "-d", d, "--framework", "terraform", "--quiet", "--compact", "-o", "json", "--skip-download"]
    wall, rss, rc = timed(cmd, path)
    try:
        j = json.load(open(path))
    except ValueError:
        sys.exit(f"checkov did not print JSON on {d} (exit {rc}); output in {path}")
    reports = j if isinstance(j, list) else [j]
    s = {"passed": 0, "failed": 0, "parsing_errors": 0, "resource_count": 0}
    for r in reports:
        for k in s:
            s[k] += r.get("summary", {}).get(k, 0)
    if s["passed"] + s["failed"] == 0:
        sys.exit(f"checkov scanned nothing in {d}: {json.dumps(j)[:500]}")
    return wall, rss, (
        f"{s['passed']} passed, {s['failed']} failed, {s['resource_count']} resources, "
        f"{s['parsing_errors']} parsing errors"
    )


def run_parse(a, files, tmp):
    path = os.path.join(tmp, "parse.txt")
    wall, rss, rc = timed([a.parse] + files, path)
    line = open(path).read().strip()
    # "{ok}/{n} files, {mb} MB in {secs} s: {rate} MB/s"
    secs = float(line.split(" in ")[1].split(" s")[0])
    return wall, rss, line, secs


def med(xs):
    return statistics.median(xs)


def fmt_s(s):
    return f"{s:.3f} s" if s < 10 else f"{s:.1f} s"


def fmt_mb(kib):
    return f"{kib / 1024:.0f} MiB" if kib >= 10240 else f"{kib / 1024:.1f} MiB"


def tree_stats(files):
    n_bytes = sum(os.path.getsize(f) for f in files)
    lines = 0
    for f in files:
        with open(f, "rb") as fh:
            lines += fh.read().count(b"\n")
    return n_bytes, lines


def bench_tree(a, label, d, with_checkov, tmp, rows, notes):
    files = tf_files(d)
    if not files:
        notes.append(f"{label}: no .tf files in {d}, skipped")
        return
    n_bytes, lines = tree_stats(files)
    print(f"== {label}: {d}: {len(files)} .tf files, {lines} lines, {n_bytes / 1e6:.2f} MB", file=sys.stderr)
    # Warm the page cache and check both binaries work (untimed).
    run_relcheck(a, d, tmp)
    run_parse(a, files, tmp)
    rel, ck, parse = [], [], []
    rel_info = ck_info = parse_line = ""
    loads0 = len(LOADS)
    for i in range(a.runs):
        fast = ["rel", "parse"] * a.fast_repeats
        order = fast + ["ck"] if i % 2 == 0 else ["ck"] + fast[::-1]
        for what in order:
            if what == "rel":
                w, m, rel_info = run_relcheck(a, d, tmp)
                rel.append((w, m, CPU[a.relcheck]))
            elif what == "parse":
                w, m, parse_line, secs = run_parse(a, files, tmp)
                parse.append((w, m, secs))
            elif with_checkov:
                w, m, ck_info = run_checkov(a, d, tmp)
                ck.append((w, m, CPU[a.checkov]))
        print(
            f"   run {i + 1}/{a.runs}: relcheck {rel[-1][0]:.3f} s"
            + (f", checkov {ck[-1][0]:.1f} s" if ck else "")
            + f", parse {parse[-1][2]:.3f} s, load {loadavg():.2f}",
            file=sys.stderr,
        )
    tl = LOADS[loads0:]
    r_w, r_m = med([x[0] for x in rel]), med([x[1] for x in rel])
    p_s, p_w = med([x[2] for x in parse]), med([x[0] for x in parse])
    row = {
        "label": label,
        "files": len(files),
        "lines": lines,
        "mb": n_bytes / 1e6,
        "rel_wall": r_w,
        "rel_rss": r_m,
        "rel_cpu": med([x[2] for x in rel]),
        "parse_s": p_s,
        "parse_wall": p_w,
        "rel_info": rel_info,
        "parse_line": parse_line,
        "load": (min(tl), med(tl), max(tl)),
    }
    if ck:
        row["ck_wall"], row["ck_rss"] = med([x[0] for x in ck]), med([x[1] for x in ck])
        row["ck_info"] = ck_info
        row["ck_cpu"] = med([x[2] for x in ck])
    rows.append(row)


def verdict(ok):
    return "meets" if ok else "MISSES"


def report(a, rows, notes):
    out = []
    p = out.append
    p("| tree | .tf files | lines | MB | relcheck wall | relcheck peak RSS | checkov wall | checkov peak RSS "
      "| speed ratio (checkov/relcheck wall) | CPU time ratio (checkov/relcheck user+sys) "
      "| memory ratio (relcheck/checkov) | parse only (in-process) "
      "| e2e/parse ratio | load avg 1m (min/med/max) |")
    p("|" + "---|" * 14)
    for r in rows:
        if "ck_wall" in r:
            ck = (fmt_s(r["ck_wall"]), fmt_mb(r["ck_rss"]),
                  f"**{r['ck_wall'] / r['rel_wall']:.0f}×**",
                  f"{r['ck_cpu'] / max(r['rel_cpu'], 0.01):.0f}×",
                  f"**{r['rel_rss'] / r['ck_rss']:.3f}**")
        else:
            ck = ("not run", "not run", "–", "–", "–")
        p(f"| {r['label']} | {r['files']} | {r['lines']} | {r['mb']:.2f} | {fmt_s(r['rel_wall'])} | "
          f"{fmt_mb(r['rel_rss'])} | {ck[0]} | {ck[1]} | {ck[2]} | {ck[3]} | {ck[4]} | {fmt_s(r['parse_s'])} | "
          f"**{r['rel_wall'] / r['parse_s']:.1f}×** | "
          f"{r['load'][0]:.2f} / {r['load'][1]:.2f} / {r['load'][2]:.2f} |")
    p("")
    p(f"Medians over {a.runs} rounds; each round runs checkov once and relcheck and the parse "
      f"baseline {a.fast_repeats} times each, alternating, with the order flipped every round. "
      "Throughput: "
      + "; ".join(f"{r['label']}: relcheck {r['mb'] / r['rel_wall']:.1f} MB/s end to end, "
                  f"parse {r['mb'] / r['parse_s']:.1f} MB/s in-process "
                  f"({r['mb'] / r['parse_wall']:.1f} MB/s counting its process start and file reading)"
                  for r in rows) + ".")
    p("")
    p("What each tool reported (last run):")
    p("")
    for r in rows:
        p(f"- {r['label']}: relcheck {r['rel_info']}"
          + (f"; checkov {r['ck_info']}" if "ck_info" in r else "")
          + f"; parse_throughput `{r['parse_line']}`")
    for n in notes:
        p(f"- {n}")
    p("")
    p("Targets:")
    p("")
    for r in rows:
        t = []
        if "ck_wall" in r:
            sp = r["ck_wall"] / r["rel_wall"]
            mem = r["rel_rss"] / r["ck_rss"]
            t.append(f"speed {sp:.0f}× ({verdict(sp >= 200)} ≥ 200×)")
            t.append(f"memory {mem:.3f} ({verdict(mem <= 0.1)} ≤ 0.10)")
        ep = r["rel_wall"] / r["parse_s"]
        t.append(f"e2e/parse {ep:.1f}× ({verdict(ep <= 2)} ≤ 2×)")
        p(f"- {r['label']}: " + ", ".join(t))
    return "\n".join(out)


def machine(a):
    mem_kb = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    ver = subprocess.run([a.checkov, "--version"], capture_output=True, text=True).stdout.strip()
    rel = subprocess.run([a.relcheck, "--version"], capture_output=True, text=True).stdout.strip()
    head = subprocess.run(["git", "log", "-1", "--format=%h %cs"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "policy-cli"], capture_output=True, text=True).stdout
    la = os.getloadavg()
    return (
        f"Machine: {os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}; load average at the end {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} "
        f"(shared with other builds and a fuzzer). {rel} built from {head}"
        + (" with uncommitted policy-cli changes" if dirty.strip() else "")
        + f"; checkov {ver}; Python {platform.python_version()}; "
        f"run finished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relcheck", required=True)
    ap.add_argument("--parse", required=True)
    ap.add_argument("--checkov", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--fast-repeats", type=int, default=5,
                    help="relcheck and parse runs per round (they take milliseconds, so more samples)")
    ap.add_argument("--ratio-corpus", help="generated corpus run with both tools")
    ap.add_argument("--scale-corpus", help="generated corpus run with relcheck and parse only")
    ap.add_argument("--out", help="also write the markdown report here")
    ap.add_argument("--command", default="", help="command line to record in the report")
    ap.add_argument("dirs", nargs="*")
    a = ap.parse_args()
    rows, notes = [], []
    with tempfile.TemporaryDirectory(prefix="relcheck-bench-") as tmp:
        if a.ratio_corpus:
            n = len(tf_files(a.ratio_corpus))
            bench_tree(a, f"generated, {n} files", a.ratio_corpus, True, tmp, rows, notes)
        for d in a.dirs:
            bench_tree(a, os.path.basename(os.path.normpath(d)), d, True, tmp, rows, notes)
        if a.scale_corpus:
            n = len(tf_files(a.scale_corpus))
            bench_tree(a, f"generated, {n} files (relcheck only)", a.scale_corpus, False, tmp, rows, notes)
    text = report(a, rows, notes) + "\n\n" + machine(a) + "\n"
    if a.command:
        text = f"Command: `{a.command}`\n\n" + text
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
