#!/usr/bin/env python3
"""Budget benchmark: what the exact period ratio costs per evaluation on a real Prometheus.

    python3 bench/budget.py [--pods 10] [--days 30] [--reps 15]

Writes 30 days (plus an hour) of one-minute samples into a fresh TSDB with `promtool tsdb
create-blocks-from openmetrics`, starts Debian's Prometheus on it (127.0.0.1, no scraping)
and times, at the data's last minute and alternating rep by rep, the instant queries that
give an SLO's 30-day error ratio:

- **exact (ours)**: the period rule of `reliability_slo` exactly as the generator writes it
  (read from the insta snapshot `rules_slo_events_30d.snap`): sums of the recorded per-step
  bad and all event rates, one recorded series per side;
- **Sloth**: the mean of the recorded 5-minute ratios (`sum_over_time / count_over_time`),
  the formula Sloth (and this provider before) records: the baseline;
- **Pyrra exact**: `sum(increase(errors[30d])) / sum(increase(total[30d]))` over the raw
  counters, the other exact form (pyrra-dev/pyrra#1440: it times out on big series);
- **calendar month (ours)**: the `calendar_period = "month"` rule from
  `rules_slo_calendar_month.snap`, over the slot-labelled copies.

The traffic is diurnal: `--pods` pods serve 10 req/s each by day (06–18 UTC, 0.01 % errors)
and 0.1 req/s by night (50 % failing). The recorded series are written as the SLO's rules
would have recorded them every minute (5-minute rates from the same counters), so every
query reads what it would read in production. Prints the samples each query read
(Prometheus' own `stats=all` count: deterministic), median wall time and the ratio to Sloth's
formula from the same run, and the ratio each formula reports. Writes nothing outside a temp
dir.
"""
import argparse, json, math, os, re, shutil, socket, statistics, subprocess, sys, tempfile, time
import urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SNAPSHOTS = os.path.join(ROOT, "provider/src/rules/snapshots/slo")
END = 1796040000  # 2026-11-30T12:00:00Z: the last sample, and the evaluation time
ROLLING = 'sloth_id="checkout-availability", sloth_service="checkout", sloth_slo="availability"'
MONTHLY = ('sloth_id="checkout-availability-monthly", sloth_service="checkout", '
           'sloth_slo="availability-monthly"')


def period_expr(snapshot, record):
    """The `expr` of recording rule `record` in an insta snapshot of a rule file."""
    text = open(os.path.join(SNAPSHOTS, snapshot)).read()
    m = re.search(r"- record: " + re.escape(record) + r"\n    expr: \|-\n((?:      .*\n)+)", text)
    if not m:
        sys.exit(f"{snapshot}: no rule {record}")
    return "\n".join(line[6:] for line in m.group(1).splitlines())


def traffic(minute_of_day):
    """(requests, failed requests) per second of one pod at that minute."""
    if 6 * 60 <= minute_of_day < 18 * 60:
        return 10.0, 10.0 * 0.0001
    return 0.1, 0.05


def month_slot(t):
    y, m = time.gmtime(t)[:2]
    return (y * 12 + m) % 3


def om(labels):
    """A label set as OpenMetrics writes it: no space after the commas."""
    return labels.replace(", ", ",")


