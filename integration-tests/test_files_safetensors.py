"""safetensors, Hugging Face and PEFT folders against the reference
`safetensors` library and a NumPy forward pass written here
(reference_model.py): the files LoRA Lab writes are read by the reference
library, files the reference library writes are read by LoRA Lab, and the
logits of a saved model with adapters match the NumPy reference."""
import json
import pathlib
import struct
import subprocess

import numpy as np
import pytest
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from reference_model import ReferenceModel

REPO = pathlib.Path(__file__).resolve().parent.parent
BROKEN = REPO / "Tests" / "CheckpointTests" / "Fixtures" / "broken-safetensors"


def run(loralab_bin, tmp_path, script):
    path = tmp_path / "script.lora"
    path.write_text(script)
    result = subprocess.run([str(loralab_bin), "run", str(path)], capture_output=True, text=True, timeout=600,
                            cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    return result.stdout


TEXT = "Hello, LoRA! <|im_start|>user"


@pytest.mark.parametrize("qk_norm", [False, True])
def test_saved_model_with_adapters_matches_the_numpy_reference(loralab_bin, tmp_path, qk_norm):
    run(loralab_bin, tmp_path, f"""
model tiny qk_norm={'true' if qk_norm else 'false'} rope_theta=50000
data finetune builtin:identity
lora targets=q,v rank=4 alpha=6
lora targets=down layers=1-2 rank=2 rslora=true
step 4 lr=0.02 batch=4 seq=64
save model "base"
save adapter "adapter" base="base"
save logits "logits.safetensors" text="{TEXT}"
""")
    config = json.loads((tmp_path / "base" / "config.json").read_text())
    assert config["architectures"] == ["Qwen3ForCausalLM" if qk_norm else "LlamaForCausalLM"]
    assert config["head_dim"] == 32 and config["tie_word_embeddings"] is True
    adapter = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())
    assert adapter["peft_type"] == "LORA" and adapter["task_type"] == "CAUSAL_LM"
    assert adapter["rank_pattern"] and adapter["alpha_pattern"]  # the down adapters differ

    ours = load_file(str(tmp_path / "logits.safetensors"))
    tokens = ours["tokens"].astype(np.int64)
    trained_b = load_file(str(tmp_path / "adapter" / "adapter_model.safetensors"))
    assert any(np.abs(v).max() > 0 for k, v in trained_b.items() if "lora_B" in k), "training moved B off zero"

    reference = ReferenceModel(tmp_path / "base", tmp_path / "adapter").logits(tokens)
    difference = np.abs(ours["logits"].astype(np.float64) - reference).max()
    assert difference <= 1e-4, difference
    # The adapters matter at this tolerance: without them the logits differ by more.
    base_only = ReferenceModel(tmp_path / "base").logits(tokens)
    assert np.abs(base_only - reference).max() > 1e-3


def test_saved_dora_adapters_match_the_numpy_reference(loralab_bin, tmp_path):
    run(loralab_bin, tmp_path, f"""
model tiny layers=2
data finetune builtin:identity
lora targets=q,v,down rank=4 dora=true
step 4 lr=0.02 batch=4 seq=64
save model "base"
save adapter "adapter" base="base"
save logits "logits.safetensors" text="{TEXT}"
""")
    adapter = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())
    assert adapter["use_dora"] is True
    tensors = load_file(str(tmp_path / "adapter" / "adapter_model.safetensors"))
    magnitudes = {k: v for k, v in tensors.items() if k.endswith(".lora_magnitude_vector.weight")}
    assert len(magnitudes) == 6 and all(v.ndim == 1 for v in magnitudes.values())
    base = load_file(str(tmp_path / "base" / "model.safetensors"))
    q = "model.layers.0.self_attn.q_proj"
    assert magnitudes[f"base_model.model.{q}.lora_magnitude_vector.weight"].shape[0] == base[q + ".weight"].shape[0]

    ours = load_file(str(tmp_path / "logits.safetensors"))
    tokens = ours["tokens"].astype(np.int64)
    reference = ReferenceModel(tmp_path / "base", tmp_path / "adapter").logits(tokens)
    assert np.abs(ours["logits"].astype(np.float64) - reference).max() <= 1e-4
    # Training moved m off ‖W‖: ignoring it (plain LoRA's W + sBA) gives other logits.
    adapter["use_dora"] = False
    (tmp_path / "adapter" / "adapter_config.json").write_text(json.dumps(adapter))
    without_magnitude = ReferenceModel(tmp_path / "base", tmp_path / "adapter").logits(tokens)
    assert np.abs(without_magnitude - reference).max() > 1e-4


