"""Every run cache the notebooks keep (notebooks/runs/<name>/) still holds the
numbers a training gives: a real kernel, started where the notebooks run, loads
each shipped base its notebook loads, turns the cache on and re-trains a random
sample of that base's entries with `cache check`, which rebuilds each entry's
data itself and fails when a number differs beyond its tolerance. At least 10
entries are re-trained per notebook, shared evenly between its bases (about
16 minutes on two cores, most of CI's time; a new seed each run covers the
caches over runs). The sample's seed is random per run and printed, so that a
failure can be repeated.

An entry records the OpenBLAS kernel family that computed it (Cooperlake,
SkylakeX or Haswell, docs/design.md "Across processors"). Under other
kernels a long run drifts beyond any tolerance worth the name, so `cache
check` holds an entry to its own numbers only under its family, and under
another to its witness of that family (<key>.<family>.json beside it,
recorded by `make witnesses`); both count as this machine's here. A cache
with neither for this machine's family is skipped, saying so: `make
witnesses` (or `make runs`) records them."""
import math
import random
import re

import pytest
from jupyter_client.manager import start_new_kernel

from notebook_caches import CACHES, NOTEBOOKS, bases_of

pytestmark = pytest.mark.usefixtures("kernelspec")

SAMPLE_PER_NOTEBOOK = 10
RETRAINED = re.compile(r"(\d+) of (\d+) entr(?:y|ies) of \S+ re-trained under the (\S+) kernels")
OTHER_BASE = re.compile(r"(\d+) another base model")
OTHER_KERNELS = re.compile(r"(\d+) made under the (\S+) kernels")


def test_every_cache_belongs_to_a_notebook_that_loads_a_shipped_base():
    for cache in CACHES:
        assert bases_of(cache), f"{cache.name}: its notebook loads no base/… model"


@pytest.mark.skipif(not CACHES, reason="notebooks/runs/ holds no run cache yet")
@pytest.mark.parametrize("cache", CACHES, ids=[path.name for path in CACHES])
def test_cached_runs_are_recomputed_within_the_tolerance(cache):
    bases = bases_of(cache)
    sample = math.ceil(SAMPLE_PER_NOTEBOOK / len(bases))
    seed = random.randrange(1, 1_000_000)
    print(f"{cache.name}: cache check sample={sample} seed={seed} on {', '.join(bases)}")
    km, kc = start_new_kernel(kernel_name="loralab", startup_timeout=60, cwd=str(NOTEBOOKS))
    try:
        outputs = []

        def collect(message):
            content = message["content"]
            if message["msg_type"] == "stream":
                outputs.append(content["text"])
            elif message["msg_type"] in ("execute_result", "display_data"):
                outputs.append(content["data"].get("text/plain", ""))
            elif message["msg_type"] == "error":
                outputs.append(f"{content['ename']}: {content['evalue']}")

        retrained, eligible, families, here = 0, 0, set(), None
        for base in bases:
            start = len(outputs)
            for line in [f'model load "{base}"', f'set cache="runs/{cache.name}"', f"cache check sample={sample} seed={seed}"]:
                reply = kc.execute_interactive(line, timeout=3600, output_hook=collect)
                assert reply["content"]["status"] == "ok", f"{line} (seed {seed}):\n" + "".join(outputs[-40:])
            report = "".join(outputs[start:])
            print(report[-3000:])
            counted = RETRAINED.search(report)
            assert counted, f"{base}: cache check printed no count:\n{report[-2000:]}"
            checked, entries, here = int(counted.group(1)), int(counted.group(2)), counted.group(3)
            other_base = sum(int(n) for n in OTHER_BASE.findall(report))
            other_kernels = sum(int(n) for n, _ in OTHER_KERNELS.findall(report))
            families.update(family for _, family in OTHER_KERNELS.findall(report))
            assert other_base < entries, f"{base}: no entry of runs/{cache.name} was made on this base"
            # This base's entries of this machine's kernels or with its witness: every one, up to the sample, re-trained.
            mine = entries - other_base - other_kernels
            assert checked >= min(sample, mine), f"{base}: {checked} of {mine} entries made here re-trained"
            retrained += checked
            eligible += mine
        if eligible == 0:
            pytest.skip(f"runs/{cache.name}: no entry was made under the {here} kernels this machine runs, "
                        f"nor has a {here} witness (they were made under {', '.join(sorted(families))}); "
                        "`make witnesses` records witnesses")
        assert retrained >= min(SAMPLE_PER_NOTEBOOK, eligible)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
