"""Speed and memory of one scan with the shipped (learned) detector.

    python bench/bench_scan.py               # prints the figures and updates RESULTS.md
    python bench/bench_scan.py --no-append   # print only

Figures (each in a fresh process so nothing is shared by accident):
- cold start: `forewarn scan work.txt --json` from process start to the report, wall.
- warm scan: a 5,000-word work through `pipeline.scan_text` with the detector already
  loaded; median of 5 runs, wall.
- peak RSS of the warm-scan process (VmHWM), after loading the model and scanning.
- batch throughput: passages embedded + scored per second with 1 and 2 onnxruntime
  threads, reported as words/s/core.

The work is built from our own labelled passages (data/own-passages, written for this
project), shuffled with a fixed seed, until 5,000 words: a realistic mix of quiet and
dark passages. Appends (or replaces) the "## Scan" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
OWN = ROOT / "data" / "own-passages"


def build_work(words: int, seed: int = 0) -> str:
    rows = [
        json.loads(line) for f in sorted(OWN.glob("*.jsonl")) for line in f.open() if line.strip()
    ]
    random.Random(seed).shuffle(rows)
    paras: list[str] = []
    n = 0
    for r in rows:
        if n >= words:
            break
        paras.append(r["text"])
        n += len(r["text"].split())
    return "\n\n".join(paras)


WARM = r"""
import json, resource, statistics, sys, time
t0 = time.perf_counter()
from forewarn.detect import load_default
from forewarn.pipeline import scan_text
det = load_default()
text = open(sys.argv[1], encoding="utf-8").read()
scan_text(text, det)  # warm-up
times = []
for _ in range(5):
    t = time.perf_counter(); rep = scan_text(text, det); times.append(time.perf_counter() - t)
hwm = 0.0
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        hwm = int(line.split()[1]) / 1024
print(json.dumps({"detector": f"{det.name} {det.version}", "median_s": statistics.median(times),
                  "min_s": min(times), "words": rep.work.words, "passages": rep.work.passages,
                  "peak_rss_mb": hwm, "findings": rep.warnings}))
"""

BATCH = r"""
import json, sys, time
from forewarn.detect.learned import LearnedDetector, LearnedModel
from forewarn.detect.embed import OnnxEmbedder, spec_by_name
threads = int(sys.argv[2])
model = LearnedModel.load()
emb = OnnxEmbedder(spec_by_name(model.embedder), max_tokens=model.max_tokens, threads=threads)
det = LearnedDetector(model, emb)
texts = [p for p in open(sys.argv[1], encoding="utf-8").read().split("\n\n") if p.strip()]
det.score_texts(texts[:16])
t = time.perf_counter(); det.score_texts(texts); dt = time.perf_counter() - t
words = sum(len(p.split()) for p in texts)
print(json.dumps({"threads": threads, "words_per_s": words / dt, "words_per_s_per_core": words / dt / threads}))
"""


def run_py(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=5000)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work.txt"
        work.write_text(build_work(args.words), "utf-8")
        big = Path(tmp) / "batch.txt"
        big.write_text(build_work(40000, seed=1), "utf-8")

        colds = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from forewarn.cli import main; main()",
                    "scan",
                    str(work),
                    "--json",
                ],
                capture_output=True,
                check=True,
            )
            colds.append(time.perf_counter() - t)
        warm = run_py(WARM, str(work))
        batch = [run_py(BATCH, str(big), str(n)) for n in (1, 2)]

    cold = statistics.median(colds)
    load_after = os.getloadavg()[0]
    lines = [
        "## Scan",
        "",
        f"`python bench/bench_scan.py` — {time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; detector {warm['detector']}; "
        f"work of {warm['words']} words / {warm['passages']} passages built from data/own-passages; "
        f"1-min load average {load_before:.1f} before, {load_after:.1f} after (other jobs share "
        "the 2 cores: figures on an idle machine are lower). `FOREWARN_THREADS` sets "
        "onnxruntime's threads (default: all cores, at most 4).",
        "",
        "| figure | value | goal |",
        "|---|---:|---:|",
        f"| warm scan, 5,000-word work (median of 5) | {warm['median_s']:.2f} s | < 1.0 s |",
        f"| cold start: `forewarn scan work.txt --json` (median of 3) | {cold:.2f} s | < 3 s |",
        f"| peak RSS (model loaded, after scans) | {warm['peak_rss_mb']:.0f} MB | < 600 MB |",
    ]
    for b in batch:
        lines.append(
            f"| batch throughput, {b['threads']} thread(s) | {b['words_per_s']:.0f} words/s "
            f"({b['words_per_s_per_core']:.0f} words/s/core) | |"
        )
    lines.append("")
    section = "\n".join(lines)
    print(section)
    if not args.no_append:
        text = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n"
        start = text.find("## Scan")
        if start >= 0:
            # replace the heading, conditions and table; keep the prose written under them
            table = text.find("| figure |", start)
            end = text.find("\n\n", table) if table >= 0 else -1
            text = text[:start] + section.rstrip("\n") + (text[end:] if end >= 0 else "\n")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        RESULTS.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
