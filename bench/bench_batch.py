"""Batch throughput: local processes vs Ray, 1 and 2 workers, on a generated corpus.

    python bench/bench_batch.py              # 2,000 works (several minutes on 2 cores)
    python bench/bench_batch.py --works 300  # a quick run
    python bench/bench_batch.py --no-append  # print the table only

The corpus is original text generated here (seeded): sentences from a small vocabulary,
a few warning-bearing sentences, works of mixed length (log-normal, median ~2,000 words,
clipped to 150..30,000). Each configuration runs `run_batch` in a fresh process so model
loading and process start-up are counted the same way for every engine; for Ray the
local cluster is started first and its start-up is reported separately (on an existing
cluster it is paid once, not per run). Peak memory per worker is the largest VmHWM
(Linux /proc) of the processes that scanned; elsewhere sampled RSS via psutil.
Writes its table into the "## Batch" section of bench/RESULTS.md (one subsection per
detector, replaced on re-runs; other sections are left alone).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
CONFIGS = [("local", 1), ("local", 2), ("ray", 1), ("ray", 2)]

NAMES = ["Mara", "Tobin", "Ilse", "Corwin", "Wren", "Dax", "Juniper", "Abel", "Noor", "Sable"]
PLACES = ["the harbour", "the kitchen", "the library", "the orchard", "the station", "the roof"]
VERBS = ["walked to", "waited in", "cleaned", "remembered", "sketched", "left", "searched"]
OBJECTS = ["a letter", "the map", "an old coat", "the kettle", "a bruised apple", "the keys"]
DETAILS = [
    "The kettle sang on the stove.",
    "Rain tapped against the window.",
    "Somebody laughed in the next room.",
    "The light went gold and then grey.",
    "It smelled of bread and salt.",
    "Nobody said anything for a while.",
    "The radio played something half remembered.",
]
WARNING_SENTENCES = [
    "He took the razor and cut his wrists until the blood ran down his arms.",
    "The soldier shot the man in the chest and kicked him as he died screaming.",
    "She swallowed the whole bottle of pills because she wanted to die.",
    "He punched her in the face and broke her nose.",
    "Her mother had died in the fire the winter before.",
    "He called her a worthless bitch and slammed the door.",
]


# ---------------------------------------------------------------- corpus


def sentence(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return f"{rng.choice(NAMES)} {rng.choice(VERBS)} {rng.choice(PLACES)}."
    if roll < 0.7:
        return f"{rng.choice(NAMES)} found {rng.choice(OBJECTS)} in {rng.choice(PLACES)}."
    return rng.choice(DETAILS)


def work_text(rng: random.Random, words: int) -> str:
    paragraphs, count = [], 0
    while count < words:
        sentences = [sentence(rng) for _ in range(rng.randint(3, 7))]
        if rng.random() < 0.04:
            sentences.insert(rng.randrange(len(sentences)), rng.choice(WARNING_SENTENCES))
        paragraph = " ".join(sentences)
        count += len(paragraph.split())
        paragraphs.append(paragraph)
    return f"Work {rng.randrange(10**6)}\n\n" + "\n\n".join(paragraphs) + "\n"


def make_corpus(folder: Path, works: int, seed: int) -> int:
    """`works` .txt files in 20 subfolders; returns the total word count."""
    rng = random.Random(seed)
    total = 0
    for n in range(works):
        words = int(min(30_000, max(150, rng.lognormvariate(math.log(2_000), 1.0))))
        text = work_text(rng, words)
        total += len(text.split())
        path = folder / f"part-{n % 20:02d}" / f"work-{n:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return total


# ---------------------------------------------------------------- one measured run


def _proc_status(pid: int, field: str) -> int:
    """A kB figure (VmHWM: peak resident memory) from /proc/PID/status; 0 if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _peak_kb(pid: int) -> int:
    """Peak resident memory of `pid` in kB: VmHWM on Linux, else current RSS (psutil)."""
    peak = _proc_status(pid, "VmHWM")
    if peak:
        return peak
    try:
        import psutil

        return int(psutil.Process(pid).memory_info().rss // 1024)
    except Exception:
        return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds `pid` has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        times = psutil.Process(pid).cpu_times()
        return float(times.user + times.system)
    except Exception:
        return 0.0


def _descendants() -> list[tuple[int, str]]:
    """(pid, command line) of every process below this one: pool workers, or the local
    Ray's daemons and actors."""
    try:
        import psutil

        found = []
        for proc in psutil.Process().children(recursive=True):
            try:
                found.append((proc.pid, " ".join(proc.cmdline())))
            except psutil.Error:
                continue
        return found
    except ImportError:
        pass
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[1])
            commands[int(entry.name)] = cmdline.decode(errors="replace")
    mine, frontier = [], [os.getpid()]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        mine += children
        frontier += children
    return [(pid, commands[pid]) for pid in mine]


