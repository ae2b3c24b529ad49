"""Makes the shipped, pre-trained base: notebooks/base/tiny-stories/.

    make base                      # builds the release binary, then runs this (niced)
    python3 tools/make-base.py     # with .build/release/loralab (or $LORALAB_BIN) built
    python3 tools/make-base.py --trial /tmp/trial   # 2 chunks of 5 steps, elsewhere: checks the script

The notebooks start from this base instead of pre-training for minutes
(docs/base.md). It is the `tiny` preset pre-trained on builtin:tinystories
with a fixed seed, in chunks of CHUNK_STEPS steps with a full held-out
`eval` after each chunk, until a chunk improves the held-out story loss by
less than STOP_IMPROVEMENT (1%) of its previous value.

Each chunk is one `pretrain steps=100`, whose cosine schedule runs over its
own steps: the learning rate warm-restarts at its peak every chunk, and so
does AdamW's state (pretrain makes a fresh optimizer). The held-out loss is
read at the end of each chunk, where the schedule has annealed to 0.1·peak.

Python only drives the program: every step, every eval and the files are
LoRA Lab's own (`loralab repl` on a pipe reads one cell per line), and the
weights are written by `save model` (Sources/Checkpoint's safetensors
writer). This script then adds, beside them:

    provenance.json    what made the base: the sha256 of this file (which
                       holds the whole recipe), the seed, steps, lr, the final
                       held-out loss, the commit the binary was built from,
                       and the weights' sha256; `model load` prints it.
    training-log.csv   the held-out loss after every chunk (the curve the
                       stopping rule read).

Before replacing the committed folder it loads the new one in a fresh
process and checks that `eval` gives the recorded loss.
"""
import csv
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = pathlib.Path(os.environ.get("LORALAB_BIN", ROOT / ".build" / "release" / "loralab"))
DESTINATION = ROOT / "notebooks" / "base" / "tiny-stories"

# The recipe. Changing any of it changes this file's sha256, and so the
# recorded recipe hash: a base always says exactly what made it.
NAME = "tiny-stories"
BASE_VERSION = 1
# Bumped when a change to the engine alters what this recipe trains (the
# project has no engine-wide numerics version yet; the commit is recorded too).
NUMERICS_VERSION = 1
SEED = 42
PRESET = "tiny"
DATA = "builtin:tinystories"
LEARNING_RATE = "3e-3"
BATCH = 16
SEQ = 128
CHUNK_STEPS = 100
STOP_IMPROVEMENT = 0.01
# A bound so that the script ends whatever happens (200 × 100 steps).
MAX_CHUNKS = 200
# More batches than the held-out split has: eval reads all of it.
EVAL = "eval batches=100000 batch=8 seq=128"

MARKER = "@@make-base-cell-done@@"


class Session:
    """One `loralab repl` on a pipe: a cell in, its output up to a marker out."""

    def __init__(self, cwd):
        self.process = subprocess.Popen(
            [str(BINARY), "repl"], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1,
            env={**os.environ, "LORALAB_HISTORY_FILE": os.devnull})

    def run(self, cell):
        self.process.stdin.write(cell + "\n" + f'print "{MARKER}"\n')
        self.process.stdin.flush()
        lines = []
        for line in self.process.stdout:
            if line.strip() == MARKER:
                text = "".join(lines)
                if re.search(r"^error: ", text, re.MULTILINE):
                    raise SystemExit(f"make-base: `{cell}` failed:\n{text}")
                return text
            lines.append(line)
        raise SystemExit(f"make-base: loralab ended during `{cell}`:\n{''.join(lines)}")

    def close(self):
        self.process.stdin.close()
        if self.process.wait(timeout=60) != 0:
            raise SystemExit(f"make-base: loralab exited with status {self.process.returncode}")


def held_out_loss(eval_output):
    """(loss, tokens) of the pre-training row of `eval`'s table."""
    for line in eval_output.splitlines():
        if line.startswith("pre-training") and "held-out" in line:
            after = line.split("held-out", 1)[1].split()
            return float(after[0]), int(after[-1].replace(",", ""))
    raise SystemExit(f"make-base: no held-out pre-training row in:\n{eval_output}")


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def source_commit():
    """The commit the binary's sources are at, marked when they differ from it."""
    def git(*arguments):
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    commit = git("rev-parse", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "Sources", "Package.swift")
    return commit + ("-dirty" if dirty else "")


