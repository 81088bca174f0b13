"""A small re-implementation of Hugging Face's LlamaForCausalLM / Qwen2ForCausalLM forward pass (eager
attention), same parameter names and the same math, so HF transformers would load and reproduce it.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Config:
    FIELDS = dict(model_type="llama", vocab_size=1024, hidden_size=64, intermediate_size=128,
                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=None,
                  rms_norm_eps=1e-6, rope_theta=10000.0, max_position_embeddings=512, tie_word_embeddings=False,
                  bos_token_id=1, eos_token_id=4, attention_bias=None)

    def __init__(self, **kw):
        for k, v in self.FIELDS.items():
            setattr(self, k, kw.pop(k, v))
        if kw:
            raise ValueError("unknown config fields %s" % sorted(kw))
        if self.head_dim is None:
            self.head_dim = self.hidden_size // self.num_attention_heads
        if self.attention_bias is None:
            self.attention_bias = self.model_type == "qwen2"

    def to_dict(self):
        return {k: getattr(self, k) for k in self.FIELDS}


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class Rotary(nn.Module):
    def __init__(self, dim, theta):
        super().__init__()
        inv = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, position_ids):  # (B, T) -> cos, sin (B, T, dim)
        freqs = position_ids[:, :, None].float() * self.inv_freq[None, None, :].float()
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos(), emb.sin()


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.nh, self.nkv, self.hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        b = c.attention_bias
        self.q_proj = nn.Linear(c.hidden_size, self.nh * self.hd, bias=b)
        self.k_proj = nn.Linear(c.hidden_size, self.nkv * self.hd, bias=b)
        self.v_proj = nn.Linear(c.hidden_size, self.nkv * self.hd, bias=b)
        self.o_proj = nn.Linear(self.nh * self.hd, c.hidden_size, bias=False)

    def forward(self, x, cos, sin, mask, cache=None):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        cos, sin = cos[:, None], sin[:, None]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            if "k" in cache:
                k = torch.cat([cache["k"], k], dim=2)
                v = torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        rep = self.nh // self.nkv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd)
        w = w + mask
        w = F.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2).reshape(B, T, self.nh * self.hd)
        return self.o_proj(o)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)

    def forward(self, x, cos, sin, mask, cache=None):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache)
        return x + self.mlp(self.post_attention_layernorm(x))


class Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Layer(c) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)


class LlamaForCausalLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.model = Body(c)
        self.rotary = Rotary(c.head_dim, c.rope_theta)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        if c.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def init_weights(self, std=0.02, seed=None):
        g = torch.Generator().manual_seed(seed) if seed is not None else None
        for name, p in self.named_parameters():
            with torch.no_grad():
                if name.endswith("norm.weight"):
                    p.fill_(1.0)
                elif name.endswith(".bias"):
                    p.normal_(0.0, std, generator=g) if g is not None else p.normal_(0.0, std)
                else:
                    s = std / math.sqrt(2 * self.config.num_hidden_layers) if name.endswith(("o_proj.weight",
                                                                                            "down_proj.weight")) else std
                    p.normal_(0.0, s, generator=g) if g is not None else p.normal_(0.0, s)

    def num_params(self):
        return sum(p.numel() for p in self.parameters())

    def forward(self, ids, attention_mask=None, caches=None, position_ids=None):
        """ids (B, T); attention_mask (B, S) over past+current tokens (1 keep, 0 pad), optional.
        caches: list of dicts (one per layer) for incremental decoding. Returns logits (B, T, V)."""
        B, T = ids.shape
        past = caches[0]["k"].shape[2] if caches is not None and "k" in caches[0] else 0
        S = past + T
        if position_ids is None:
            if attention_mask is not None:
                pos = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
                position_ids = pos[:, past:]
            else:
                position_ids = torch.arange(past, S)[None].expand(B, T)
        neg = torch.finfo(torch.float32).min
        causal = torch.full((T, S), neg).triu(past + 1)
        mask = causal[None, None].expand(B, 1, T, S)
        if attention_mask is not None:
            mask = mask.masked_fill(attention_mask[:, None, None, :] == 0, neg)
        x = self.model.embed_tokens(ids)
        cos, sin = self.rotary(position_ids)
        cos, sin = cos.to(x.dtype), sin.to(x.dtype)
        for i, layer in enumerate(self.model.layers):
            x = layer(x, cos, sin, mask, caches[i] if caches is not None else None)
        return self.lm_head(self.model.norm(x))

    @torch.no_grad()
    def generate(self, prompts, max_new_tokens, eos_id=None, pad_id=0):
        """Greedy decoding with a KV cache; prompts: list of id lists (left-padded internally).
        Returns the generated ids per prompt (stopping after eos, which is included)."""
        B = len(prompts)
        L = max(len(p) for p in prompts)
        ids = torch.full((B, L), pad_id, dtype=torch.long)
        am = torch.zeros((B, L), dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, L - len(p):] = torch.tensor(p)
            am[i, L - len(p):] = 1
        caches = [dict() for _ in self.model.layers]
        logits = self.forward(ids, am, caches)[:, -1]
        out = [[] for _ in range(B)]
        done = [False] * B
        for _ in range(max_new_tokens):
            nxt = logits.argmax(-1)
            for i in range(B):
                if not done[i]:
                    out[i].append(int(nxt[i]))
                    done[i] = eos_id is not None and int(nxt[i]) == eos_id
            if all(done):
                break
            am = torch.cat([am, torch.ones((B, 1), dtype=torch.long)], dim=1)
            logits = self.forward(nxt[:, None], am, caches)[:, -1]
        return out