def test_our_files_are_what_the_reference_library_reads(loralab_bin, tmp_path):
    run(loralab_bin, tmp_path, """
model tiny dim=64 layers=2 heads=4 kv_heads=2 ffn=96 seq=64
save model "f32"
save model "bf16" dtype=bf16
""")
    from safetensors import safe_open
    with safe_open(str(tmp_path / "f32" / "model.safetensors"), framework="numpy") as f:
        assert f.metadata() == {"format": "pt"}
        names = set(f.keys())
    assert "model.embed_tokens.weight" in names and "lm_head.weight" not in names
    assert len(names) == 1 + 2 * 9 + 1
    f32 = load_file(str(tmp_path / "f32" / "model.safetensors"))
    assert f32["model.layers.0.self_attn.k_proj.weight"].shape == (32, 64)
    assert f32["model.norm.weight"].shape == (64,)
    # BF16: numpy has no bfloat16, so read the raw header and bytes and widen by hand.
    raw = (tmp_path / "bf16" / "model.safetensors").read_bytes()
    length = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + length])
    entry = header["model.layers.1.mlp.up_proj.weight"]
    assert entry["dtype"] == "BF16"
    begin, end = entry["data_offsets"]
    halves = np.frombuffer(raw[8 + length + begin:8 + length + end], dtype="<u2")
    widened = (halves.astype(np.uint32) << 16).view(np.float32).reshape(entry["shape"])
    exact = f32["model.layers.1.mlp.up_proj.weight"]
    assert np.all(np.abs(widened - exact) <= np.abs(exact) / 256)


