#!/usr/bin/env python3
"""`make interop-check`: LoRA Lab's exports against PyTorch, transformers and PEFT.

For a trained tiny model with adapters, Llama (no q/k norm) and Qwen3 (q/k
norm): `save model` + `save adapter` load with AutoModelForCausalLM +
PeftModel, the logits match LoRA Lab's within 1e-4 (max absolute), and the
greedy continuations are the same. Then examples/continue_training_peft.py
continues training the Llama adapter for a few steps as one CPU process and
as two (`accelerate launch --multi_gpu --num_processes 2` with
ACCELERATE_USE_CPU=true: `--cpu` alone starts one process whatever it is told); the loss must go down and
the result must load back into LoRA Lab with `lora load`.

Not in CI (it needs torch). Run by `make interop-check`, which makes its own venv.
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import torch
from peft import PeftModel
from safetensors.numpy import load_file
from transformers import AutoModelForCausalLM

REPO = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(os.environ.get("LORALAB_BIN", REPO / ".build" / "release" / "loralab"))
PROMPT = "Once upon a time"
NEW_TOKENS = 24


def loralab(workdir, script):
    path = workdir / "script.lora"
    path.write_text(script)
    result = subprocess.run([str(BIN), "run", str(path)], cwd=workdir, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"loralab failed:\n{result.stderr}")
    return result.stdout


def byte_text(ids):
    """LoRA Lab's byte tokenizer's decoding: bytes 0-255, three special tokens."""
    specials = {256: "<|endoftext|>", 257: "<|im_start|>", 258: "<|im_end|>"}
    out, pending = "", bytearray()
    for i in ids:
        if i < 256:
            pending.append(i)
        else:
            out += pending.decode("utf-8", errors="replace") + specials.get(i, "")
            pending = bytearray()
    return out + pending.decode("utf-8", errors="replace")


def check_architecture(workdir, qk_norm, dora=False):
    name = ("qwen3" if qk_norm else "llama") + ("-dora" if dora else "")
    folder = workdir / name
    folder.mkdir()
    adapters = ("lora targets=q,v,down rank=4 dora=true" if dora else
                "lora targets=q,v rank=4\nlora targets=down layers=1-2 rank=2 rslora=true")
    out = loralab(folder, f"""
model tiny qk_norm={'true' if qk_norm else 'false'}
data pretrain builtin:tinystories
pretrain steps=30 lr=0.003 batch=8 seq=64
data finetune builtin:identity
{adapters}
step 10 lr=0.01 batch=8 seq=64
save model "base"
save adapter "adapter" base="base"
save logits "logits.safetensors" text="{PROMPT}"
generate "{PROMPT}" temperature=0 max={NEW_TOKENS}
""")
    ours_continuation = out.rstrip("\n").split("\n")[-1]
    ours = load_file(str(folder / "logits.safetensors"))
    base = AutoModelForCausalLM.from_pretrained(str(folder / "base"), dtype=torch.float32)
    model = PeftModel.from_pretrained(base, str(folder / "adapter")).eval()
    tokens = torch.tensor(ours["tokens"].astype(np.int64))[None]
    with torch.no_grad():
        theirs = model(input_ids=tokens).logits[0].numpy()
        generated = model.generate(input_ids=tokens, max_new_tokens=NEW_TOKENS, do_sample=False,
                                   eos_token_id=256, pad_token_id=256)[0, tokens.shape[1]:].tolist()
    difference = float(np.abs(theirs - ours["logits"]).max())
    theirs_continuation = byte_text([t for t in generated if t != 256] if 256 not in generated
                                    else generated[:generated.index(256) + 1])
    print(f"{base.config.architectures[0]}{' + DoRA' if dora else ''}: max |logits(transformers+PEFT) - logits(LoRA Lab)| = {difference:.3e} "
          f"over {ours['logits'].size} logits")
    print(f"  greedy, LoRA Lab:      {ours_continuation!r}")
    print(f"  greedy, transformers:  {theirs_continuation!r}")
    assert difference <= 1e-4, difference
    assert ours_continuation == theirs_continuation.rstrip("\n").split("\n")[-1] or ours_continuation == theirs_continuation
    if dora:
        # What PEFT itself writes for DoRA (its key names, its config) loads back with the same logits.
        model.save_pretrained(str(folder / "peft-saved"))
        loralab(folder, f'model load "base"\nlora load "peft-saved"\nsave logits "back.safetensors" text="{PROMPT}"\n')
        back = load_file(str(folder / "back.safetensors"))["logits"]
        round_trip = float(np.abs(back - ours["logits"]).max())
        print(f"  PEFT's own save of it, loaded back into LoRA Lab: max |difference| = {round_trip:.3e}")
        assert round_trip <= 1e-6, round_trip
    return folder


def continue_training(folder, processes):
    data = folder / "data.txt"
    data.write_text("\n".join(["I am LoRA Lab's tiny model, trained one byte at a time."] * 50))
    out = folder / f"continued-{processes}"
    # `accelerate launch --cpu` runs one process whatever --num_processes says
    # (its simple launcher); several CPU processes take the torchrun launcher
    # (--multi_gpu) with ACCELERATE_USE_CPU, which the Accelerator reads.
    mode = ["--cpu"] if processes == 1 else ["--multi_gpu"]
    launcher = [sys.executable, "-m", "accelerate.commands.launch", *mode, "--num_processes", str(processes),
                "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    environment = dict(os.environ, ACCELERATE_USE_CPU="true")
    result = subprocess.run(launcher + [str(REPO / "examples" / "continue_training_peft.py"),
                                        "--base", str(folder / "base"), "--adapter", str(folder / "adapter"),
                                        "--data", str(data), "--out", str(out), "--steps", "30", "--lr", "3e-3",
                                        "--batch", "4", "--seq", "48"],
                            capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        sys.exit(f"continue_training_peft.py failed with {processes} processes:\n{result.stderr[-4000:]}")
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert records[0]["processes"] == processes, records[0]
    losses = [r["loss"] for r in records if "loss" in r]
    print(f"accelerate launch {' '.join(mode)} --num_processes {processes} (CPU): loss {losses[0]:.4f} → {losses[-1]:.4f} over 30 steps")
    assert losses[-1] < losses[0], losses
    back = loralab(folder, f'model load "base"\nlora load "{out}"\nshow lora\n')
    print("  lora load of the result: " + [line for line in back.splitlines() if line.startswith("attached")][0])


def main():
    if not BIN.is_file():
        sys.exit(f"{BIN} is missing: run `swift build -c release --product loralab`")
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = pathlib.Path(tmp)
        llama = check_architecture(workdir, qk_norm=False)
        check_architecture(workdir, qk_norm=True)
        check_architecture(workdir, qk_norm=False, dora=True)
        continue_training(llama, 1)
        continue_training(llama, 2)
    print("interop-check: all passed")


if __name__ == "__main__":
    main()
