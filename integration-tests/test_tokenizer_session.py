"""A model loaded with a byte-level BPE tokenizer.json works in that tokenizer:
its data, `generate` and `save logits` encode with it (as the `tokenizers`
library does), data chosen earlier is tokenized again, and `save model`
writes its tokenizer.json and tokenizer_config.json (chat_template and all)
back unchanged — the template is kept, never run."""
import json
import subprocess

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from tokenizer_strings import trained_byte_level_bpe

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
TEMPLATE_CONFIG = {"chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}",
                   "model_max_length": 256, "tokenizer_class": "PreTrainedTokenizerFast"}


def run(loralab_bin, folder, script):
    (folder / "script.lora").write_text(script)
    result = subprocess.run([str(loralab_bin), "run", "script.lora"], capture_output=True, text=True, timeout=600,
                            cwd=folder, env={"PATH": "/usr/bin:/bin", "HOME": str(folder)})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def bpe_model(loralab_bin, tmp_path_factory):
    """A tiny model whose vocabulary is a small BPE's (trained to at most 600 tokens), and that BPE."""
    folder = tmp_path_factory.mktemp("bpe-model")
    tokenizer = trained_byte_level_bpe(600, SPECIALS)
    run(loralab_bin, folder, 'model tiny layers=1\nsave model "m"\n')
    model = folder / "m"
    weights = load_file(str(model / "model.safetensors"))
    vocabulary = tokenizer.get_vocab_size()
    rows = np.random.default_rng(0).normal(0, 0.02, (vocabulary, weights["model.embed_tokens.weight"].shape[1]))
    weights["model.embed_tokens.weight"] = rows.astype(np.float32)
    save_file(weights, str(model / "model.safetensors"), metadata={"format": "pt"})
    config = json.loads((model / "config.json").read_text())
    config["vocab_size"] = vocabulary
    (model / "config.json").write_text(json.dumps(config))
    (model / "tokenizer.json").write_text(tokenizer.to_str())
    (model / "tokenizer_config.json").write_text(json.dumps(TEMPLATE_CONFIG))
    (folder / "chat.jsonl").write_text("".join(json.dumps({"conversations": [
        {"role": "user", "content": f"What is {i} plus {i}?"}, {"role": "assistant", "content": f"It is {2 * i}."}]}) + "\n"
        for i in range(12)))
    return folder, tokenizer


def test_the_session_encodes_and_decodes_with_the_loaded_tokenizer(loralab_bin, bpe_model):
    folder, tokenizer = bpe_model
    text = "<|im_start|>user\nThe cat sat on the mat.<|im_end|>"
    quoted = text.replace("\n", "\\n")
    out = run(loralab_bin, folder, f"""
data finetune "chat.jsonl"
model load "m"
eval
lora targets=q rank=2
step 2 lr=1e-3 batch=2 seq=32
save logits "logits.safetensors" text="{quoted}"
generate "The cat" max=12 temperature=0
""")
    assert f"byte-level BPE tokenizer from tokenizer.json ({tokenizer.get_vocab_size()} tokens)" in out, out
    assert "chat.jsonl was tokenized again" in out, out
    tokens = load_file(str(folder / "logits.safetensors"))["tokens"].astype(np.int64).tolist()
    assert tokens == tokenizer.encode(text).ids
    assert len(tokens) < len(text.encode()), "BPE ids, not bytes"
    # Greedy from a random embedding: some run of whole BPE tokens, decoded to text.
    continuation = out.rstrip("\n").split("\n")[-1]
    assert continuation.strip() and "\ufffd" not in continuation, continuation


def test_save_model_writes_the_tokenizer_files_back_unchanged(loralab_bin, bpe_model):
    folder, _ = bpe_model
    run(loralab_bin, folder, 'model load "m"\nsave model "again"\nrun save r to "run-folder"\n')
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert (folder / "again" / name).read_bytes() == (folder / "m" / name).read_bytes(), name
        assert (folder / "run-folder" / "base" / name).read_bytes() == (folder / "m" / name).read_bytes(), name
    out = run(loralab_bin, folder, 'run load r from "run-folder"\nsave logits "back.safetensors" text="the mat"\n')
    back = load_file(str(folder / "back.safetensors"))["tokens"].astype(np.int64).tolist()
    assert back == bpe_model[1].encode("the mat").ids, out


def test_a_tokenizer_larger_than_the_model_is_refused(loralab_bin, bpe_model, tmp_path):
    folder, tokenizer = bpe_model
    run(loralab_bin, tmp_path, 'model tiny layers=1\nsave model "small"\n')
    (tmp_path / "small" / "tokenizer.json").write_text(tokenizer.to_str())
    (tmp_path / "script.lora").write_text('model load "small"\n')
    result = subprocess.run([str(loralab_bin), "run", "script.lora"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode != 0
    assert f"has {tokenizer.get_vocab_size()} tokens, more than the model's vocabulary of 259" in result.stdout + result.stderr
