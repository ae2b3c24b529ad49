"""Every run cache the notebooks keep (notebooks/runs/<name>/) still holds the
numbers a training gives: a real kernel, started where the notebooks run, loads
the shipped base, turns the cache on and re-trains a random sample of its
entries with `cache check`, which rebuilds each entry's data itself and fails
when a number differs beyond its tolerance. The sample's seed is random per run
and printed, so that a failure can be repeated."""
import pathlib
import random

import pytest
from jupyter_client.manager import start_new_kernel

pytestmark = pytest.mark.usefixtures("kernelspec")

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
CACHES = sorted(path for path in (NOTEBOOKS / "runs").glob("*") if path.is_dir())


@pytest.mark.skipif(not CACHES, reason="notebooks/runs/ holds no run cache yet")
@pytest.mark.parametrize("cache", CACHES, ids=[path.name for path in CACHES])
def test_cached_runs_are_recomputed_within_the_tolerance(cache):
    seed = random.randrange(1, 1_000_000)
    print(f"{cache.name}: cache check sample=10 seed={seed}")
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

        for line in ['model load "base/tiny-stories"', f'set cache="runs/{cache.name}"',
                     f"cache check sample=10 seed={seed}"]:
            reply = kc.execute_interactive(line, timeout=3600, output_hook=collect)
            assert reply["content"]["status"] == "ok", f"{line} (seed {seed}):\n" + "".join(outputs[-40:])
        report = "".join(outputs)
        print(report[-3000:])
        assert "re-trained" in report
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