def write_openmetrics(path, pods, days):
    start = END - days * 86400 - 3600
    steps = list(range(start, END + 1, 60))
    total, bad = [0.0], [0.0]
    for t in steps[1:]:
        rps, eps = traffic((t // 60) % 1440)
        total.append(total[-1] + rps * 60)
        bad.append(bad[-1] + eps * 60)
    with open(path, "w") as f:
        f.write("# TYPE http_requests_total counter\n")
        for pod in range(pods):
            for code, series in (("200", [a - b for a, b in zip(total, bad)]), ("500", bad)):
                for t, v in zip(steps, series):
                    f.write(f'http_requests_total{{job="checkout",code="{code}",pod="p{pod}"}} {v:.3f} {t}\n')
        # What the SLO's rules record every minute: 5-minute rates summed over the pods.
        rates = []
        for i, t in enumerate(steps):
            if i < 5:
                continue
            rates.append((t, pods * (bad[i] - bad[i - 5]) / 300, pods * (total[i] - total[i - 5]) / 300))
        for name, ident, pick in (
            ("slo:sli_bad_events:rate5m", ROLLING, 1),
            ("slo:sli_all_events:rate5m", ROLLING, 2),
        ):
            f.write(f"# TYPE {name} gauge\n")
            for r in rates:
                f.write(f"{name}{{{om(ident)}}} {r[pick]:.9g} {r[0]}\n")
        f.write("# TYPE slo:sli_error:ratio_rate5m gauge\n")
        for t, b, a in rates:
            if a > 0:
                f.write(f'slo:sli_error:ratio_rate5m{{{om(ROLLING)},sloth_window="5m"}} {b / a:.9g} {t}\n')
        for name, pick in (("slo:sli_bad_events:calendar_rate5m", 1), ("slo:sli_all_events:calendar_rate5m", 2)):
            f.write(f"# TYPE {name} gauge\n")
            for slot in range(3):
                for r in rates:
                    if month_slot(r[0]) == slot:
                        f.write(f'{name}{{{om(MONTHLY)},sloth_calendar_slot="{slot}"}} {r[pick]:.9g} {r[0]}\n')
        f.write("# EOF\n")
    errs = pods * bad[-1] - pods * bad[0]
    # The exact ratio over the 30 days before END, from the counters.
    i0 = len(steps) - 1 - days * 1440
    exact = (bad[-1] - bad[i0]) / (total[-1] - total[i0])
    month_start = END - (time.gmtime(END).tm_mday - 1) * 86400 - (END % 86400)
    j0 = (month_start - start) // 60
    month = (bad[-1] - bad[j0]) / (total[-1] - total[j0])
    return exact, month, errs


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def query(base, q):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": q, "time": END, "stats": "all"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        body = json.load(r)
    elapsed = time.perf_counter() - t0
    if body.get("status") != "success":
        sys.exit(f"query failed: {q}\n{body}")
    result = body["data"]["result"]
    value = float(result[0]["value"][1]) if result else float("nan")
    samples = body["data"].get("stats", {}).get("samples", {}).get("totalQueryableSamples")
    return elapsed, value, samples


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=10)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args()
    for tool in ("prometheus", "promtool"):
        if not shutil.which(tool):
            sys.exit(f"no {tool}: run scripts/setup.sh --with-prometheus first")
    work = tempfile.mkdtemp(prefix="budget-bench-")
    proc = None
    try:
        om = os.path.join(work, "data.om")
        t0 = time.time()
        exact, month, _ = write_openmetrics(om, args.pods, args.days)
        tsdb = os.path.join(work, "tsdb")
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, tsdb],
                       check=True, stdout=subprocess.DEVNULL)
        os.remove(om)
        print(f"data: {args.pods} pods, {args.days} days of 1m samples, written in {time.time() - t0:.0f}s")
        cfg = os.path.join(work, "prometheus.yml")
        open(cfg, "w").write("global:\n  evaluation_interval: 1m\n")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(work, "prometheus.log"), "w")
        proc = subprocess.Popen(["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tsdb}",
                                 "--storage.tsdb.retention.time=3650d", f"--web.listen-address=127.0.0.1:{port}"],
                                stdout=log, stderr=log)
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/-/ready", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        else:
            sys.exit("Prometheus did not become ready")
        queries = {
            "exact (ours)": period_expr("rules_slo_events_30d.snap", "slo:sli_error:ratio_rate30d"),
            "Sloth (mean of 5m ratios)": (
                f"sum_over_time(slo:sli_error:ratio_rate5m{{{ROLLING}}}[29d23h55m])\n"
                f"/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m{{{ROLLING}}}[29d23h55m])"),
            "Pyrra exact (raw increase)": (
                'sum(increase(http_requests_total{job="checkout",code="500"}[30d]))\n'
                '/\nsum(increase(http_requests_total{job="checkout"}[30d]))'),
            "calendar month (ours)": period_expr("rules_slo_calendar_month.snap", "slo:sli_error:ratio_rate1M"),
        }
        times = {k: [] for k in queries}
        seen = {}
        for _ in range(args.reps):
            for name, q in queries.items():
                elapsed, value, samples = query(base, q)
                times[name].append(elapsed)
                seen[name] = (value, samples)
        base_t = statistics.median(times["Sloth (mean of 5m ratios)"])
        base_s = seen["Sloth (mean of 5m ratios)"][1]
        print(f"\nexact 30-day error ratio from the counters: {exact:.6f}; month so far: {month:.6f}\n")
        print("| query | samples read | median (ms) | time vs Sloth | samples vs Sloth | error ratio it reports |")
        print("|---|---|---|---|---|---|")
        for name in queries:
            med = statistics.median(times[name])
            value, samples = seen[name]
            s_ratio = f"{samples / base_s:.2f}" if samples and base_s else "?"
            print(f"| {name} | {samples} | {med * 1000:.1f} | {med / base_t:.2f} | {s_ratio} | {value:.6f} |")
    finally:
        if proc:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
