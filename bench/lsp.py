#!/usr/bin/env python3
"""Latency of `relcheck lsp` (docs/benchmarks.md, "relcheck lsp").

Usage: bench/lsp.py [--relcheck BIN] [--runs N] [DIR...]
       (default BIN: $CARGO_TARGET_DIR or target, release/relcheck, built first with
        `cargo build --release -p relcheck`; default DIRs: examples/quickstart,
        examples/pipeline-demo, policy-cli/tests/fixtures/fix)

For each directory, one server is started, initialized, and the first .tf file (by name)
is opened. Then N rounds, each:

  * change:  didChange with the text plus a comment line that changes every round (so the
             check cannot be skipped), timed until publishDiagnostics for that document;
  * action:  textDocument/codeAction over the whole document, timed to its response
             (every fixable finding's fix is made, parsed, and checked once more with the
             directory, as `--fix` does);
  * hover:   textDocument/hover at the first diagnostic (at 0:0 when there is none);
  * check:   the baseline, `relcheck check --format json --fail-on never DIR` as a process
             (process start, the same check, rendering), alternating with the above.

Printed: medians and 90th percentiles in ms, and each median as a ratio of the baseline's
median from the same run. The target is an answer within 100 ms on these directories.
Every response is checked (diagnostics published for the document, results present);
the loops are bounded (N rounds, 60 s per message), and only loopback pipes are used.
"""

import argparse
import json
import os
import select
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WAIT = 60.0


class Server:
    def __init__(self, relcheck, cwd):
        self.p = subprocess.Popen(
            [relcheck, "lsp"], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.buf = b""
        self.next_id = 1

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        fd = self.p.stdout.fileno()
        deadline = time.monotonic() + WAIT
        while True:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if sep:
                length = None
                for line in head.split(b"\r\n"):
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v)
                if length is not None and len(rest) >= length:
                    self.buf = rest[length:]
                    return json.loads(rest[:length])
            left = deadline - time.monotonic()
            if left <= 0:
                sys.exit("bench/lsp.py: no message from relcheck lsp in %ds" % WAIT)
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    sys.exit("bench/lsp.py: relcheck lsp closed its output")
                self.buf += chunk

    def request(self, method, params):
        i = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == i and "method" not in m:
                if "error" in m:
                    sys.exit("bench/lsp.py: %s failed: %s" % (method, m["error"]))
                return m["result"]

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, uri):
        while True:
            m = self.read()
            if (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
            ):
                return m["params"]["diagnostics"]

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.p.stdin.close()
        code = self.p.wait(timeout=WAIT)
        if code != 0:
            sys.exit("bench/lsp.py: relcheck lsp exited with %d" % code)


def uri_of(path):
    from urllib.parse import quote

    return "file://" + quote(os.path.realpath(path))


def stats(xs):
    xs = sorted(xs)
    return statistics.median(xs), xs[min(len(xs) - 1, int(len(xs) * 0.9))]


def bench_dir(relcheck, d, runs):
    tf = sorted(f for f in os.listdir(d) if f.endswith(".tf"))
    if not tf:
        sys.exit("bench/lsp.py: no .tf file in %s" % d)
    path = os.path.join(d, tf[0])
    with open(path, encoding="utf-8") as f:
        text = f.read()
    uri = uri_of(path)
    s = Server(relcheck, d)
    s.request("initialize", {"processId": None, "rootUri": uri_of(d), "capabilities": {}})
    s.notify("initialized", {})
    s.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "terraform", "version": 1, "text": text}},
    )
    diags = s.diagnostics(uri)
    lines = text.count("\n") + 1
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": lines, "character": 0}}
    times = {"change": [], "action": [], "hover": [], "check": []}
    actions = 0
    for r in range(runs):
        new = text + "# bench round %d\n" % r
        t = time.perf_counter()
        s.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": r + 2}, "contentChanges": [{"text": new}]},
        )
        diags = s.diagnostics(uri)
        times["change"].append(time.perf_counter() - t)

        t = time.perf_counter()
        res = s.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": whole, "context": {"diagnostics": diags}},
        )
        times["action"].append(time.perf_counter() - t)
        actions = len(res)

        at = diags[0]["range"]["start"] if diags else {"line": 0, "character": 0}
        t = time.perf_counter()
        s.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at})
        times["hover"].append(time.perf_counter() - t)

        t = time.perf_counter()
        out = subprocess.run(
            [relcheck, "check", "--format", "json", "--fail-on", "never", d],
            capture_output=True,
            check=False,
        )
        times["check"].append(time.perf_counter() - t)
        if out.returncode not in (0, 1):
            sys.exit("bench/lsp.py: relcheck check %s: %s" % (d, out.stderr.decode()))
        json.loads(out.stdout)
    s.close()
    return times, len(diags), actions


def main():
    ap = argparse.ArgumentParser()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    ap.add_argument("--relcheck", default=os.path.join(target, "release", "relcheck"))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("dirs", nargs="*")
    a = ap.parse_args()
    dirs = a.dirs or [
        os.path.join(ROOT, "examples/quickstart"),
        os.path.join(ROOT, "examples/pipeline-demo"),
        os.path.join(ROOT, "policy-cli/tests/fixtures/fix"),
    ]
    print("relcheck lsp, %d rounds per directory, load average %.1f" % (a.runs, os.getloadavg()[0]))
    print(
        "| directory | diagnostics | fixes | didChange → diagnostics ms (p90) "
        "| codeAction ms (p90) | hover ms (p90) | `check` process ms | change / check |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for d in dirs:
        times, n, actions = bench_dir(a.relcheck, d, a.runs)
        m = {k: stats(v) for k, v in times.items()}
        cell = lambda k: "%.1f (%.1f)" % (m[k][0] * 1e3, m[k][1] * 1e3)
        print(
            "| %s | %d | %d | %s | %s | %s | %.1f | %.2f |"
            % (
                os.path.relpath(d, ROOT) if os.path.abspath(d).startswith(ROOT + os.sep) else d,
                n,
                actions,
                cell("change"),
                cell("action"),
                cell("hover"),
                m["check"][0] * 1e3,
                m["change"][0] / m["check"][0],
            )
        )


if __name__ == "__main__":
    main()