def _is_worker(command: str) -> bool:
    return "spawn_main" in command or "RayScanner" in command


class Sampler(threading.Thread):
    """Every 0.2 s: CPU time of every process below this one (the last reading before a
    process ends is its total, within 0.2 s) and peak memory of the scanning ones."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.cpu: dict[int, float] = {}
        self.workers: set[int] = set()
        self.peaks: dict[int, int] = {}
        self.stop = threading.Event()
        self.sample()
        self.baseline = sum(self.cpu.values())  # e.g. Ray's daemons before the run

    def sample(self) -> None:
        for pid, command in _descendants():
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu_seconds(pid))
            if _is_worker(command):
                self.workers.add(pid)
                self.peaks[pid] = max(self.peaks.get(pid, 0), _peak_kb(pid))

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.sample()

    def children_cpu(self) -> float:
        return sum(self.cpu.values()) - self.baseline

    def worker_cpu(self) -> float:
        return sum(self.cpu[pid] for pid in self.workers)


def run_one(engine: str, workers: int, corpus: Path, out: Path) -> dict[str, Any]:
    """Runs in a fresh process: time one run_batch, and count the CPU time and peak
    memory of the processes that did the work."""
    sys.path.insert(0, str(ROOT / "src"))
    from forewarn.batch import run_batch

    ray_start = 0.0
    if engine == "ray":
        import ray

        started = time.perf_counter()
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        ray_start = time.perf_counter() - started
    load_before = os.getloadavg()[0]
    sampler = Sampler()
    sampler.start()
    own_cpu = time.process_time()
    summary = run_batch(corpus, out, workers=workers, engine=engine)
    own_cpu = time.process_time() - own_cpu
    sampler.stop.set()
    sampler.join()
    sampler.sample()
    peaks = sampler.peaks or {os.getpid(): _peak_kb(os.getpid())}  # x1 scans in-process
    if engine == "ray":
        import ray

        ray.shutdown()
    return {
        "engine": engine,
        "workers": workers,
        "seconds": summary.seconds,
        "cpu_seconds": own_cpu + sampler.children_cpu(),
        # the scanning processes alone (this process when it scans itself)
        "scan_cpu_seconds": sampler.worker_cpu() or own_cpu,
        "works": summary.processed,
        "errors": summary.errors,
        "words": summary.words,
        "ray_start": ray_start,
        "peak_mb": max(peaks.values(), default=0) / 1024,
        "load": (load_before + os.getloadavg()[0]) / 2,
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "models": sorted({json.loads(line)["model"] or "" for line in out.open()} - {""}),
    }


def _spin(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - started


def machine_ceiling(n: int = 20_000_000) -> float:
    """How much faster two processes finish two equal pure-Python loops than one process
    finishes one, times two: 2.0 on two free cores. Small VMs often give far less (vCPUs
    that share one physical core, a CPU quota), which caps every engine's scaling."""
    import multiprocessing as mp

    one = _spin(n)
    with mp.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [1000, 1000])  # start both processes before timing
        started = time.perf_counter()
        pool.map(_spin, [n, n])
        two = time.perf_counter() - started
    return 2 * one / two


