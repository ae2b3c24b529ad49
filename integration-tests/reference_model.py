"""A NumPy reference of the architecture LoRA Lab computes, written from the
transformers definitions of LlamaForCausalLM and Qwen3ForCausalLM (no torch):
RMSNorm, rotate-half rotary embeddings, grouped-query causal attention with
optional per-head q/k RMSNorm (Qwen3), SwiGLU feed-forward, tied head. LoRA
adapters are merged into W with PEFT's formula W + scale·B·A, scale = alpha/r
(alpha/√r under use_rslora), rank_pattern / alpha_pattern for the exceptions.
Everything in float64, so the reference's own rounding is negligible."""
import json
import math
import pathlib

import numpy as np
from safetensors.numpy import load_file


def rms_norm(x, weight, eps):
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * weight


def rotate(x, theta):
    """x: [T, heads, D]; Llama's rotate_half convention (first half with second half)."""
    t, _, d = x.shape
    half = d // 2
    inverse = theta ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    angles = np.arange(t, dtype=np.float64)[:, None] * inverse[None, :]
    cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)


def silu(x):
    return x / (1 + np.exp(-x))


class ReferenceModel:
    def __init__(self, folder, adapter=None):
        folder = pathlib.Path(folder)
        self.config = json.loads((folder / "config.json").read_text())
        self.w = {k: v.astype(np.float64) for k, v in load_file(str(folder / "model.safetensors")).items()}
        if adapter is not None:
            self.merge(pathlib.Path(adapter))

    def merge(self, folder):
        config = json.loads((folder / "adapter_config.json").read_text())
        tensors = load_file(str(folder / "adapter_model.safetensors"))
        prefix = "base_model.model."
        for key in tensors:
            if not key.endswith(".lora_A.weight"):
                continue
            module = key[len(prefix):-len(".lora_A.weight")]
            a = tensors[key].astype(np.float64)
            b = tensors[prefix + module + ".lora_B.weight"].astype(np.float64)

            def pattern(name, default):
                for k, v in config.get(name, {}).items():
                    if module == k or module.endswith("." + k):
                        return v
                return default
            r = pattern("rank_pattern", config["r"])
            alpha = pattern("alpha_pattern", config["lora_alpha"])
            assert a.shape[0] == r
            scale = alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r
            merged = self.w[module + ".weight"] + scale * (b @ a)
            if config.get("use_dora"):
                # DoRA (Liu et al. 2024, PEFT's use_dora): each output row of W + sBA
                # rescaled to the learned magnitude m.
                m = tensors[prefix + module + ".lora_magnitude_vector.weight"].astype(np.float64)
                merged = merged * (m / np.linalg.norm(merged, axis=1))[:, None]
            self.w[module + ".weight"] = merged

    def logits(self, tokens):
        c, w = self.config, self.w
        heads, kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
        d = c.get("head_dim") or c["hidden_size"] // heads
        eps = c["rms_norm_eps"]
        theta = c["rope_theta"] if "rope_theta" in c else c["rope_parameters"]["rope_theta"]
        qk_norm = c["model_type"] == "qwen3"
        t = len(tokens)
        h = w["model.embed_tokens.weight"][np.asarray(tokens)]
        mask = np.triu(np.full((t, t), -np.inf), k=1)
        for layer in range(c["num_hidden_layers"]):
            p = f"model.layers.{layer}."
            x = rms_norm(h, w[p + "input_layernorm.weight"], eps)
            q = (x @ w[p + "self_attn.q_proj.weight"].T).reshape(t, heads, d)
            k = (x @ w[p + "self_attn.k_proj.weight"].T).reshape(t, kv_heads, d)
            v = (x @ w[p + "self_attn.v_proj.weight"].T).reshape(t, kv_heads, d)
            if qk_norm:
                q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
                k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
            q, k = rotate(q, theta), rotate(k, theta)
            k = np.repeat(k, heads // kv_heads, axis=1)
            v = np.repeat(v, heads // kv_heads, axis=1)
            scores = np.einsum("thd,shd->hts", q, k) / math.sqrt(d) + mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            attention = np.einsum("hts,shd->thd", scores, v).reshape(t, heads * d)
            h = h + attention @ w[p + "self_attn.o_proj.weight"].T
            x = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
            gate = x @ w[p + "mlp.gate_proj.weight"].T
            up = x @ w[p + "mlp.up_proj.weight"].T
            h = h + (silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
        h = rms_norm(h, w["model.norm.weight"], eps)
        head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
        return h @ head.T
