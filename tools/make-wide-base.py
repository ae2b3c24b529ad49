"""Makes the wider shipped base: notebooks/base/wide-stories/.

    make wide-base                      # builds the release binary, then runs this (niced)
    python3 tools/make-wide-base.py     # with .build/release/loralab (or $LORALAB_BIN) built
    python3 tools/make-wide-base.py --trial /tmp/trial   # 2 chunks of 5 steps, elsewhere

The tiny base's recipe at twice its width, so that a notebook can ask whether
an answer found on `tiny` holds on a wider model (docs/base.md): `tiny
dim=256 ffn=768` (the same 4 layers, 4 heads of 64, 2 key/value heads, and
the FFN kept at 3·dim as in `tiny`), pre-trained on the same data with the
same seed, learning rate, batches, chunks and stopping rule.

tools/make-base.py is the tiny base's recipe: its sha256 is recorded in
that base, so this file does not edit it. It loads it as a module, replaces
the constants that make the two bases differ, and runs its procedure. The
provenance records this file's sha256 as the recipe and make-base.py's as
`procedure_sha256`; integration-tests/test_shipped_base.py checks both.
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

# What differs from the tiny base; every other constant is make-base.py's.
base.NAME = "wide-stories"
base.PRESET = "tiny dim=256 ffn=768"
base.BASE_VERSION = 1
DESTINATION = ROOT / "notebooks" / "base" / base.NAME


def held_out_loss(eval_output):
    """(loss, tokens) of the pre-training row of `eval`'s table, read by its header.

    make-base.py takes the row's last column for the tokens; `eval` has since
    gained a `sequences` column after `tokens`, so its parser would record the
    sequence count. It is fixed here rather than there, where it would change
    the recipe hash the tiny base records (its own record, 56,975 tokens, was
    read when tokens was the last column)."""
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
    raise SystemExit(f"make-wide-base: no held-out pre-training row in:\n{eval_output}")


base.held_out_loss = held_out_loss


def main():
    destination = DESTINATION
    if sys.argv[1:2] == ["--trial"] and len(sys.argv) == 3:
        destination = pathlib.Path(sys.argv[2]).resolve() / base.NAME
        base.CHUNK_STEPS, base.MAX_CHUNKS = 5, 2
    elif len(sys.argv) > 1:
        raise SystemExit("usage: make-wide-base.py [--trial FOLDER]")
    if not base.BINARY.exists():
        raise SystemExit(f"make-wide-base: {base.BINARY} is not built (make build)")
    commit, recipe, procedure = base.source_commit(), base.sha256(__file__), base.sha256(PROCEDURE)
    with tempfile.TemporaryDirectory(prefix="loralab-wide-base-") as scratch:
        staging = pathlib.Path(scratch)
        log, tokens, seconds, stopped_because = base.train(staging)
        folder = staging / base.NAME
        with open(folder / "training-log.csv", "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(log[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(log)
        final = log[-1]
        provenance = {
            "name": base.NAME,
            "version": base.BASE_VERSION,
            "made_by": "tools/make-wide-base.py",
            "recipe_sha256": recipe,
            "procedure_sha256": procedure,
            "source_commit": commit,
            "numerics_version": base.NUMERICS_VERSION,
            "preset": base.PRESET,
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
        destination.chmod(0o755)
        for path in destination.iterdir():
            path.chmod(0o644)
    print(f"made {destination}: {final['step']} steps, held-out loss {final['held_out_loss']:.4f}, "
          f"{seconds:.0f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
