"""A run gives the same bits on any number of cores: a script that
pre-trains, trains LoRA on every linear layer and fully fine-tunes the
feed-forward layers saves byte-identical files under LORALAB_THREADS=1, 2
and 3. The run cache (notebooks/runs/) was recorded on 2-core machines and is
checked on whatever CI runs on; products and sums are therefore split into
the same parts whatever the worker count (Sources/LinearAlgebra/Parallel.swift,
`arithmeticParts`). Large enough that every product is split (1,024 rows)."""
import hashlib
import os
import re
import subprocess

from test_repl_support import loralab_binary

SCRIPT = """set seed=11
model tiny dim=64 layers=2 heads=4 kv_heads=2 ffn=192 seq=128
data pretrain builtin:tinystories
pretrain steps=15 lr=3e-3 batch=8
data finetune builtin:identity
lora targets=all-linear rank=4
train steps=15 lr=3e-3 batch=8
eval batches=2
save adapter "{out}/adapter"
lora detach
finetune targets=ffn
train steps=10 lr=1e-3 batch=8
save model "{out}/model"
"""


def saved_files(tmp_path, threads):
    out = tmp_path / f"threads-{threads}"
    out.mkdir()
    script = tmp_path / f"run-{threads}.lora"
    script.write_text(SCRIPT.format(out=out))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LORALAB_THREADS": str(threads)}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            env[name] = os.environ[name]
    result = subprocess.run([loralab_binary(), "run", str(script)], capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    digests = {str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
               for path in sorted(out.rglob("*")) if path.is_file()}
    # Everything it prints but the times and the folder: losses, evaluations, counts.
    printed = re.sub(r"\d+(\.\d+)? s\b", "<time>", result.stdout.replace(str(out), "<out>"))
    return printed, digests


def test_one_two_and_three_workers_save_the_same_bytes(tmp_path):
    printed, digests = saved_files(tmp_path, 2)
    assert any(name.endswith(".safetensors") and name.startswith("adapter/") for name in digests), digests
    assert any(name.endswith(".safetensors") and name.startswith("model/") for name in digests), digests
    for threads in (1, 3):
        other_printed, other_digests = saved_files(tmp_path, threads)
        assert other_digests == digests, f"LORALAB_THREADS={threads} saved other files than 2"
        assert other_printed == printed, f"LORALAB_THREADS={threads} printed other numbers than 2"
