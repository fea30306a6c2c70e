"""The server's memory while gzip bombs are posted: a small gzip body that inflates to
gigabytes, sent to ``/api/screen``. Target: under 300 MB of growth, and an answer (400)
instead of a frozen or killed server.

    .venv/bin/python benchmarks/gzip_bomb.py [--inflated-gb 1 4] [--cap 128MiB]

The server (uvicorn, one process, as in ``under_load.py``) runs in its own process; its
resident memory is sampled every 10 ms from /proc while each bomb is answered. The cap on
inflated bytes is the setting ``SPINECARE_MAX_INFLATED_BYTES`` (``--cap``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from under_load import free_port, start_server  # noqa: E402


def bomb(gigabytes: float) -> bytes:
    """gzip of ``gigabytes`` of spaces, made a megabyte at a time (never whole in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1 << 20)
    parts = [packer.compress(block) for _ in range(int(gigabytes * 1024))]
    parts.append(packer.flush())
    return b"".join(parts)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inflated-gb", type=float, nargs="*", default=[1.0, 4.0])
    parser.add_argument("--cap", default="128MiB")
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    import httpx

    os.environ["SPINECARE_MAX_INFLATED_BYTES"] = args.cap
    folder = tempfile.mkdtemp(prefix="spinecare-bomb-")
    port = free_port()
    server = start_server(port, folder)
    try:
        base = f"http://127.0.0.1:{port}"
        httpx.get(f"{base}/login", timeout=30)
        for gb in args.inflated_gb:
            body = bomb(gb)
            before = rss_mb(server.pid)
            peak = before
            done = threading.Event()

            def sample(done: threading.Event = done) -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, rss_mb(server.pid))
                    time.sleep(0.01)

            sampler = threading.Thread(target=sample)
            sampler.start()
            start = time.perf_counter()
            answer = httpx.post(
                f"{base}/api/screen",
                content=body,
                headers={"content-type": "application/json"},
                timeout=300,
            )
            seconds = time.perf_counter() - start
            done.set()
            sampler.join()
            print(
                json.dumps(
                    {
                        "inflates_to_gb": gb,
                        "posted_mb": round(len(body) / 2**20, 2),
                        "status": answer.status_code,
                        "seconds": round(seconds, 2),
                        "rss_before_mb": round(before),
                        "rss_peak_mb": round(peak),
                        "growth_mb": round(peak - before),
                        "cap": args.cap,
                    }
                ),
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
