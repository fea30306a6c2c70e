"""Command-line start-up benchmark: whole-process wall time of the commands people wait
for, held against ``python -c "import fastapi"`` measured in the same run.

    python benchmarks/cli.py [--rounds 15] [--file tests/fixtures/ehr/<one>.json]

Each round runs every command once, in turn (interleaved, so that the load of a shared
machine falls on all of them alike); the medians over the rounds are printed with the
ratio to the floor. The runs use the interpreter and the ``spinecare`` script of the
environment this file is run with. The first (unmeasured) round warms the OS file cache
and the parsed-KB cache of the data directory, as any earlier run of the CLI would.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "tests" / "fixtures" / "ehr" / "active_with_past_abatement.json"


def commands(file: Path) -> dict[str, list[str]]:
    spinecare = shutil.which("spinecare", path=str(Path(sys.executable).parent)) or "spinecare"
    return {
        'python -c "import fastapi" (floor)': [sys.executable, "-c", "import fastapi"],
        f"spinecare screen {file.name}": [spinecare, "screen", str(file), "--as-of", "2026-11-20"],
        "spinecare kb check": [spinecare, "kb", "check"],
        "spinecare --help": [spinecare, "--help"],
    }


def run(argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args()
    todo = commands(args.file)
    for argv in todo.values():
        run(argv)
    walls: dict[str, list[float]] = {name: [] for name in todo}
    cpus: dict[str, list[float]] = {name: [] for name in todo}
    for _ in range(args.rounds):
        for name, argv in todo.items():
            wall, cpu = run(argv)
            walls[name].append(wall)
            cpus[name].append(cpu)
    floor_name = next(iter(todo))
    floor_wall = statistics.median(walls[floor_name])
    floor_cpu = statistics.median(cpus[floor_name])
    print(f"{args.rounds} interleaved rounds, medians of the whole process (wall; CPU user+sys)")
    for name in todo:
        wall = statistics.median(walls[name])
        cpu = statistics.median(cpus[name])
        print(
            f"  {name:<50} wall {wall:6.3f} s {wall / floor_wall:5.2f}x floor"
            f"   CPU {cpu:6.3f} s {cpu / floor_cpu:5.2f}x floor"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