def train(staging):
    session = Session(cwd=staging)
    session.run(f"set seed={SEED}\nmodel {PRESET}\ndata pretrain {DATA}")
    start = time.monotonic()
    initial, tokens = held_out_loss(session.run(EVAL))
    log = [{"step": 0, "held_out_loss": initial, "train_loss_last": "", "improvement": "", "seconds": 0.0}]
    print(f"step 0: held-out {initial:.4f} ({tokens} tokens)", flush=True)
    previous = initial
    stopped_because = f"the bound of {MAX_CHUNKS} chunks (still improving)"
    for chunk in range(1, MAX_CHUNKS + 1):
        summary = session.run(f"pretrain steps={CHUNK_STEPS} lr={LEARNING_RATE} batch={BATCH} seq={SEQ}")
        last_train = re.search(r"loss [\d.]+ → ([\d.]+)", summary)
        loss, tokens = held_out_loss(session.run(EVAL))
        improvement = (previous - loss) / previous
        elapsed = time.monotonic() - start
        log.append({"step": chunk * CHUNK_STEPS, "held_out_loss": loss,
                    "train_loss_last": last_train.group(1) if last_train else "",
                    "improvement": f"{improvement:.5f}", "seconds": round(elapsed, 1)})
        print(f"step {chunk * CHUNK_STEPS}: held-out {loss:.4f} ({100 * improvement:+.2f}%) after {elapsed:.0f} s", flush=True)
        previous = loss
        if improvement < STOP_IMPROVEMENT:
            stopped_because = f"the last {CHUNK_STEPS} steps improved the held-out loss by {improvement:.2%} < {STOP_IMPROVEMENT:.0%}"
            break
    print(f"make-base: stopped: {stopped_because}", flush=True)
    session.run(f'save model "{NAME}"')
    session.close()
    return log, tokens, time.monotonic() - start, stopped_because


def verify(folder, expected):
    """A fresh process loads the folder and evaluates it: the recorded loss must come back."""
    session = Session(cwd=folder.parent)
    loaded = session.run(f'model load "{folder.name}"')
    loss, _ = held_out_loss(session.run(f"data pretrain {DATA}\n{EVAL}"))
    session.close()
    if abs(loss - expected) > 1e-4:
        raise SystemExit(f"make-base: the saved base evaluates to {loss}, not the {expected} it was saved at")
    print(loaded.strip(), flush=True)


def main():
    global DESTINATION, CHUNK_STEPS, MAX_CHUNKS
    if sys.argv[1:2] == ["--trial"] and len(sys.argv) == 3:
        DESTINATION, CHUNK_STEPS, MAX_CHUNKS = pathlib.Path(sys.argv[2]).resolve() / NAME, 5, 2
    elif len(sys.argv) > 1:
        raise SystemExit("usage: make-base.py [--trial FOLDER]")
    if not BINARY.exists():
        raise SystemExit(f"make-base: {BINARY} is not built (make build)")
    # Read before training: the sources may change while it runs, the binary does not.
    commit, recipe = source_commit(), sha256(__file__)
    with tempfile.TemporaryDirectory(prefix="loralab-base-") as scratch:
        staging = pathlib.Path(scratch)
        log, tokens, seconds, stopped_because = train(staging)
        folder = staging / NAME
        with open(folder / "training-log.csv", "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(log[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(log)
        final = log[-1]
        provenance = {
            "name": NAME,
            "version": BASE_VERSION,
            "made_by": "tools/make-base.py",
            "recipe_sha256": recipe,
            "source_commit": commit,
            "numerics_version": NUMERICS_VERSION,
            "preset": PRESET,
            "data": DATA,
            "seed": SEED,
            "steps": final["step"],
            "lr": float(LEARNING_RATE),
            "batch": BATCH,
            "seq": SEQ,
            "schedule": f"cosine over each {CHUNK_STEPS}-step chunk (warm restarts; AdamW restarts too)",
            "stop_rule": f"stop after the first chunk that improves the held-out loss by less than {STOP_IMPROVEMENT:.0%}",
            "stopped_because": stopped_because,
            "eval": EVAL,
            "held_out_loss": final["held_out_loss"],
            "held_out_tokens": tokens,
            "weights_sha256": sha256(folder / "model.safetensors"),
        }
        (folder / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n")
        verify(folder, final["held_out_loss"])
        if DESTINATION.exists():
            shutil.rmtree(DESTINATION)
        DESTINATION.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder, DESTINATION)
        # Committed files: readable by whoever checks them out (save model makes them 0600).
        DESTINATION.chmod(0o755)
        for path in DESTINATION.iterdir():
            path.chmod(0o644)
    print(f"made {DESTINATION}: {final['step']} steps, held-out loss {final['held_out_loss']:.4f}, "
          f"{seconds:.0f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
