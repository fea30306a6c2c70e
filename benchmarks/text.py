"""Text benchmark: milliseconds per kilobyte the KB's text matcher takes to read words.

    python benchmarks/text.py [--kilobytes 64] [--rounds 3]

Reads three texts of about ``--kilobytes`` each with the matcher the screening uses
(``KB.text_matcher``), each made new every round so that no answer is kept from an
earlier one (the matcher keeps answers per text):

- ``ordinary``: a clinical note's sentences ("Patient seen for review of chronic low back
  pain, stable, walking well.") repeated;
- ``findings``: sentences that name a finding, a denial and a history in each
  ("History of cancer, no metastasis, pain in neck.");
- ``dense``: nothing but words that name a finding ("metastasis pain metastasis pain
  ..."), the costliest text per kilobyte;

and ``dense`` at the length read of any one text (``TEXT_CHARS``): the most one text
costs. Prints the median of ``--rounds`` per text, as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

TEXTS = {
    "ordinary": "Patient seen for review of chronic low back pain, stable, walking well. ",
    "findings": "History of cancer, no metastasis, pain in neck. ",
    "dense": "metastasis pain ",
}


def timed(find: object, text: str, rounds: int) -> float:
    """The median seconds of reading ``text`` made new each round."""
    seconds = []
    for n in range(rounds):
        fresh = f"{n} {time.time_ns()} {text}"  # new at its start: a text is read to TEXT_CHARS
        start = time.perf_counter()
        find(fresh)  # type: ignore[operator]
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kilobytes", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from spinecare.kb import load_kb
    from spinecare.kb.text import TEXT_CHARS

    matcher = load_kb().text_matcher
    matcher.find("warm up: metastasis, no fever")
    for name, unit in TEXTS.items():
        text = unit * (args.kilobytes * 1024 // len(unit))
        seconds = timed(matcher.find, text, args.rounds)
        kb = len(text.encode()) / 1024
        row = {"text": name, "kilobytes": round(kb), "seconds": round(seconds, 3)}
        print(json.dumps({**row, "ms_per_kb": round(1000 * seconds / kb, 2)}), flush=True)
    dense = TEXTS["dense"] * (TEXT_CHARS // len(TEXTS["dense"]) + 1)
    seconds = timed(matcher.find, dense, args.rounds)
    print(
        json.dumps(
            {
                "text": "dense, the most one text is read",
                "characters": TEXT_CHARS,
                "seconds": round(seconds, 2),
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
