"""Do the notebooks' verdicts survive another OpenBLAS kernel family?

The committed run caches were computed under one kernel family; a witness
(<key>.<family>.json beside an entry, from `cache witness` or `make
witnesses`) is the same run trained under another. For each cache named, this
copies the repository's tracked files and the named caches as they are in
the working tree to a scratch folder, puts every entry's witness of FAMILY
in the entry's place (an entry trained under FAMILY itself stays),
re-executes the cache's notebook there (its tables now the other family's
trainings) and compares the verdicts `tools/notebook_claims.py` draws from
them with the committed ones (docs/design.md, "Across processors").

    make family-verdicts CACHES="runs/03 runs/07"
    python3 tools/family-verdicts.py [--family Haswell] [--keep] runs/03 [runs/07 ...]

Every entry of a named cache made under another family needs its witness:
`cache witness` (or tools/record-witnesses.py with a large --per-notebook)
records the missing ones. Needs the `loralab` kernelspec on JUPYTER_PATH (make kernelspec). Exits
1 when a verdict differs, 2 when the check cannot be made.
"""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
RUNS = ROOT / "notebooks" / "runs"
sys.path.insert(0, str(ROOT / "integration-tests"))
from notebook_caches import bases_of  # noqa: E402


def entries(cache: pathlib.Path) -> list:
    """The entries' keys: <64 hex digits>.json, not a witness's <key>.<family>.json."""
    return sorted(path.stem for path in cache.glob("*.json") if "." not in path.stem and len(path.stem) == 64)


def witness_families(cache: pathlib.Path) -> set:
    return {path.name.split(".")[1] for path in cache.glob("*.*.json")}


def made_under(cache: pathlib.Path, key: str, family: str) -> bool:
    """Whether the entry itself was trained under `family` (then it is its own twin)."""
    return json.loads((cache / f"{key}.json").read_text())["kernels"].lower() == family.lower()


def missing_witnesses(cache: pathlib.Path, family: str) -> list:
    missing = []
    for key in entries(cache):
        if made_under(cache, key, family):
            continue
        if not (cache / f"{key}.{family}.json").exists():
            missing.append(key)
        elif (cache / f"{key}.safetensors").exists() and not (cache / f"{key}.{family}.safetensors").exists():
            missing.append(key)
    return missing


def copy_repository(into: pathlib.Path):
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if not name:
            continue
        source, target = ROOT / name, into / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def put_witnesses_in_place(cache: pathlib.Path, family: str):
    for key in entries(cache):
        if made_under(cache, key, family):
            continue
        witness = json.loads((cache / f"{key}.{family}.json").read_text())
        assert witness["kernels"].lower() == family.lower(), f"{key}: its {family} witness records {witness['kernels']}"
        shutil.copyfile(cache / f"{key}.{family}.json", cache / f"{key}.json")
        if (cache / f"{key}.safetensors").exists():
            shutil.copyfile(cache / f"{key}.{family}.safetensors", cache / f"{key}.safetensors")


def claims(root: pathlib.Path) -> dict:
    """notebook_claims' rows of `root`: claim → (notebook, measured, verdict)."""
    printed = subprocess.run([sys.executable, str(root / "tools" / "notebook_claims.py")], cwd=root,
                             capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in printed.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].startswith("`"):
            rows[cells[0]] = (cells[1].strip("`"), cells[2], cells[3])
    return rows


def verdict_word(verdict: str) -> str:
    """'holds', 'partly', 'contradicted', …: what comes before the verdict's first colon."""
    return verdict.split(":", 1)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("caches", nargs="+", help="runs/<name> folders under notebooks/")
    parser.add_argument("--family", help="the witnesses' kernel family (default: the one every named cache has)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy and say where it is")
    arguments = parser.parse_args()
    caches = [RUNS / pathlib.Path(name).name for name in arguments.caches]
    for cache in caches:
        if not cache.is_dir():
            print(f"{cache.relative_to(ROOT)}: no such run cache")
            return 2
    family = arguments.family
    if family is None:
        common = set.intersection(*(witness_families(cache) for cache in caches))
        if len(common) != 1:
            print(f"name the family with --family (the caches' witnesses: {', '.join(sorted(common)) or 'none in common'})")
            return 2
        family, = common
    incomplete = [(cache, missing_witnesses(cache, family)) for cache in caches]
    incomplete = [(cache, keys) for cache, keys in incomplete if keys]
    for cache, keys in incomplete:
        print(f"runs/{cache.name}: {len(keys)} of {len(entries(cache))} entries have no {family} witness "
              f"(e.g. {keys[0][:12]}); record them with tools/record-witnesses.py "
              f"--per-notebook {len(entries(cache)) * len(bases_of(cache))} runs/{cache.name}")
    if incomplete:
        return 2

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="family-verdicts-"))
    try:
        return compare_in(scratch, caches, family)
    finally:
        if arguments.keep:
            print(f"the copy: {scratch}")
        else:
            shutil.rmtree(scratch)


def compare_in(scratch: pathlib.Path, caches: list, family: str) -> int:
    copy_repository(scratch)
    notebooks = []
    for cache in caches:
        # The named caches as they are here, witnesses not yet committed included.
        copied = scratch / "notebooks" / "runs" / cache.name
        shutil.rmtree(copied, ignore_errors=True)
        shutil.copytree(cache, copied)
        put_witnesses_in_place(copied, family)
        notebook, = (scratch / "notebooks").glob(f"{cache.name}-*.ipynb")
        notebooks.append(notebook)
    before = {cache.name: len(list((scratch / "notebooks" / "runs" / cache.name).iterdir())) for cache in caches}
    executed = subprocess.run([sys.executable, str(scratch / "tools" / "execute-notebooks.py"), *map(str, notebooks)], cwd=scratch)
    if executed.returncode != 0:
        print(f"a notebook failed in {scratch}")
        return 2
    for cache in caches:
        trained = len(list((scratch / "notebooks" / "runs" / cache.name).iterdir())) - before[cache.name]
        if trained:
            print(f"runs/{cache.name}: {trained} files were added: the notebook trained runs its cache did not hold "
                  f"(under {family} too, but not as the committed entries' twins)")

    committed, other = claims(ROOT), claims(scratch)
    names = {notebook.name for notebook in notebooks}
    compared = differing = 0
    for claim, (notebook, measured, verdict) in committed.items():
        if notebook not in names:
            continue
        compared += 1
        _, other_measured, other_verdict = other[claim]
        same = verdict_word(verdict) == verdict_word(other_verdict)
        differing += not same
        print(f"{'same' if same else 'DIFFERS'}  {notebook}: {claim}")
        print(f"    committed: {verdict}")
        if other_verdict != verdict:
            print(f"    {family}: {other_verdict}")
        if not same:
            print(f"    measured, committed: {measured}")
            print(f"    measured, {family}: {other_measured}")
    print(f"{compared - differing} of {compared} verdicts the same under the {family} witnesses of "
          f"{', '.join('runs/' + cache.name for cache in caches)}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
