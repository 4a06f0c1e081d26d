"""Loopback load benchmark for `forewarn serve`.

Starts the real server (`forewarn serve`, a subprocess on a free 127.0.0.1 port), sends
a fixed number of POST /v1/scan requests carrying the same 2,000-word story, and prints:
requests/s and p50/p95 latency for one client (sequential) and for several concurrent
clients, and the server's resident memory (RSS, from /proc) sampled through the
concurrent run to show it holds steady. Nothing leaves the machine.

    python bench/bench_server.py                      # 200 sequential + 1,000 concurrent
    python bench/bench_server.py --requests 1000 --concurrency 4 --no-write

Results are appended to bench/RESULTS.md under "## Server" (that section only is
replaced on a re-run; other sections are left alone).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADING = "## Server"

# An original story, repeated and numbered to reach the word count: mostly quiet, with
# one violent and one grieving paragraph so the detectors have real work to do.
PARAGRAPHS = [
    "The harbour woke slowly that morning. Gulls argued over the nets, the baker swept "
    "her step, and the tide crept up the slipway one patient inch at a time while the "
    "fishing boats knocked gently against the old stone wall.",
    "Ada walked the length of the quay with her collar up, counting the bollards the way "
    "she had as a child, and stopped at the ferry office to ask whether the evening "
    "crossing would run in this weather.",
    "The stranger drew a knife and stabbed the ferryman twice in the stomach. Blood poured "
    "over his hands and pooled on the planks, and he screamed as the blade went in again.",
    "Afterwards she sat by the fire in the inn and could not stop shaking. The landlord "
    "brought her tea she did not drink, and outside the rain came down hard on the slates.",
    "They buried the ferryman on the hill above the harbour. Ada stood at the back of the "
    "small crowd and thought about how quickly a person could be gone, and how quiet it was after.",
]


def make_story(words: int) -> str:
    """A story of exactly `words` words: a title line, then numbered paragraphs."""
    out = ["The Ferryman's Debt"]
    count = 3
    n = 0
    while count < words:
        para = f"{PARAGRAPHS[n % len(PARAGRAPHS)]} ({n + 1})"
        need = words - count
        tokens = para.split()
        if len(tokens) > need:
            para = " ".join(tokens[:need])
        out.append(para)
        count += len(para.split())
        n += 1
    return "\n\n".join(out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-c",
        "from forewarn.cli import main; main()",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"the server exited early:\n{err}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start within 120 s")


@dataclass
class Run:
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(round(q * (len(data) - 1))))] * 1000


def post(client: httpx.Client, url: str, text: str) -> float:
    started = time.perf_counter()
    r = client.post(url, json={"text": text})
    elapsed = time.perf_counter() - started
    if r.status_code != 200:
        raise SystemExit(f"request failed: {r.status_code} {r.text[:200]}")
    return elapsed


def sequential(url: str, text: str, n: int) -> Run:
    with httpx.Client(timeout=60) as client:
        started = time.perf_counter()
        lat = [post(client, url, text) for _ in range(n)]
        return Run(n, time.perf_counter() - started, lat)


def concurrent(
    url: str, text: str, n: int, clients: int, pid: int, every: int
) -> tuple[Run, list[tuple[int, float]]]:
    """`n` requests from `clients` threads; RSS sampled every `every` completed requests."""
    lock = threading.Lock()
    done = 0
    issued = 0
    latencies: list[float] = []
    samples: list[tuple[int, float]] = [(0, rss_mb(pid))]

    def worker() -> None:
        nonlocal done, issued
        with httpx.Client(timeout=60) as client:
            while True:
                with lock:
                    if issued >= n:
                        return
                    issued += 1
                lat = post(client, url, text)
                with lock:
                    latencies.append(lat)
                    done += 1
                    if done % every == 0:
                        samples.append((done, rss_mb(pid)))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Run(n, time.perf_counter() - started, latencies), samples


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def write_section(text: str) -> None:
    """Replace this benchmark's own section of RESULTS.md, or append it."""
    old = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(old):
        new = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", old, count=1)
    else:
        new = old.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(new, "utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--words", type=int, default=2000)
    ap.add_argument("--sequential", type=int, default=200, help="requests from one client")
    ap.add_argument("--requests", type=int, default=1000, help="requests in the concurrent run")
    ap.add_argument("--concurrency", type=int, default=4, help="concurrent clients")
    ap.add_argument("--workers", type=int, default=2, help="server scan workers")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()

    text = make_story(args.words)
    load_before = os.getloadavg()[0]
    port = free_port()
    proc = start_server(port, args.workers)
    url = f"http://127.0.0.1:{port}/v1/scan"
    try:
        model = httpx.get(f"http://127.0.0.1:{port}/healthz").json()["model"]
        with httpx.Client(timeout=60) as client:
            for _ in range(args.warmup):
                post(client, url, text)
        rss_warm = rss_mb(proc.pid)
        seq = sequential(url, text, args.sequential)
        conc, samples = concurrent(
            url, text, args.requests, args.concurrency, proc.pid, max(1, args.requests // 20)
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()

    rss_values = [mb for _, mb in samples]
    half = len(rss_values) // 2
    second_half_growth = rss_values[-1] - rss_values[half]
    lines = [
        HEADING,
        "",
        f"`python bench/bench_server.py` — {time.strftime('%Y-%m-%d')}, {cpu_name()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; model "
        f"{model['name']} {model['version']}; server `forewarn serve` on 127.0.0.1 with "
        f"{args.workers} scan workers; POST /v1/scan with a {args.words:,}-word text (JSON), "
        f"{args.warmup} warm-up requests first; 1-minute load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other work on the "
        "machine slows every figure).",
        "",
        "| run | requests | requests/s | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|",
        f"| 1 client, sequential | {seq.requests} | {seq.rps:.1f} | {seq.pct(0.5):.1f} | {seq.pct(0.95):.1f} |",
        f"| {args.concurrency} clients, concurrent | {conc.requests} | {conc.rps:.1f} | "
        f"{conc.pct(0.5):.1f} | {conc.pct(0.95):.1f} |",
        "",
        f"Server RSS: {rss_warm:.1f} MB after warm-up; over the {conc.requests} concurrent "
        f"requests min {min(rss_values):.1f} / max {max(rss_values):.1f} / end "
        f"{rss_values[-1]:.1f} MB; change over the second half {second_half_growth:+.1f} MB.",
        "RSS samples (requests done: MB): " + ", ".join(f"{n}: {mb:.1f}" for n, mb in samples),
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_section(section)
        print(f"(written to {RESULTS})")


if __name__ == "__main__":
    main()
