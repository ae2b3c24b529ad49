"""The shipped base (notebooks/base/tiny-stories, made by tools/make-base.py;
docs/base.md): it loads quickly, `model load` prints what made it, its
weights and recipe are the ones its provenance names, and `eval` reproduces
the held-out loss it was saved at. Nothing here rebuilds it (`make base` does)."""
import hashlib
import json
import re
import subprocess
import time

from test_repl_support import REPO, loralab_binary

BASE = REPO / "notebooks" / "base" / "tiny-stories"
# The loss was measured on the machine that made the base; OpenBLAS picks
# other kernels on other processors, which moves a float32 mean in its 4th
# decimal at most (the figure is printed to 4).
LOSS_TOLERANCE = 2e-3


def provenance():
    return json.loads((BASE / "provenance.json").read_text())


def run(script, tmp_path):
    path = tmp_path / "base.lora"
    path.write_text(script)
    started = time.monotonic()
    result = subprocess.run([loralab_binary(), "run", str(path)], cwd=REPO / "notebooks", capture_output=True,
                            text=True, timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    return result.stdout, time.monotonic() - started


def test_the_provenance_names_these_weights_and_the_committed_recipe():
    record = provenance()
    weights = hashlib.sha256((BASE / "model.safetensors").read_bytes()).hexdigest()
    assert record["weights_sha256"] == weights, "model.safetensors is not the file make-base.py wrote"
    recipe = hashlib.sha256((REPO / "tools" / "make-base.py").read_bytes()).hexdigest()
    assert record["recipe_sha256"] == recipe, "tools/make-base.py changed since the base was made: run `make base`"
    log = (BASE / "training-log.csv").read_text().splitlines()
    assert log[0].startswith("step,held_out_loss")
    last = log[-1].split(",")
    assert int(last[0]) == record["steps"] and float(last[1]) == record["held_out_loss"]


def test_model_load_prints_the_version_and_hash_and_eval_reproduces_the_loss(tmp_path):
    record = provenance()
    output, _ = run('model load "base/tiny-stories"\ndata pretrain builtin:tinystories\n'
                    'eval batches=100000 batch=8 seq=128\n', tmp_path)
    assert f"base tiny-stories v{record['version']}" in output
    assert f"recipe sha256 {record['recipe_sha256'][:16]}" in output
    assert f"seed {record['seed']}" in output and f"{record['steps']} steps" in output
    row = next(line for line in output.splitlines() if line.startswith("pre-training") and "held-out" in line)
    loss = float(row.split("held-out", 1)[1].split()[0])
    assert abs(loss - record["held_out_loss"]) <= LOSS_TOLERANCE, (loss, record["held_out_loss"])
    assert int(row.split()[-2].replace(",", "")) == record["held_out_tokens"]


def test_the_base_loads_in_well_under_a_second(tmp_path):
    # The whole process (start, load, exit) against the same process without the load.
    _, empty = run('print "ready"\n', tmp_path)
    output, loading = run('model load "base/tiny-stories"\n', tmp_path)
    assert "loaded llama model" in output
    assert re.search(r"820,736 parameters", output)
    assert loading - empty < 1.0, f"loading took {loading - empty:.2f} s more than an empty script"
