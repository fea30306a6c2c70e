"""Command-line start-up benchmark: whole-process wall time of the commands people wait
for, held against ``python -c "import fastapi"`` measured in the same run.

    python benchmarks/cli.py [--rounds 15] [--file tests/fixtures/ehr/<one>.json]
                             [--against /path/to/other/tree] [--bytecode-cache DIR]

Each round runs every command once, in turn (interleaved, so that the load of a shared
machine falls on all of them alike); the medians over the rounds are printed with the
ratio to the floor. The runs use the interpreter and the ``spinecare`` script of the
environment this file is run with, and its ``PYTHONPATH`` (which source tree is imported
is printed). The first (unmeasured) round warms the OS file cache and the parsed-KB cache
of the data directory, as any earlier run of the CLI would.

``--against`` runs the spinecare commands a second time per round with ``PYTHONPATH``
set to another source tree (say the main branch), for a before/after in the same run.

Compiled bytecode: an installed package comes with it (pip compiles the modules, and
``make install`` compiles spinecare's in the source tree), but a source tree not
installed that way and run with ``PYTHONDONTWRITEBYTECODE`` set compiles every spinecare
module at every start while the floor's libraries are read compiled. The
header says which case is measured; ``--bytecode-cache DIR`` runs every command, the
floor too, with ``PYTHONPYCACHEPREFIX=DIR`` and bytecode writing on, so that the warm-up
round compiles the modules once, as an installation would.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "tests" / "fixtures" / "ehr" / "active_with_past_abatement.json"
FLOOR = 'python -c "import fastapi" (floor)'


def commands(file: Path) -> dict[str, list[str]]:
    spinecare = shutil.which("spinecare", path=str(Path(sys.executable).parent)) or "spinecare"
    return {
        FLOOR: [sys.executable, "-c", "import fastapi"],
        f"spinecare screen {file.name}": [spinecare, "screen", str(file), "--as-of", "2026-11-20"],
        "spinecare kb check": [spinecare, "kb", "check"],
        "spinecare --help": [spinecare, "--help"],
    }


def environment(tree: str | None, bytecode_cache: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = tree
    if bytecode_cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    return env


def describe(env: dict[str, str]) -> str:
    """Which spinecare the environment imports, and whether its bytecode is cached."""
    probe = (
        "import importlib.util, os, sys, spinecare.cli as m;"
        "c = importlib.util.cache_from_source(m.__file__);"
        "print(os.path.dirname(os.path.dirname(m.__file__)),"
        " 'compiled' if os.path.exists(c) else"
        " 'not compiled' + (' (bytecode writing off)' if sys.dont_write_bytecode else ''))"
    )
    done = subprocess.run(
        [sys.executable, "-P", "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--against", help="another source tree, run with PYTHONPATH=AGAINST")
    parser.add_argument("--bytecode-cache", type=Path, help="PYTHONPYCACHEPREFIX for every run")
    args = parser.parse_args()
    trees: dict[str, dict[str, str]] = {"": environment(None, args.bytecode_cache)}
    if args.against:
        trees[" [against]"] = environment(args.against, args.bytecode_cache)
    todo: list[tuple[str, list[str], dict[str, str]]] = []
    for name, argv in commands(args.file).items():
        for label, env in trees.items():
            if name != FLOOR or not label:
                todo.append((name + label, argv, env))
    for _name, argv, env in todo:
        run(argv, env)
    for label, env in trees.items():
        print(f"spinecare{label or ''}: {describe(env)}")
    walls: dict[str, list[float]] = {name: [] for name, _, _ in todo}
    cpus: dict[str, list[float]] = {name: [] for name, _, _ in todo}
    for _ in range(args.rounds):
        for name, argv, env in todo:
            wall, cpu = run(argv, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    floor_wall = statistics.median(walls[FLOOR])
    floor_cpu = statistics.median(cpus[FLOOR])
    print(f"{args.rounds} interleaved rounds, medians of the whole process (wall; CPU user+sys)")
    for name, _, _ in todo:
        wall = statistics.median(walls[name])
        cpu = statistics.median(cpus[name])
        print(
            f"  {name:<60} wall {wall:6.3f} s {wall / floor_wall:5.2f}x floor"
            f"   CPU {cpu:6.3f} s {cpu / floor_cpu:5.2f}x floor"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
