"""Writes llama_graph.pt: the Llama-family forward pass (llama, qwen2) as a TorchScript module without weights.

The Java engine (LlamaModel) loads Hugging Face safetensors itself and passes the weights in as a list, so one
committed graph serves every checkpoint; what TorchScript buys is that a whole forward pass is one call into
libtorch instead of ~300 (each DJL NDArray operation is a JNI round trip plus Java bookkeeping, ~15 us, which
dominated the forward of small prompts and every decode step).

The weights come pre-folded (ScriptedForward.foldedWeights), so that a layer is as few operations as possible:
the RMSNorm scales are multiplied into the matrices that follow them, 1/sqrt(head_dim) into the query columns, and
the projection also produces rotate_half(q) and rotate_half(k) (a signed permutation of their columns), so rotary
embedding is q*cos + q_rot*sin with no slicing or concatenation.

Weight list: embed [V,H], (final_norm * lm_head^T) [H,V], cos [maxPos,D], sin [maxPos,D], then per layer:
W [H, (nh+nkv)D | nkv D | (nh+nkv)D] (q|k, v, rotated q|k; attn_norm folded), bias of the same width or empty,
o^T [nh D, H], gate_up^T [H, 2I] (mlp_norm folded), down^T [I, H].  cfg = [layers, heads, kv_heads, head_dim].

Regenerate with /usr/bin/python3 connectors/engine-djl/script/llama_graph.py (torch 1.13; the file loads in
DJL's libtorch 2.7).
"""
import os
import sys
from typing import List, Tuple

import torch


def _rms(x: torch.Tensor, eps: float) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def _qkv(x: torch.Tensor, w: torch.Tensor, bias: torch.Tensor, eps: float) -> torch.Tensor:
    y = _rms(x, eps).matmul(w)
    if bias.numel() > 0:
        y = y + bias
    return y


def _mlp(x: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor, eps: float) -> torch.Tensor:
    gu = _rms(x, eps).matmul(gate_up)
    i = gu.size(-1) // 2
    return (torch.nn.functional.silu(gu[..., :i]) * gu[..., i:]).matmul(down)


class LlamaGraph(torch.nn.Module):

    @torch.jit.export
    def prefill(self, ids: torch.Tensor, past: int, keys: List[torch.Tensor], values: List[torch.Tensor],
                w: List[torch.Tensor], cfg: List[int], eps: float, logits: int
                ) -> Tuple[torch.Tensor, List[torch.Tensor], List[torch.Tensor]]:
        """One sequence: T new tokens after `past` cached positions (keys/values per layer [nkv, past, D], or
        empty lists when past == 0). Returns (logits: 0 none / 1 last row [V] / 2 all rows [T,V],
        new keys, new values) with the caches grown by T."""
        n_layers, nh, nkv, d = cfg[0], cfg[1], cfg[2], cfg[3]
        t = ids.size(0)
        g = nh // nkv
        qk_w = (nh + nkv) * d
        v_w = nkv * d
        x = w[0].index_select(0, ids)
        cos = w[2].narrow(0, past, t).unsqueeze(1)
        sin = w[3].narrow(0, past, t).unsqueeze(1)
        mask = torch.empty(0)
        if t > 1:
            mask = torch.full((t, past + t), float("-inf")).triu(past + 1)
        new_k: List[torch.Tensor] = []
        new_v: List[torch.Tensor] = []
        for l in range(n_layers):
            b = 4 + l * 5
            y = _qkv(x, w[b], w[b + 1], eps)
            qk = y[:, :qk_w].view(t, nh + nkv, d) * cos + y[:, qk_w + v_w:].view(t, nh + nkv, d) * sin
            q = qk[:, :nh].transpose(0, 1).reshape(nkv, g * t, d)
            k = qk[:, nh:].transpose(0, 1)
            v = y[:, qk_w:qk_w + v_w].view(t, nkv, d).transpose(0, 1)
            if past > 0:
                k = torch.cat((keys[l], k), 1)
                v = torch.cat((values[l], v), 1)
            else:
                k = k.contiguous()
                v = v.contiguous()
            new_k.append(k)
            new_v.append(v)
            # [nkv, g*t, D] x [nkv, D, S]: the g query heads of a kv head share its keys without broadcasting them
            s = q.matmul(k.transpose(1, 2))
            if t > 1:
                s = (s.view(nkv, g, t, past + t) + mask).view(nkv, g * t, past + t)
            a = s.softmax(-1).matmul(v).reshape(nh, t, d).transpose(0, 1).reshape(t, nh * d)
            x = x + a.matmul(w[b + 2])
            x = x + _mlp(x, w[b + 3], w[b + 4], eps)
        out = torch.empty(0)
        if logits == 1:
            out = _rms(x[t - 1], eps).matmul(w[1])
        elif logits == 2:
            out = _rms(x, eps).matmul(w[1])
        return out, new_k, new_v

    @torch.jit.export
    def decode(self, ids: torch.Tensor, positions: torch.Tensor, keys: List[torch.Tensor],
               values: List[torch.Tensor], end: int, mask: torch.Tensor, w: List[torch.Tensor], cfg: List[int],
               eps: float) -> torch.Tensor:
        """One token for each of B rows: writes the new keys and values into column `end` of the batch buffers
        ([B, nkv, capacity, D] per layer, in place) and attends over columns [0, end]; mask is an additive
        [B, 1, 1, end + 1] tensor or empty. Returns logits [B, V]."""
        n_layers, nh, nkv, d = cfg[0], cfg[1], cfg[2], cfg[3]
        bsz = ids.size(0)
        g = nh // nkv
        qk_w = (nh + nkv) * d
        v_w = nkv * d
        x = w[0].index_select(0, ids)
        cos = w[2].index_select(0, positions).unsqueeze(1)
        sin = w[3].index_select(0, positions).unsqueeze(1)
        for l in range(n_layers):
            b = 4 + l * 5
            y = _qkv(x, w[b], w[b + 1], eps)
            qk = y[:, :qk_w].view(bsz, nh + nkv, d) * cos + y[:, qk_w + v_w:].view(bsz, nh + nkv, d) * sin
            q = qk[:, :nh].reshape(bsz, nkv, g, d)
            keys[l].select(2, end).copy_(qk[:, nh:])
            values[l].select(2, end).copy_(y[:, qk_w:qk_w + v_w].view(bsz, nkv, d))
            k = keys[l].narrow(2, 0, end + 1)
            v = values[l].narrow(2, 0, end + 1)
            s = q.matmul(k.transpose(2, 3))  # [B, nkv, g, L]: no broadcast of the keys over the g query heads
            if mask.numel() > 0:
                s = s + mask
            a = s.softmax(-1).matmul(v).reshape(bsz, nh * d)
            x = x + a.matmul(w[b + 2])
            x = x + _mlp(x, w[b + 3], w[b + 4], eps)
        return _rms(x, eps).matmul(w[1])

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return ids


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "src", "main", "resources", "dev", "moaflink", "engine", "djl",
        "llama_graph.pt")
    m = torch.jit.script(LlamaGraph().eval())
    m.save(out)
    print("wrote", os.path.normpath(out), os.path.getsize(out), "bytes")
