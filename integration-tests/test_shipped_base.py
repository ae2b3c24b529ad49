"""The shipped bases (notebooks/base/tiny-stories, made by tools/make-base.py;
notebooks/base/wide-stories, the same recipe at dim 256, made by
tools/make-wide-base.py; notebooks/base/mha-stories, the same recipe with
kv_heads=4, made by tools/make-mha-base.py through tools/base_variant.py;
docs/base.md): each loads quickly, `model load`
prints what made it, its weights and recipe are the ones its provenance
names, and `eval` reproduces the held-out loss it was saved at. Nothing here
rebuilds them (`make base`, `make wide-base` do)."""
import hashlib
import json
import re
import subprocess
import time

import pytest

from test_repl_support import REPO, loralab_binary

TOOLS = REPO / "tools"
# name → (the script that holds its recipe, the procedure files it ran besides it, its parameter count)
BASES = {
    "tiny-stories": ("make-base.py", [], "820,736"),
    "wide-stories": ("make-wide-base.py", ["make-base.py"], "3,214,336"),
    "mha-stories": ("make-mha-base.py", ["make-base.py", "base_variant.py"], "886,272"),
}
# The loss was measured on the machine that made the base; OpenBLAS picks
# other kernels on other processors, which moves a float32 mean in its 4th
# decimal at most (the figure is printed to 4).
LOSS_TOLERANCE = 2e-3


def provenance(name):
    return json.loads((REPO / "notebooks" / "base" / name / "provenance.json").read_text())


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(script, tmp_path):
    path = tmp_path / "base.lora"
    path.write_text(script)
    started = time.monotonic()
    result = subprocess.run([loralab_binary(), "run", str(path)], cwd=REPO / "notebooks", capture_output=True,
                            text=True, timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    return result.stdout, time.monotonic() - started


@pytest.mark.parametrize("name", BASES)
def test_the_provenance_names_these_weights_and_the_committed_recipe(name):
    recipe, procedures, _ = BASES[name]
    record = provenance(name)
    folder = REPO / "notebooks" / "base" / name
    assert record["name"] == name and record["made_by"] == f"tools/{recipe}"
    assert record["weights_sha256"] == sha256(folder / "model.safetensors"), "model.safetensors is not the file the script wrote"
    assert record["recipe_sha256"] == sha256(TOOLS / recipe), f"tools/{recipe} changed since {name} was made: re-make it"
    # One procedure file is recorded as its hash; several as {path: hash}.
    recorded = record.get("procedure_sha256")
    if isinstance(recorded, str):
        recorded = {f"tools/{procedures[0]}": recorded}
    assert sorted(recorded or {}) == sorted(f"tools/{procedure}" for procedure in procedures)
    for procedure in procedures:
        assert recorded[f"tools/{procedure}"] == sha256(TOOLS / procedure), \
            f"tools/{procedure} changed since {name} was made: re-make it"
    log = (folder / "training-log.csv").read_text().splitlines()
    assert log[0].startswith("step,held_out_loss")
    last = log[-1].split(",")
    assert int(last[0]) == record["steps"] and float(last[1]) == record["held_out_loss"]


@pytest.mark.parametrize("name", BASES)
def test_model_load_prints_the_version_and_hash_and_eval_reproduces_the_loss(name, tmp_path):
    record = provenance(name)
    output, _ = run(f'model load "base/{name}"\ndata pretrain builtin:tinystories\n'
                    'eval batches=100000 batch=8 seq=128\n', tmp_path)
    assert f"base {name} v{record['version']}" in output
    assert f"recipe sha256 {record['recipe_sha256'][:16]}" in output
    assert f"seed {record['seed']}" in output and f"{record['steps']} steps" in output
    row = next(line for line in output.splitlines() if line.startswith("pre-training") and "held-out" in line)
    loss = float(row.split("held-out", 1)[1].split()[0])
    assert abs(loss - record["held_out_loss"]) <= LOSS_TOLERANCE, (loss, record["held_out_loss"])
    assert int(row.split()[-2].replace(",", "")) == record["held_out_tokens"]


@pytest.mark.parametrize("name", BASES)
def test_the_base_loads_in_well_under_a_second(name, tmp_path):
    # The whole process (start, load, exit) against the same process without the load.
    _, empty = run('print "ready"\n', tmp_path)
    output, loading = run(f'model load "base/{name}"\n', tmp_path)
    assert "loaded llama model" in output
    assert f"{BASES[name][2]} parameters" in output
    assert loading - empty < 1.0, f"loading took {loading - empty:.2f} s more than an empty script"
