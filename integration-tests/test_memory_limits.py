"""Limits from real memory: with LORALAB_MEMORY_LIMIT set, a model or a
training step that would not fit is refused before it allocates, with the
estimate and the limit in GiB, and the session goes on (the script runner
stops at the failing line; the kernel-level promise is the engine's)."""
import os
import subprocess


def run_script(loralab_bin, tmp_path, script, limit):
    path = tmp_path / "memory.lora"
    path.write_text(script)
    env = dict(os.environ, LORALAB_MEMORY_LIMIT=limit)
    return subprocess.run([str(loralab_bin), "run", str(path)], capture_output=True, text=True, env=env, timeout=120)


def test_a_model_that_does_not_fit_is_refused_with_the_estimate_and_the_limit(loralab_bin, tmp_path):
    # tiny at dim 1024 and 8 layers holds about 34M parameters, 134 MB of weights.
    done = run_script(loralab_bin, tmp_path, "model tiny dim=1024 layers=8\n", "64MiB")
    assert done.returncode != 0
    assert "this model (" in done.stderr and "needs about 0.13 GiB" in done.stderr, done.stderr
    assert "but 0.0625 GiB is available to this process (LORALAB_MEMORY_LIMIT)" in done.stderr, done.stderr


def test_the_same_model_fits_under_a_larger_limit(loralab_bin, tmp_path):
    done = run_script(loralab_bin, tmp_path, "model tiny dim=1024 layers=8\nprint built\n", "1GiB")
    assert done.returncode == 0, done.stderr
    assert "built" in done.stdout


def test_a_training_step_that_does_not_fit_is_refused_and_a_small_one_runs(loralab_bin, tmp_path):
    # tiny fits in 64 MiB; one step at 64 × 256 tokens needs about half a GiB of activations.
    script = ("model tiny\ndata finetune builtin:identity\nlora targets=q,v rank=4\n"
              "step batch=2 seq=64\nprint small step ran\nstep batch=64 seq=256\n")
    done = run_script(loralab_bin, tmp_path, script, "64MiB")
    assert "small step ran" in done.stdout, done.stderr
    assert done.returncode != 0
    assert "training at 64 × 256 tokens per step needs about" in done.stderr, done.stderr
    assert "activations" in done.stderr and "LORALAB_MEMORY_LIMIT" in done.stderr, done.stderr
