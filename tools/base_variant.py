"""The procedure a variant of the shipped base runs: tools/make-base.py's recipe
with a few of its constants replaced (docs/base.md).

A variant's own script (tools/make-mha-base.py) holds only what differs —
its name, its preset, its version — and calls `make`. The provenance then
records three hashes: the variant's script as the recipe, and make-base.py and
this file as the procedure, so that a change to any of them shows in
integration-tests/test_shipped_base.py.

tools/make-wide-base.py predates this module and carries its own copy of
`make`: its sha256 is recorded in the committed wide base, so moving it here
waits until that base is re-made.
"""
import csv
import importlib.util
import json
import pathlib
import shutil
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROCEDURE = ROOT / "tools" / "make-base.py"

_spec = importlib.util.spec_from_file_location("make_base", PROCEDURE)
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)


def held_out_loss(eval_output):
    """(loss, tokens) of the pre-training row of `eval`'s table, read by its header.

    make-base.py takes the row's last column for the tokens; `eval` has since
    gained a `sequences` column after `tokens`. It is fixed here rather than
    there, where it would change the recipe hash the tiny base records."""
    lines = eval_output.splitlines()
    header = next((line.replace("± SE", "±SE").split() for line in lines
                   if line.split()[:1] == ["data"] and "tokens" in line), None)
    for line in lines:
        if header and line.startswith("pre-training") and "held-out" in line:
            cells = line.split()
            # The source column may hold spaces in a quoted path: index from the right.
            tokens = cells[len(cells) - len(header) + header.index("tokens")]
            loss = cells[len(cells) - len(header) + header.index("loss")]
            return float(loss), int(tokens.replace(",", ""))
    raise SystemExit(f"base-variant: no held-out pre-training row in:\n{eval_output}")


base.held_out_loss = held_out_loss


def make(recipe_file, name, preset, version, argv):
    """Trains make-base.py's recipe with `name`, `preset` and `version` replaced,
    and writes it to notebooks/base/<name> (or, with `--trial FOLDER`, 2 chunks
    of 5 steps into FOLDER/<name>, to check the script)."""
    recipe_file = pathlib.Path(recipe_file).resolve()
    base.NAME, base.PRESET, base.BASE_VERSION = name, preset, version
    destination = ROOT / "notebooks" / "base" / name
    if argv[:1] == ["--trial"] and len(argv) == 2:
        destination = pathlib.Path(argv[1]).resolve() / name
        base.CHUNK_STEPS, base.MAX_CHUNKS = 5, 2
    elif argv:
        raise SystemExit(f"usage: {recipe_file.name} [--trial FOLDER]")
    if not base.BINARY.exists():
        raise SystemExit(f"base-variant: {base.BINARY} is not built (make build)")
    # Read before training: the sources may change while it runs, the binary does not.
    commit = base.source_commit()
    procedures = {f"tools/{path.name}": base.sha256(path) for path in (PROCEDURE, pathlib.Path(__file__))}
    recipe = base.sha256(recipe_file)
    with tempfile.TemporaryDirectory(prefix=f"loralab-{name}-") as scratch:
        staging = pathlib.Path(scratch)
        log, tokens, seconds, stopped_because = base.train(staging)
        folder = staging / name
        with open(folder / "training-log.csv", "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(log[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(log)
        final = log[-1]
        provenance = {
            "name": name,
            "version": version,
            "made_by": f"tools/{recipe_file.name}",
            "recipe_sha256": recipe,
            "procedure_sha256": procedures,
            "source_commit": commit,
            "numerics_version": base.NUMERICS_VERSION,
            "preset": preset,
            "data": base.DATA,
            "seed": base.SEED,
            "steps": final["step"],
            "lr": float(base.LEARNING_RATE),
            "batch": base.BATCH,
            "seq": base.SEQ,
            "schedule": f"cosine over each {base.CHUNK_STEPS}-step chunk (warm restarts; AdamW restarts too)",
            "stop_rule": f"stop after the first chunk that improves the held-out loss by less than {base.STOP_IMPROVEMENT:.0%}",
            "stopped_because": stopped_because,
            "eval": base.EVAL,
            "held_out_loss": final["held_out_loss"],
            "held_out_tokens": tokens,
            "weights_sha256": base.sha256(folder / "model.safetensors"),
        }
        (folder / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n")
        base.verify(folder, final["held_out_loss"])
        if destination.exists():
            shutil.rmtree(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder, destination)
        # Committed files: readable by whoever checks them out (save model makes them 0600).
        destination.chmod(0o755)
        for path in destination.iterdir():
            path.chmod(0o644)
    print(f"made {destination}: {final['step']} steps, held-out loss {final['held_out_loss']:.4f}, "
          f"{seconds:.0f} s", flush=True)
