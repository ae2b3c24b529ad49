"""Records this machine's kernel family's witnesses of the notebooks' run
caches: for every cache (notebooks/runs/<name>/) and every shipped base its
notebook loads, `cache witness` re-trains a seeded sample of the entries made
under other OpenBLAS kernels and keeps each result beside its entry
(<key>.<family>.json), so that CI on a machine of this family re-trains
entries too (docs/design.md, "Across processors").

    make witnesses                                    # 10 per notebook, as CI samples
    python3 tools/record-witnesses.py --per-notebook 10 --seed 1 [runs/03 ...]

Uses the release build's script runner, run from notebooks/ as the notebooks
are, so `base/…` and `runs/…` resolve. Entries that have a witness of this
family already are left as they are, so a second run adds new ones.
"""
import argparse
import math
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "integration-tests"))
from notebook_caches import CACHES, NOTEBOOKS, bases_of  # noqa: E402

BINARY = ROOT / ".build" / "release" / "loralab"
FOOTER = re.compile(r"^\d+ of \d+ entr(?:y|ies) of .* witnesses.*$", re.MULTILINE)


def record(cache: pathlib.Path, per_notebook: int, seed: int) -> bool:
    bases = bases_of(cache)
    sample = math.ceil(per_notebook / len(bases))
    lines = []
    for base in bases:
        lines += [f'model load "{base}"', f'set cache="runs/{cache.name}"', f"cache witness sample={sample} seed={seed}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lab", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    start = time.monotonic()
    finished = subprocess.run([str(BINARY), "run", script.name], cwd=NOTEBOOKS, capture_output=True, text=True)
    pathlib.Path(script.name).unlink()
    seconds = time.monotonic() - start
    log = ROOT / ".build" / f"witnesses-{cache.name}.log"
    log.write_text(finished.stdout + finished.stderr)
    for footer in FOOTER.findall(finished.stdout):
        print(f"runs/{cache.name}: {footer}")
    if finished.returncode != 0:
        print(f"runs/{cache.name}: failed after {seconds:.0f} s\n{finished.stdout[-2000:]}{finished.stderr[-2000:]}")
        return False
    print(f"runs/{cache.name}: {seconds:.0f} s (every table in {log.relative_to(ROOT)})")
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-notebook", type=int, default=10, help="witnesses to record per notebook, shared between its bases")
    parser.add_argument("--seed", type=int, default=1, help="seed of each cache's random choice of entries")
    parser.add_argument("caches", nargs="*", help="runs/<name> folders (default: all of notebooks/runs)")
    arguments = parser.parse_args()
    caches = [NOTEBOOKS / c for c in arguments.caches] if arguments.caches else CACHES
    results = [record(cache, arguments.per_notebook, arguments.seed) for cache in caches]
    sys.exit(0 if all(results) else 1)
