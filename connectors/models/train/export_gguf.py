"""Hand-written GGUF v3 writer for llama.cpp ("llama" architecture, F32 tensors, SentencePiece-style vocab).

    /usr/bin/python3 export_gguf.py MODEL_DIR OUT.gguf

Reads config.json, model.safetensors and tokenizer.json (+ tokenizer_config.json's chat_template) of a llama
model in HF layout. Q and K projection weights are permuted from HF's rotate-half layout back to Meta's
interleaved layout, as llama.cpp's convert_hf_to_gguf.py does (numpy_ref.py checks that this layout gives the
same logits). Token scores: SentencePiece BPE gives the n-th normal piece the score -n; byte, control and
unknown pieces 0 (that is what the SentencePiece model holds; llama.cpp merges by these scores).
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_export import load_safetensors  # noqa: E402
from numpy_ref import permute  # noqa: E402

GGUF_MAGIC = 0x46554747  # "GGUF"
GGUF_VERSION = 3
ALIGNMENT = 32

T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY, T_UINT64, T_INT64, \
    T_FLOAT64 = range(13)
GGML_TYPE_F32 = 0
TOKEN_NORMAL, TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_USER_DEFINED, TOKEN_UNUSED, TOKEN_BYTE = 1, 2, 3, 4, 5, 6


def _str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _value(vtype, v):
    if vtype == T_STRING:
        return _str(v)
    if vtype == T_BOOL:
        return struct.pack("<?", bool(v))
    fmt = {T_UINT8: "B", T_INT8: "b", T_UINT16: "H", T_INT16: "h", T_UINT32: "I", T_INT32: "i", T_FLOAT32: "f",
           T_UINT64: "Q", T_INT64: "q", T_FLOAT64: "d"}[vtype]
    return struct.pack("<" + fmt, v)


def _kv(key, vtype, v, elem_type=None):
    out = _str(key) + struct.pack("<I", vtype)
    if vtype == T_ARRAY:
        out += struct.pack("<IQ", elem_type, len(v))
        out += b"".join(_value(elem_type, x) for x in v)
    else:
        out += _value(vtype, v)
    return out


def write_gguf(path, kvs, tensors):
    """kvs: list of (key, type, value[, elem_type]); tensors: list of (name, float32 numpy array)."""
    header = struct.pack("<IIQQ", GGUF_MAGIC, GGUF_VERSION, len(tensors), len(kvs))
    header += b"".join(_kv(*kv) for kv in kvs)
    infos, offset, blobs = b"", 0, []
    for name, a in tensors:
        a = np.ascontiguousarray(a, dtype="<f4")
        dims = list(reversed(a.shape))  # ggml ne[0] is the fastest-varying (last numpy) dimension
        infos += _str(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", GGML_TYPE_F32, offset)
        b = a.tobytes()
        pad = -len(b) % ALIGNMENT
        blobs.append(b + b"\0" * pad)
        offset += len(b) + pad
    head = header + infos
    head += b"\0" * (-len(head) % ALIGNMENT)
    with open(path, "wb") as f:
        f.write(head)
        for b in blobs:
            f.write(b)


def vocab_arrays(tok_json):
    vocab = tok_json["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    specials = {t["content"]: t["id"] for t in tok_json["added_tokens"]}
    unk = tok_json["model"]["unk_token"]
    types, scores, n_normal = [], [], 0
    for t in tokens:
        if t == unk:
            types.append(TOKEN_UNKNOWN)
            scores.append(0.0)
        elif t in specials:
            types.append(TOKEN_CONTROL)
            scores.append(0.0)
        elif len(t) == 6 and t.startswith("<0x") and t.endswith(">"):
            types.append(TOKEN_BYTE)
            scores.append(0.0)
        else:
            types.append(TOKEN_NORMAL)
            scores.append(-float(n_normal))
            n_normal += 1
    return tokens, scores, types


def export(model_dir, out_path):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    if c["model_type"] != "llama":
        raise SystemExit("only model_type llama is supported, not %s" % c["model_type"])
    with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    tcfg = {}
    if os.path.exists(os.path.join(model_dir, "tokenizer_config.json")):
        with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
            tcfg = json.load(f)
    w = {k: v.float().numpy() for k, v in load_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
    nh, nkv, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    tokens, scores, types = vocab_arrays(tj)
    special = {t["content"]: t["id"] for t in tj["added_tokens"]}
    eos = c["eos_token_id"]
    kvs = [
        ("general.architecture", T_STRING, "llama"),
        ("general.name", T_STRING, os.path.basename(os.path.normpath(model_dir))),
        ("general.file_type", T_UINT32, 0),  # ALL_F32
        ("general.alignment", T_UINT32, ALIGNMENT),
        ("llama.vocab_size", T_UINT32, c["vocab_size"]),
        ("llama.context_length", T_UINT32, c["max_position_embeddings"]),
        ("llama.embedding_length", T_UINT32, c["hidden_size"]),
        ("llama.block_count", T_UINT32, c["num_hidden_layers"]),
        ("llama.feed_forward_length", T_UINT32, c["intermediate_size"]),
        ("llama.attention.head_count", T_UINT32, nh),
        ("llama.attention.head_count_kv", T_UINT32, nkv),
        ("llama.attention.key_length", T_UINT32, hd),
        ("llama.attention.value_length", T_UINT32, hd),
        ("llama.attention.layer_norm_rms_epsilon", T_FLOAT32, c["rms_norm_eps"]),
        ("llama.rope.freq_base", T_FLOAT32, c["rope_theta"]),
        ("llama.rope.dimension_count", T_UINT32, hd),
        ("tokenizer.ggml.model", T_STRING, "llama"),
        ("tokenizer.ggml.pre", T_STRING, "default"),
        ("tokenizer.ggml.tokens", T_ARRAY, tokens, T_STRING),
        ("tokenizer.ggml.scores", T_ARRAY, scores, T_FLOAT32),
        ("tokenizer.ggml.token_type", T_ARRAY, types, T_INT32),
        ("tokenizer.ggml.bos_token_id", T_UINT32, c["bos_token_id"]),
        ("tokenizer.ggml.eos_token_id", T_UINT32, eos),
        ("tokenizer.ggml.unknown_token_id", T_UINT32, special.get("<unk>", 0)),
        ("tokenizer.ggml.add_bos_token", T_BOOL, False),
        ("tokenizer.ggml.add_eos_token", T_BOOL, False),
        ("tokenizer.ggml.add_space_prefix", T_BOOL, True),
    ]
    if tcfg.get("chat_template"):
        kvs.append(("tokenizer.chat_template", T_STRING, tcfg["chat_template"]))

    tensors = [("token_embd.weight", w["model.embed_tokens.weight"])]
    for i in range(c["num_hidden_layers"]):
        p, b = "model.layers.%d." % i, "blk.%d." % i
        tensors += [
            (b + "attn_norm.weight", w[p + "input_layernorm.weight"]),
            (b + "attn_q.weight", permute(w[p + "self_attn.q_proj.weight"], nh, nh)),
            (b + "attn_k.weight", permute(w[p + "self_attn.k_proj.weight"], nh, nkv)),
            (b + "attn_v.weight", w[p + "self_attn.v_proj.weight"]),
            (b + "attn_output.weight", w[p + "self_attn.o_proj.weight"]),
            (b + "ffn_norm.weight", w[p + "post_attention_layernorm.weight"]),
            (b + "ffn_gate.weight", w[p + "mlp.gate_proj.weight"]),
            (b + "ffn_up.weight", w[p + "mlp.up_proj.weight"]),
            (b + "ffn_down.weight", w[p + "mlp.down_proj.weight"]),
        ]
    tensors.append(("output_norm.weight", w["model.norm.weight"]))
    # llama.cpp falls back to token_embd for a missing output.weight; writing it always is simplest
    tensors.append(("output.weight", w.get("lm_head.weight", w["model.embed_tokens.weight"])))
    write_gguf(out_path, kvs, tensors)
    return out_path


def read_gguf(path):
    """Minimal reader (metadata and F32 tensors), used to check the writer."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v

    def string():
        nonlocal pos
        n = take("Q")
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    def value(t):
        if t == T_STRING:
            return string()
        if t == T_ARRAY:
            et, n = take("I"), take("Q")
            return [value(et) for _ in range(n)]
        return take({T_UINT8: "B", T_INT8: "b", T_UINT16: "H", T_INT16: "h", T_UINT32: "I", T_INT32: "i",
                     T_FLOAT32: "f", T_BOOL: "?", T_UINT64: "Q", T_INT64: "q", T_FLOAT64: "d"}[t])

    magic, version, n_t, n_kv = take("I"), take("I"), take("Q"), take("Q")
    assert magic == GGUF_MAGIC and version == GGUF_VERSION
    kv = {}
    for _ in range(n_kv):
        k = string()
        kv[k] = value(take("I"))
    infos = []
    for _ in range(n_t):
        name = string()
        dims = [take("Q") for _ in range(take("I"))]
        infos.append((name, dims, take("I"), take("Q")))
    start = pos + (-pos % kv.get("general.alignment", ALIGNMENT))
    tensors = {}
    for name, dims, t, off in infos:
        n = int(np.prod(dims))
        tensors[name] = np.frombuffer(data, "<f4", n, start + off).reshape(list(reversed(dims)))
    return kv, tensors


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    export(sys.argv[1], sys.argv[2])
    kv, ts = read_gguf(sys.argv[2])
    print("wrote %s: %d metadata keys, %d tensors, %d bytes" % (sys.argv[2], len(kv), len(ts),
                                                               os.path.getsize(sys.argv[2])))
    if os.path.exists(os.path.join(sys.argv[1], "reference.json")):
        import numpy_ref
        print("max |logits(GGUF tensors, Meta layout) - reference.json| =",
              numpy_ref.check_gguf(sys.argv[1], sys.argv[2]))
