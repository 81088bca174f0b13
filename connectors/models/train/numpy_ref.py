"""An independent numpy forward pass in Meta/llama.cpp layout: Q and K weights permuted as
convert_hf_to_gguf.py does, RoPE on interleaved pairs (x[2i], x[2i+1]), per-head loops. It cross-checks
llama.py's HF "rotate_half" math and the GGUF permutation at once.

    /usr/bin/python3 numpy_ref.py MODEL_DIR     (compares with reference.json when present)
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_export import load_safetensors  # noqa: E402


def permute(w, n_head, n_head_kv=None):
    """convert_hf_to_gguf.py LlamaModel.permute: HF half-split rotary layout -> Meta interleaved layout."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def load(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    w = {k: v.float().numpy().astype(np.float64) for k, v in
         load_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
    return c, w


def forward(c, w, ids, meta_layout=False):
    """Logits (T, V) in float64. meta_layout: q/k weights (and biases) are already permuted."""
    nh, nkv, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    eps, theta = c["rms_norm_eps"], c["rope_theta"]
    T = len(ids)

    def rms(x, g):
        return g * (x / np.sqrt((x * x).mean(-1, keepdims=True) + eps))

    def rope(x):  # x (T, hd), interleaved pairs
        out = x.copy()
        for i in range(hd // 2):
            f = theta ** (-2.0 * i / hd)
            for t in range(T):
                a, b = x[t, 2 * i], x[t, 2 * i + 1]
                cs, sn = np.cos(t * f), np.sin(t * f)
                out[t, 2 * i], out[t, 2 * i + 1] = a * cs - b * sn, a * sn + b * cs
        return out

    x = w["model.embed_tokens.weight"][ids]
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        h = rms(x, w[p + "input_layernorm.weight"])
        wq, wk = w[p + "self_attn.q_proj.weight"], w[p + "self_attn.k_proj.weight"]
        if not meta_layout:
            wq, wk = permute(wq, nh), permute(wk, nh, nkv)
        q, k, v = h @ wq.T, h @ wk.T, h @ w[p + "self_attn.v_proj.weight"].T
        if p + "self_attn.q_proj.bias" in w:
            q = q + permute(w[p + "self_attn.q_proj.bias"], nh)
            k = k + permute(w[p + "self_attn.k_proj.bias"], nh, nkv)
            v = v + w[p + "self_attn.v_proj.bias"]
        att = np.zeros((T, nh * hd))
        for head in range(nh):
            kvh = head // (nh // nkv)
            qh = rope(q[:, head * hd:(head + 1) * hd])
            kh = rope(k[:, kvh * hd:(kvh + 1) * hd])
            vh = v[:, kvh * hd:(kvh + 1) * hd]
            s = qh @ kh.T / np.sqrt(hd)
            s = s + np.triu(np.full((T, T), -np.inf), 1)
            s = np.exp(s - s.max(-1, keepdims=True))
            s = s / s.sum(-1, keepdims=True)
            att[:, head * hd:(head + 1) * hd] = s @ vh
        x = x + att @ w[p + "self_attn.o_proj.weight"].T
        h = rms(x, w[p + "post_attention_layernorm.weight"])
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + ((g / (1 + np.exp(-g))) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms(x, w["model.norm.weight"])
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return x @ head.T


def load_gguf_as_hf(path):
    """Config and weights from a GGUF file written by export_gguf.py (q/k stay in Meta layout)."""
    from export_gguf import read_gguf
    kv, t = read_gguf(path)
    c = {"num_attention_heads": kv["llama.attention.head_count"], "num_key_value_heads":
         kv["llama.attention.head_count_kv"], "head_dim": kv["llama.rope.dimension_count"],
         "rms_norm_eps": kv["llama.attention.layer_norm_rms_epsilon"], "rope_theta": kv["llama.rope.freq_base"],
         "num_hidden_layers": kv["llama.block_count"]}
    names = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
             "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    w = {"model.embed_tokens.weight": t["token_embd.weight"], "model.norm.weight": t["output_norm.weight"],
         "lm_head.weight": t["output.weight"]}
    for name, a in t.items():
        if name.startswith("blk."):
            _, i, part, _ = name.split(".")
            w["model.layers.%s.%s.weight" % (i, names[part])] = a
    return c, {k: v.astype(np.float64) for k, v in w.items()}


def check_gguf(model_dir, gguf_path):
    """Max |logits from the GGUF tensors (Meta layout) - reference.json last logits|."""
    c, w = load_gguf_as_hf(gguf_path)
    with open(os.path.join(model_dir, "reference.json")) as f:
        ref = json.load(f)
    return max(float(np.abs(forward(c, w, p["ids"], meta_layout=True)[-1] - np.array(p["last_logits"])).max())
               for p in ref["prompts"])


def check_reference(model_dir):
    c, w = load(model_dir)
    with open(os.path.join(model_dir, "reference.json")) as f:
        ref = json.load(f)
    worst = 0.0
    for p in ref["prompts"]:
        lg = forward(c, w, p["ids"])
        worst = max(worst, float(np.abs(lg[-1] - np.array(p["last_logits"])).max()))
    lg = forward(c, w, ref["prompts"][ref["all_logits_prompt_index"]]["ids"])
    worst = max(worst, float(np.abs(lg - np.array(ref["all_logits"])).max()))
    return worst


if __name__ == "__main__":
    print("max |numpy - reference.json| =", check_reference(sys.argv[1]))
