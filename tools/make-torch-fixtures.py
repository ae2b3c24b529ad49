"""Writes the small `torch.save` fixtures the Swift tests read
(Tests/CheckpointTests/Fixtures/torch/), with the expected tensors of each
good file as JSON beside it.

Run once by hand when the fixtures need to change; CI never runs it (it needs
torch, which CI does not install):

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch
    /tmp/torchvenv/bin/python tools/make-torch-fixtures.py

The good files are shaped like MiniMind's own: `full_sft_*.pth` holds the
model's state dict (MiniMind saves it with every tensor converted to half),
`lora_*.pth` the `…q_proj.lora.A.weight` / `…lora.B.weight` pairs that
MiniMind's model_lora.py puts on every square linear layer. The broken ones
each exercise one error of the reader.
"""
import collections
import io
import json
import math
import os
import pathlib
import zipfile

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "CheckpointTests" / "Fixtures" / "torch"

# A MiniMind-3 block at toy size: hidden 16, 4 query heads, 2 key/value heads
# of dimension 4, q/k norms, SwiGLU of 32, a vocabulary of 24, two layers,
# the head tied to the embedding.
HIDDEN, HEADS, KV_HEADS, HEAD_DIM, FFN, VOCAB, LAYERS, RANK = 16, 4, 2, 4, 32, 24, 2, 2


def minimind_state_dict(generator):
    def weight(*shape):
        return torch.randn(*shape, generator=generator) * 0.1

    state = collections.OrderedDict()
    embedding = weight(VOCAB, HIDDEN)
    state["model.embed_tokens.weight"] = embedding
    for layer in range(LAYERS):
        prefix = f"model.layers.{layer}."
        state[prefix + "self_attn.q_proj.weight"] = weight(HEADS * HEAD_DIM, HIDDEN)
        state[prefix + "self_attn.k_proj.weight"] = weight(KV_HEADS * HEAD_DIM, HIDDEN)
        state[prefix + "self_attn.v_proj.weight"] = weight(KV_HEADS * HEAD_DIM, HIDDEN)
        state[prefix + "self_attn.o_proj.weight"] = weight(HIDDEN, HEADS * HEAD_DIM)
        state[prefix + "self_attn.q_norm.weight"] = 1 + weight(HEAD_DIM)
        state[prefix + "self_attn.k_norm.weight"] = 1 + weight(HEAD_DIM)
        state[prefix + "input_layernorm.weight"] = 1 + weight(HIDDEN)
        state[prefix + "post_attention_layernorm.weight"] = 1 + weight(HIDDEN)
        state[prefix + "mlp.gate_proj.weight"] = weight(FFN, HIDDEN)
        state[prefix + "mlp.down_proj.weight"] = weight(HIDDEN, FFN)
        state[prefix + "mlp.up_proj.weight"] = weight(FFN, HIDDEN)
    state["model.norm.weight"] = 1 + weight(HIDDEN)
    # Tied as in MiniMindForCausalLM: the same storage under two names.
    state["lm_head.weight"] = embedding
    return state


def lora_state_dict(generator):
    state = collections.OrderedDict()
    for layer in range(LAYERS):
        for projection in ("q_proj", "o_proj"):  # the square ones at this size
            prefix = f"model.layers.{layer}.self_attn.{projection}.lora."
            state[prefix + "A.weight"] = torch.randn(RANK, HIDDEN, generator=generator) * 0.02
            state[prefix + "B.weight"] = torch.randn(HIDDEN, RANK, generator=generator) * 0.02
    return state


def expected(state):
    """Names in file order; values as the reader must return them (F32),
    infinities spelled "inf"/"-inf" since JSON has no number for them."""
    def value(x):
        return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")

    return {
        "names": list(state.keys()),
        "tensors": {name: {"shape": list(t.shape), "values": [value(x) for x in t.float().reshape(-1).tolist()]}
                    for name, t in state.items()},
    }


def save_good(name, state):
    torch.save(state, OUT / name)
    (OUT / (name + ".json")).write_text(json.dumps(expected(state)))