def measure(engine: str, workers: int, corpus: Path, out: Path) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, __file__, "--one", engine, str(workers), str(corpus), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise SystemExit(f"{engine} x{workers} failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report


def table(results: list[dict[str, Any]], works: int, words: int, seed: int, ceiling: float) -> str:
    by = {(r["engine"], r["workers"]): r for r in results}
    model = _model_name()
    lines = [
        f"### Detector `{model}`, {works:,} works",
        "",
        f"`python bench/bench_batch.py --works {works}"
        + (" --detector lexicon" if model.startswith("lexicon") else "")
        + f"` on {platform.machine()}, {os.cpu_count()} vCPUs, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}. Corpus: {works:,} "
        f"generated works, {words:,} words (mean {words // max(works, 1):,}, log-normal "
        f"lengths, seed {seed}), one .txt each. Wall time of `run_batch` in a fresh process "
        "(process start-up and model load included); Ray on a local 2-CPU instance already "
        "started. CPU s: all processes of the run (for Ray, its daemons too). "
        f"FOREWARN_THREADS={os.environ.get('FOREWARN_THREADS', '')}: one compute thread per "
        "worker.",
        "",
        "| engine | workers | seconds | works/s | words/s | speed-up | CPU s | cores used "
        "| words/CPU-s | peak RSS/worker | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        base = by.get((r["engine"], 1))
        speedup = f"{base['seconds'] / r['seconds']:.2f}x" if base else "-"
        lines.append(
            f"| {r['engine']} | {r['workers']} | {r['seconds']:.1f} | "
            f"{r['works'] / r['seconds']:.1f} | {r['words'] / r['seconds']:,.0f} | "
            f"{speedup} | {r['cpu_seconds']:.0f} | {r['cpu_seconds'] / r['seconds']:.2f} | "
            f"{r['words'] / r['cpu_seconds']:,.0f} | "
            f"{r['peak_mb']:.0f} MB | {r['load']:.1f} |"
        )
    notes = [
        f"this machine's own ceiling for 2 processes (two pure-Python loops, no forewarn, "
        f"measured just before): {ceiling:.2f}x"
    ]
    if ("local", 2) in by:
        speedup = by[("local", 1)]["seconds"] / by[("local", 2)]["seconds"]
        notes.append(f"local scaling 1->2 workers: {speedup:.2f}x wall-clock (target >= 1.7x)")
        one, two = by[("local", 1)], by[("local", 2)]
        cost = (two["cpu_seconds"] / two["words"]) / (one["cpu_seconds"] / one["words"])
        notes.append(
            f"CPU per word with 2 workers vs 1: {cost - 1:+.1%}; with two otherwise idle "
            f"cores that projects to {2 / cost:.2f}x (a projection from CPU time, not a "
            "wall-clock measurement; it ignores the last shard's tail)"
        )
    for n in (1, 2):
        if ("ray", n) in by and ("local", n) in by:
            ray, local = by[("ray", n)], by[("local", n)]
            wall = ray["seconds"] / local["seconds"] - 1
            cpu = (ray["cpu_seconds"] / ray["words"]) / (local["cpu_seconds"] / local["words"]) - 1
            scan = ray["scan_cpu_seconds"] / local["scan_cpu_seconds"] - 1
            notes.append(
                f"Ray overhead vs local, {n} worker(s): {wall:+.1%} wall-clock, "
                f"{cpu:+.1%} CPU per word in all processes, {scan:+.1%} in the scanning "
                "processes alone (the rest is Ray's own daemons) (target < 15%)"
            )
    if ("local", 1) in by:
        local = by[("local", 1)]
        notes.append(
            f"per-core throughput (local x1, words per CPU-second): "
            f"{local['words'] / local['cpu_seconds']:,.0f}"
        )
    if any(r["ray_start"] for r in results):
        start = max(r["ray_start"] for r in results)
        notes.append(f"starting the local Ray instance took {start:.1f}s (not in the times)")
    busy = [r for r in results if r["load"] > r["workers"] + 1.5]
    if busy:
        notes.append(
            "the machine was shared during "
            + ", ".join(f"{r['engine']} x{r['workers']} (load {r['load']:.1f})" for r in busy)
            + f" on {os.cpu_count()} CPUs: those wall-clock figures understate the engine"
        )
    same = len({r["sha256"] for r in results}) == 1
    notes.append(f"all outputs byte-identical: {'yes' if same else 'NO'}")
    models = sorted({m for r in results for m in r["models"]})
    if models != [model]:
        notes.append(f"WARNING: rows name detectors {models}, not only `{model}`")
    notes.append(f"error rows: {max(r['errors'] for r in results)}")
    return "\n".join([*lines, "", *(f"- {n}" for n in notes), ""])


def _model_name() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from forewarn.detect import load_default

    detector = load_default()
    return f"{detector.name} {detector.version}"


BATCH_INTRO = """## Batch

`bench/bench_batch.py`: words/s and works/s of `forewarn batch` for local processes and
Ray with 1 and 2 workers on a generated corpus, peak memory per worker, CPU time. One
subsection per detector; each re-run replaces its own subsection.
"""


def update_results(block: str, path: Path = RESULTS) -> None:
    """Put `block` (a "### ..." subsection) into the "## Batch" section of RESULTS.md,
    replacing the subsection with the same heading; other sections stay as they are."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    start = text.find("\n## Batch\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + BATCH_INTRO
        start = text.find("\n## Batch\n")
    end = text.find("\n## ", start + 1)
    end = len(text) if end < 0 else end + 1
    section = text[start + 1 : end]
    heading = block.splitlines()[0]
    at = section.find(heading + "\n")
    if at >= 0:
        stop = section.find("\n### ", at + 1)
        stop = len(section) if stop < 0 else stop + 1
        section = section[:at] + block.rstrip("\n") + "\n\n" + section[stop:]
    else:
        section = section.rstrip("\n") + "\n\n" + block.rstrip("\n") + "\n\n"
    rest = text[end:]
    section = section.rstrip("\n") + ("\n\n" if rest else "\n")
    path.write_text(text[: start + 1] + section + rest, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--configs", default=",".join(f"{e}:{w}" for e, w in CONFIGS))
    parser.add_argument("--no-append", action="store_true", help="print, do not write RESULTS")
    parser.add_argument(
        "--detector",
        choices=["default", "lexicon"],
        default="default",
        help="lexicon: force the lexicon detector (FOREWARN_DETECTOR=lexicon)",
    )
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        engine, workers, corpus, out = args.one
        print(json.dumps(run_one(engine, int(workers), Path(corpus), Path(out))))
        return
    configs = [(c.split(":")[0], int(c.split(":")[1])) for c in args.configs.split(",")]
    if args.detector == "lexicon":
        os.environ["FOREWARN_DETECTOR"] = "lexicon"  # inherited by every measured run
    # one compute thread per worker, also for --workers 1 (which scans in the main process
    # and would otherwise let the embedding network use every core): scaling is per core
    os.environ.setdefault("FOREWARN_THREADS", "1")
    with tempfile.TemporaryDirectory(prefix="forewarn-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        words = make_corpus(corpus, args.works, args.seed)
        print(f"corpus: {args.works:,} works, {words:,} words in {corpus}", flush=True)
        ceiling = machine_ceiling()
        print(f"machine ceiling for 2 processes: {ceiling:.2f}x", flush=True)
        results = []
        for engine, workers in configs:
            result = measure(engine, workers, corpus, Path(tmp) / f"out-{engine}-{workers}.jsonl")
            print(
                f"{engine} x{workers}: {result['seconds']:.1f}s "
                f"{result['words'] / result['seconds']:,.0f} words/s",
                flush=True,
            )
            results.append(result)
    section = table(results, args.works, words, args.seed, ceiling)
    print(section)
    if not args.no_append:
        update_results(section)
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
