"""Hugging Face layout: safetensors writer/reader, config.json, loading a model directory back."""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama import Config, LlamaForCausalLM  # noqa: E402

_DT = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2)}
_NAME = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
TORCH_DTYPE = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


def _raw(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: take the int16 bit pattern
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def save_safetensors(tensors, path, metadata=None):
    """tensors: ordered {name: tensor}. Little-endian data, header padded with spaces to 8 bytes."""
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = _raw(t)
        header[name] = {"dtype": _NAME[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = dict(metadata or {"format": "pt"})
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        dt, _ = _DT[h["dtype"]]
        if dt == torch.bfloat16:
            t = torch.from_numpy(np.frombuffer(data[a:b], dtype="<i2").copy()).view(torch.bfloat16)
        else:
            t = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4" if dt == torch.float32 else "<f2").copy())
        out[name] = t.reshape(h["shape"])
    return out


def hf_state_dict(model, dtype=torch.float32):
    """HF tensor names in HF's order; lm_head.weight only when untied."""
    c = model.config
    sd = {"model.embed_tokens.weight": model.model.embed_tokens.weight}
    for i, l in enumerate(model.model.layers):
        p = "model.layers.%d." % i
        sd[p + "input_layernorm.weight"] = l.input_layernorm.weight
        for n in ("q", "k", "v", "o"):
            lin = getattr(l.self_attn, n + "_proj")
            sd[p + "self_attn.%s_proj.weight" % n] = lin.weight
            if lin.bias is not None:
                sd[p + "self_attn.%s_proj.bias" % n] = lin.bias
        for n in ("gate", "up", "down"):
            sd[p + "mlp.%s_proj.weight" % n] = getattr(l.mlp, n + "_proj").weight
        sd[p + "post_attention_layernorm.weight"] = l.post_attention_layernorm.weight
    sd["model.norm.weight"] = model.model.norm.weight
    if not c.tie_word_embeddings:
        sd["lm_head.weight"] = model.lm_head.weight
    return {k: v.detach().to(dtype) for k, v in sd.items()}


def config_json(c, dtype="F32"):
    d = {
        "architectures": ["Qwen2ForCausalLM" if c.model_type == "qwen2" else "LlamaForCausalLM"],
        "model_type": c.model_type,
        "hidden_size": c.hidden_size,
        "intermediate_size": c.intermediate_size,
        "num_hidden_layers": c.num_hidden_layers,
        "num_attention_heads": c.num_attention_heads,
        "num_key_value_heads": c.num_key_value_heads,
        "head_dim": c.head_dim,
        "hidden_act": "silu",
        "rms_norm_eps": c.rms_norm_eps,
        "rope_theta": c.rope_theta,
        "rope_scaling": None,
        "vocab_size": c.vocab_size,
        "max_position_embeddings": c.max_position_embeddings,
        "tie_word_embeddings": c.tie_word_embeddings,
        "bos_token_id": c.bos_token_id,
        "eos_token_id": c.eos_token_id,
        "torch_dtype": TORCH_DTYPE[dtype],
        "initializer_range": 0.02,
        "use_cache": True,
    }
    if c.model_type == "qwen2":
        d.update({"use_sliding_window": False, "sliding_window": None, "max_window_layers": c.num_hidden_layers,
                  "attention_dropout": 0.0})
    else:
        d.update({"attention_bias": False, "mlp_bias": False, "attention_dropout": 0.0, "pretraining_tp": 1})
    return d


def save_model(model, out_dir, dtype="F32", extra_files=None):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config_json(model.config, dtype), f, indent=2)
        f.write("\n")
    save_safetensors(hf_state_dict(model, _DT[dtype][0]), os.path.join(out_dir, "model.safetensors"))


def load_model(model_dir):
    """A float32 LlamaForCausalLM from config.json + model.safetensors (weights as stored, upcast)."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cj = json.load(f)
    c = Config(**{k: cj[k] for k in Config.FIELDS if k in cj})
    m = LlamaForCausalLM(c)
    sd = {k: v.float() for k, v in load_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
    own = dict(m.named_parameters())
    missing = set(own) - set(sd)
    assert not missing, missing
    with torch.no_grad():
        for k, v in sd.items():
            own[k].copy_(v)
    return m.eval()