def rezip(source, target, transform=lambda name, data: data, compression=zipfile.ZIP_STORED, drop=()):
    with zipfile.ZipFile(OUT / source) as original, zipfile.ZipFile(OUT / target, "w", compression) as copy:
        for info in original.infolist():
            if any(info.filename.endswith(suffix) for suffix in drop):
                continue
            copy.writestr(info.filename, transform(info.filename, original.read(info.filename)))


class RunsAShellCommand:
    """What a malicious checkpoint carries: unpickling it calls os.system."""

    def __reduce__(self):
        return (os.system, ("echo this checkpoint ran a command",))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(8)

    full = minimind_state_dict(generator)
    # MiniMind's trainer saves `{k: v.half() for k, v in state_dict.items()}`: a plain dict of F16 copies.
    save_good("full_sft_tiny_f16.pth", {k: v.half() for k, v in full.items()})
    # The model's own state dict: an OrderedDict with `_metadata`, F32, the tied head sharing the embedding's storage.
    save_good("full_sft_tiny_f32.pth", full)
    lora = lora_state_dict(generator)
    save_good("lora_tiny_f32.pth", lora)
    save_good("lora_tiny_f16.pth", {k: v.half() for k, v in lora.items()})

    # Views: a storage offset, a transposed (non-contiguous) tensor, a stride-2
    # slice, bfloat16, a zero-size tensor and a 0-dimensional one.
    base = torch.arange(40, dtype=torch.float32) / 8
    views = collections.OrderedDict()
    views["offset_slice"] = base[5:17].view(3, 4)
    views["transposed"] = base.view(5, 8).t()
    views["every_other"] = base[1::2]
    views["bfloat16"] = (torch.arange(12, dtype=torch.float32) * 0.375 - 2).to(torch.bfloat16).view(2, 2, 3)
    views["half_subnormal_and_inf"] = torch.tensor([6e-8, -1e-5, 65504.0, math.inf, -0.0], dtype=torch.float16)
    views["empty"] = torch.zeros(0, 4)
    views["scalar"] = torch.tensor(2.5)
    views["parameter"] = torch.nn.Parameter(torch.ones(2, 2) * 0.5)
    save_good("views.pth", views)

    # Broken files, one per error.
    small = collections.OrderedDict(w=torch.ones(3, 2))
    torch.save(small, OUT / "small.pth")
    (OUT / "small.pth.json").write_text(json.dumps(expected(small)))
    torch.save({"w": torch.ones(2), "payload": RunsAShellCommand()}, OUT / "forbidden_global.pth")
    torch.save({"w": torch.ones(2, dtype=torch.float64)}, OUT / "double_storage.pth")
    torch.save({"w": torch.ones(2), "names": ["a", "b"]}, OUT / "forbidden_opcode.pth")
    torch.save({"model": small, "step": 3}, OUT / "training_checkpoint.pth")
    torch.save(small, OUT / "legacy_format.pth", _use_new_zipfile_serialization=False)
    data = (OUT / "small.pth").read_bytes()
    (OUT / "truncated.pth").write_bytes(data[: len(data) // 2])
    (OUT / "not_a_zip.pth").write_bytes(b"this is a text file, not a checkpoint\n" * 2)
    # One byte of the storage changed after the CRC was computed.
    with zipfile.ZipFile(OUT / "small.pth") as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("/data/0"))
    damaged = bytearray(data)
    local = info.header_offset  # the local header's own name and extra lengths (torch pads the extra field)
    start = local + 30 + int.from_bytes(data[local + 26:local + 28], "little") + int.from_bytes(data[local + 28:local + 30], "little")
    damaged[start + 1] ^= 0x40
    (OUT / "bad_crc.pth").write_bytes(bytes(damaged))
    rezip("small.pth", "compressed.pth", compression=zipfile.ZIP_DEFLATED)
    rezip("small.pth", "missing_storage.pth", drop=("/data/0",))
    rezip("small.pth", "short_storage.pth", transform=lambda name, d: d[:16] if name.endswith("/data/0") else d)
    rezip("small.pth", "big_endian.pth", transform=lambda name, d: b"big" if name.endswith("/byteorder") else d)
    print("wrote", sorted(p.name for p in OUT.iterdir()))


if __name__ == "__main__":
    main()