def random_llama(tmp_path, dtype, qk_norm=False):
    """A tiny Llama/Qwen3 folder written with the reference library."""
    rng = np.random.default_rng(7)
    dim, layers, heads, kv, ffn, vocab = 32, 2, 4, 2, 48, 300
    hd = dim // heads
    w = {"model.embed_tokens.weight": rng.normal(0, 0.5, (vocab, dim)), "model.norm.weight": 1 + rng.normal(0, 0.1, dim)}
    for l in range(layers):
        p = f"model.layers.{l}."
        shapes = {"self_attn.q_proj": (dim, dim), "self_attn.k_proj": (kv * hd, dim), "self_attn.v_proj": (kv * hd, dim),
                  "self_attn.o_proj": (dim, dim), "mlp.gate_proj": (ffn, dim), "mlp.up_proj": (ffn, dim), "mlp.down_proj": (dim, ffn)}
        for name, shape in shapes.items():
            w[p + name + ".weight"] = rng.normal(0, 0.2, shape)
        w[p + "input_layernorm.weight"] = 1 + rng.normal(0, 0.1, dim)
        w[p + "post_attention_layernorm.weight"] = 1 + rng.normal(0, 0.1, dim)
        if qk_norm:
            w[p + "self_attn.q_norm.weight"] = 1 + rng.normal(0, 0.1, hd)
            w[p + "self_attn.k_norm.weight"] = 1 + rng.normal(0, 0.1, hd)
    folder = tmp_path / "theirs"
    folder.mkdir()
    save_file({k: v.astype(dtype) for k, v in w.items()}, str(folder / "model.safetensors"), metadata={"format": "pt"})
    config = {"architectures": ["Qwen3ForCausalLM" if qk_norm else "LlamaForCausalLM"],
              "model_type": "qwen3" if qk_norm else "llama", "hidden_size": dim, "intermediate_size": ffn,
              "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": kv, "head_dim": hd,
              "hidden_act": "silu", "max_position_embeddings": 128, "rms_norm_eps": 1e-5, "vocab_size": vocab,
              "tie_word_embeddings": True, "attention_bias": False,
              "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0}}
    (folder / "config.json").write_text(json.dumps(config))
    return folder, w


@pytest.mark.parametrize("dtype,qk_norm", [(np.float16, False), (np.float32, True)])
def test_files_the_reference_library_writes_load_into_loralab(loralab_bin, tmp_path, dtype, qk_norm):
    folder, weights = random_llama(tmp_path, dtype, qk_norm)
    # A PEFT adapter written by the reference library too, with a rank exception.
    rng = np.random.default_rng(8)
    adapter = tmp_path / "their-adapter"
    adapter.mkdir()
    tensors = {}
    for l in range(2):
        for kind, out, r in [("q_proj", 32, 4), ("v_proj", 16, 4 if l == 0 else 2)]:
            key = f"base_model.model.model.layers.{l}.self_attn.{kind}"
            tensors[key + ".lora_A.weight"] = rng.normal(0, 0.3, (r, 32)).astype(np.float32)
            tensors[key + ".lora_B.weight"] = rng.normal(0, 0.3, (out, r)).astype(np.float32)
    save_file(tensors, str(adapter / "adapter_model.safetensors"), metadata={"format": "pt"})
    (adapter / "adapter_config.json").write_text(json.dumps({
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 4, "lora_alpha": 8, "bias": "none",
        "target_modules": ["q_proj", "v_proj"], "rank_pattern": {"model.layers.1.self_attn.v_proj": 2},
        "alpha_pattern": {"model.layers.1.self_attn.v_proj": 3}, "use_rslora": False, "lora_dropout": 0.0}))
    out = run(loralab_bin, tmp_path, f"""
model load "theirs"
save model "ours"
lora load "their-adapter"
save logits "logits.safetensors" text="{TEXT}"
""")
    assert "loaded" in out and "attached 4 adapters" in out
    resaved = load_file(str(tmp_path / "ours" / "model.safetensors"))
    for name, value in weights.items():
        # F16 widened to F32 is exact; F32 round-trips bit for bit.
        assert np.array_equal(resaved[name], value.astype(dtype).astype(np.float32)), name
    ours = load_file(str(tmp_path / "logits.safetensors"))
    reference = ReferenceModel(folder, adapter)
    reference.w = {k: v.astype(dtype).astype(np.float64) for k, v in weights.items()}
    reference.merge(adapter)
    expected = reference.logits(ours["tokens"].astype(np.int64))
    assert np.abs(ours["logits"] - expected).max() <= 1e-4


# Every broken fixture: LoRA Lab refuses it (Swift tests check each error), and
# so does the reference library, except a well-formed I32 tensor, which is a
# valid file whose dtype is no weight type.
REFERENCE_READS = {"unsupported_dtype.safetensors"}


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.safetensors")), ids=lambda p: p.stem)
def test_the_reference_library_agrees_the_fixtures_are_broken(path):
    if path.name in REFERENCE_READS:
        assert load_file(str(path))["a"].dtype == np.int32
    else:
        with pytest.raises(SafetensorError):
            load_file(str(path))


def test_loralab_refuses_each_broken_fixture_and_names_it(loralab_bin, tmp_path):
    for path in sorted(BROKEN.glob("*.safetensors")):
        folder = tmp_path / path.stem
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(path.read_bytes())
        (folder / "config.json").write_text(json.dumps({
            "model_type": "llama", "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1,
            "num_attention_heads": 4, "vocab_size": 300, "tie_word_embeddings": True}))
        script = tmp_path / "s.lora"
        script.write_text(f'model tiny dim=32 layers=1 heads=4 kv_heads=4 ffn=48\nmodel load "{folder}"\n')
        result = subprocess.run([str(loralab_bin), "run", str(script)], capture_output=True, text=True, timeout=120,
                                env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
        assert result.returncode == 1, path.name
        assert "model.safetensors" in result.stderr and "line 2" in result.stderr, result.stderr


def test_a_saved_model_carries_a_tokenizer_the_tokenizers_library_encodes_as_we_do(loralab_bin, tmp_path):
    from tokenizers import Tokenizer
    run(loralab_bin, tmp_path, """
model tiny dim=64 layers=2 heads=4 kv_heads=2 ffn=96 seq=64
save model "base"
""")
    tokenizer = Tokenizer.from_file(str(tmp_path / "base" / "tokenizer.json"))
    text = "Hello, LoRA! <|im_start|>user\nWho are you?<|im_end|>\n"
    # Our byte tokenizer: each UTF-8 byte is its own id, the three markers follow the 256 bytes.
    ours = list("Hello, LoRA! ".encode()) + [257] + list("user\nWho are you?".encode()) + [258] + [10]
    assert tokenizer.encode(text).ids == ours
    config = json.loads((tmp_path / "base" / "tokenizer_config.json").read_text())
    assert "<|im_start|>" in config["chat_template"]
