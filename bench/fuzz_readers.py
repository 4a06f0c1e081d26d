"""Long fuzz run of every reader (the CI version is tests/test_fuzz_readers.py).

    python bench/fuzz_readers.py                      # 30 s per reader, random mutations
    python bench/fuzz_readers.py --seconds 600 --reader epub --reader docx
    python bench/fuzz_readers.py --engine atheris     # coverage-guided, if atheris is installed

Two engines, the same seeds and the same mutations (tests/fixtures/mutate.py):
- `random` (default, needs nothing extra): a seeded random-mutation loop, N seconds per
  reader; reproducible with --seed.
- `atheris` (`pip install atheris`; not a project dependency): libFuzzer drives the
  search by coverage, with our structured mutations as its custom mutator (and
  libFuzzer's own byte mutations a third of the time). One child process per reader.

Every example must end in a Work (which is then scanned) or a forewarn error with a
one-line message that is not the API's last-resort net. Anything else - another
exception, the net's "could not read this file (...)", more than --slow seconds - is a
failure: its input is saved to --out with the ops that made it, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fixture builders and mutators live there
if importlib.util.find_spec("forewarn") is None:  # not installed: use the source tree
    sys.path.append(str(ROOT / "src"))

from fixtures import builders as b  # noqa: E402
from fixtures import mutate as m  # noqa: E402

NET = "could not read this file ("


def seeds() -> dict[str, tuple[str, list[bytes]]]:
    spec = b.sample_spec()
    short = b.short_spec()
    return {
        "text": (
            "work.txt",
            [
                b.plain_text(spec),
                b.plain_text(spec, encoding="utf-16", bom=True),
                b.plain_text(b.ascii_quotes(spec), encoding="latin-1", newline="\r\n"),
                b.plain_text(short),
            ],
        ),
        "markdown": ("work.md", [b.markdown(spec), b.markdown(short)]),
        "html": ("work.html", [b.html_page(spec), b.html_page(short)]),
        "ao3-html": (
            "work.html",
            [b.ao3_work_page_html(spec), b.ao3_download_html(spec), b.ao3_download_html(short)],
        ),
        "epub": (
            "work.epub",
            [
                b.ao3_epub(spec),
                b.ao3_epub(spec, layout="per-file"),
                b.fanficfare_epub(spec),
                b.fanficfare_epub(spec, table=True),
                b.generic_epub(spec),
            ],
        ),
        "docx": ("work.docx", [b.docx(spec), b.docx(short, core_properties=False)]),
        "pan-jsonl": ("works.jsonl", [b.pan_jsonl(spec), b.pan_jsonl(short)]),
    }


class Hang(BaseException):
    pass


def _expire(_signum: int, _frame: object) -> None:
    raise Hang()


def classify(data: bytes, name: str, slow: float) -> tuple[str, str]:
    """("ok", format) | ("error", class) | ("fail", why). Never raises."""
    from forewarn.errors import ForewarnError
    from forewarn.ingest import read_bytes
    from forewarn.pipeline import scan_work
    from forewarn.report import Report

    started = time.monotonic()
    signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, slow * 3)
    try:
        try:
            work = read_bytes(data, name=name)
        except ForewarnError as exc:
            message = str(exc)
            if not message or "\n" in message:
                return "fail", f"{type(exc).__name__} message is not one line: {message!r}"
            if message.startswith(NET):
                return "fail", f"reader missed it, the net caught: {message}"
            result = ("error", type(exc).__name__)
        else:
            for p in work.passages:
                if work.text[p.start : p.end] != p.text:
                    return "fail", f"passage {p.id} offsets do not slice its text"
            report = scan_work(work)
            if Report.from_json(report.to_json()) != report:
                return "fail", "report does not survive a JSON round trip"
            result = ("ok", work.format)
    except Hang:
        return "fail", f"hang: still running after {slow * 3:.0f} s"
    except Exception as exc:
        return "fail", "".join(traceback.format_exception_only(exc)).strip()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.monotonic() - started
    if elapsed > slow:
        return "fail", f"slow: {elapsed:.1f} s (limit {slow} s)"
    return result


def save_failure(out: Path, reader: str, data: bytes, why: str, ops: Any) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    import hashlib

    digest = hashlib.sha256(data).hexdigest()[:16]
    path = out / f"{reader}-{digest}.bin"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(f"{why}\nops: {ops!r}\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- random engine


def run_random(
    reader: str, seconds: float, rng: random.Random, slow: float, out: Path
) -> dict[str, Any]:
    name, pool = seeds()[reader]
    donors = [s for _, group in seeds().values() for s in group]
    zipped = reader in ("epub", "docx")
    counts: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        seed = rng.choice(pool)
        ops = m.random_ops(rng, zipped)
        data = m.apply(seed, ops, donors)
        hint = name if rng.random() < 0.7 else ""
        kind, detail = classify(data, hint, slow)
        counts[f"{kind}:{detail}" if kind != "fail" else "FAIL"] += 1
        if kind == "fail":
            path = save_failure(out, reader, data, detail, ops)
            failures.append(f"{detail}  [{path}]")
    elapsed = time.monotonic() - started
    return {"reader": reader, "seconds": elapsed, "counts": dict(counts), "failures": failures}


def print_summary(result: dict[str, Any]) -> None:
    counts = result["counts"]
    total = sum(counts.values())
    print(
        f"\n{result['reader']}: {total} examples in {result['seconds']:.0f} s "
        f"({total / max(result['seconds'], 1e-9):.0f}/s)"
    )
    for key, value in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {value:7d}  {key}")
    for failure in result["failures"][:20]:
        print(f"  FAIL {failure}")


# ---------------------------------------------------------------- atheris engine


def run_atheris_child(reader: str, seconds: float, slow: float, out: Path) -> None:
    """Runs inside its own process: atheris.Fuzz() never returns."""
    import atheris

    with atheris.instrument_imports():
        import forewarn.ingest  # noqa: F401
        import forewarn.segment  # noqa: F401

    name, pool = seeds()[reader]
    donors = [s for _, group in seeds().values() for s in group]
    zipped = reader in ("epub", "docx")
    corpus = out / f"corpus-{reader}"
    corpus.mkdir(parents=True, exist_ok=True)
    for n, seed in enumerate(pool):
        (corpus / f"seed-{n}").write_bytes(seed)

    def one_input(data: bytes) -> None:
        kind, detail = classify(data, name, slow)
        if kind == "fail":
            save_failure(out, reader, data, detail, "atheris")
            raise RuntimeError(detail)

    def mutator(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        if rng.random() < 1 / 3:
            return atheris.Mutate(data, max_size)
        return m.apply(data, m.random_ops(rng, zipped, most=3), donors)[:max_size]

    atheris.Setup(
        [
            sys.argv[0],
            f"-max_total_time={int(seconds)}",
            "-max_len=262144",
            f"-artifact_prefix={out}/atheris-{reader}-",
            str(corpus),
        ],
        one_input,
        custom_mutator=mutator,
    )
    atheris.Fuzz()


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", action="append", choices=sorted(seeds()), default=None)
    parser.add_argument("--seconds", type=float, default=30.0, help="per reader")
    parser.add_argument("--engine", choices=("random", "atheris"), default="random")
    parser.add_argument("--seed", type=int, default=None, help="random engine: replay a run")
    parser.add_argument("--slow", type=float, default=5.0, help="an example slower than this fails")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(tempfile.gettempdir()) / "forewarn-fuzz",
        help="failing inputs (and the atheris corpus) go here",
    )
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--atheris-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.atheris_child:
        run_atheris_child(args.atheris_child, args.seconds, args.slow, args.out)
        return 0
    readers = args.reader or sorted(seeds())

    if args.engine == "atheris":
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not installed (pip install atheris); use --engine random")
            return 2
        status = 0
        for reader in readers:
            print(f"== {reader}: atheris for {args.seconds:.0f} s", flush=True)
            child = [sys.executable, __file__, "--atheris-child", reader]
            child += ["--seconds", str(args.seconds), "--slow", str(args.slow)]
            child += ["--out", str(args.out)]
            status |= subprocess.run(child, check=False).returncode != 0
        return int(status)

    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"random engine, seed {seed}, {args.seconds:.0f} s per reader")
    rng = random.Random(seed)
    results = [run_random(r, args.seconds, rng, args.slow, args.out) for r in readers]
    if args.json:
        print(json.dumps({"seed": seed, "results": results}, indent=2))
    else:
        for result in results:
            print_summary(result)
    failed = sum(len(r["failures"]) for r in results)
    print(f"\n{failed} failure(s); seed {seed}" + (f"; inputs in {args.out}/" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
