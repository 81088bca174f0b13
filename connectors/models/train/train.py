"""Trains one model (expert or aggregator) on CPU and saves a checkpoint under work/<name>/.

Loss only on the output tokens ("Answer: X<|im_end|>"); AdamW, linear warm-up then cosine decay; batches of
similar-length examples. The lm_head is applied to the output positions only (saves most of its cost).
"""
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import WORK_DIR  # noqa: E402
from data import (aggregator_example, aggregator_text, example_ids, expert_mix, expert_target,  # noqa: E402
                  proposer_text, response_positions)
from llama import Config, LlamaForCausalLM  # noqa: E402
from specs import EXPERTS  # noqa: E402

MAX_LEN = 512
CHUNK = 500  # steps per example-stream chunk and partial checkpoint (resumable training)


def hidden_states(model, ids, shared=0):
    """Final-norm hidden states of ids (B, T) for positions shared..T-1. The first `shared` tokens are the
    same in every row (the fixed chat/instruction prefix): they are computed once, with batch 1, and their
    keys/values broadcast to the batch (gradients flow back through the broadcast)."""
    B, T = ids.shape
    neg = torch.finfo(torch.float32).min
    caches = [dict() for _ in model.model.layers]
    if shared > 0:
        pos = torch.arange(shared)[None]
        cos, sin = model.rotary(pos)
        x = model.model.embed_tokens(ids[:1, :shared])
        mask = torch.full((shared, shared), neg).triu(1)[None, None]
        for layer, cache in zip(model.model.layers, caches):
            x = layer(x, cos, sin, mask, cache)
        for cache in caches:
            cache["k"] = cache["k"].expand(B, -1, -1, -1)
            cache["v"] = cache["v"].expand(B, -1, -1, -1)
    n = T - shared
    pos = torch.arange(shared, T)[None].expand(B, n)
    cos, sin = model.rotary(pos)
    mask = torch.full((n, T), neg).triu(shared + 1)[None, None]
    x = model.model.embed_tokens(ids[:, shared:])
    for layer, cache in zip(model.model.layers, caches):
        x = layer(x, cos, sin, mask, cache if shared > 0 else None)
    return model.model.norm(x)


def shared_prefix(examples):
    """Length of the common prefix of all rows, kept before every row's first output position."""
    first = examples[0][0]
    p = min(len(e[0]) for e in examples)
    for e in examples[1:]:
        seq = e[0]
        i = 0
        while i < p and seq[i] == first[i]:
            i += 1
        p = i
    first = min(min([e[1]] + list(e[2] if len(e) > 2 else [])) for e in examples)
    return max(0, min(p, first - 1))


def collate(examples, pad_id=0, aux=True):
    """examples: list of (ids, n_prompt[, aux target positions]). Right padding; returns ids, flat target
    index (row, position predicting it), target ids and which targets are auxiliary: the output tokens, plus the
    auxiliary ones if aux."""
    L = max(len(e[0]) for e in examples)
    ids = torch.full((len(examples), L), pad_id, dtype=torch.long)
    rows, cols, tgt, is_aux = [], [], [], []
    for b, e in enumerate(examples):
        seq, n = e[0], e[1]
        ids[b, :len(seq)] = torch.tensor(seq)
        extra = list(e[2]) if aux and len(e) > 2 else []
        for t in extra + list(range(n, len(seq))):
            rows.append(b)
            cols.append(t - 1)
            tgt.append(seq[t])
        is_aux += [True] * len(extra) + [False] * (len(seq) - n)
    return ids, torch.tensor(rows), torch.tensor(cols), torch.tensor(tgt), torch.tensor(is_aux, dtype=torch.bool)


class ExampleSource:
    """Endless training examples for a spec: an expert's proposer prompts from the train split (its skills worked or
    bare, the others abstained), or the aggregator's prompts over the experts' recorded outputs in the job's
    layouts."""

    def __init__(self, suite, tok, spec, recorded=None, trust=None):
        self.tok, self.spec = tok, spec
        self.rng = random.Random(spec["seed"] + 1)
        self.max_len = spec.get("max_len", MAX_LEN)
        if spec["kind"] == "proposer":
            self.stream = suite.stream("train", expert_mix(spec), spec["seed"])
        self.recorded = recorded or []  # [(question, {expert: output})] on validation-split questions
        self.trust = trust or {}

    def next(self):
        s = self.spec
        if s["kind"] == "aggregator":
            q, outs = self.rng.choice(self.recorded)
            rs, tgt = aggregator_example(q, outs, EXPERTS, self.trust.get(q["skill"], {}), self.rng, s.get("layouts"))
            text = aggregator_text(q, rs)
        else:
            q = next(self.stream)
            text, tgt = proposer_text(q), expert_target(s, q)
        ids, n = example_ids(self.tok, text, tgt)
        assert len(ids) <= self.max_len, len(ids)
        if s["kind"] == "aggregator" and s.get("aux_loss") == "responses":
            return ids, n, response_positions(self.tok, ids, n)
        return ids, n

    def batches(self, batch, bucket=8):
        while True:
            pool = sorted((self.next() for _ in range(batch * bucket)), key=lambda e: len(e[0]))
            chunks = [pool[i:i + batch] for i in range(0, len(pool), batch)]
            self.rng.shuffle(chunks)
            for c in chunks:
                yield c


@torch.no_grad()
def teacher_forced_accuracy(model, examples, batch=64):
    """Share of examples whose every output token is the argmax: greedy decoding would produce the target."""
    model.eval()
    ok = 0
    for i in range(0, len(examples), batch):
        chunk = examples[i:i + batch]
        ids, rows, cols, tgt, _ = collate(chunk, aux=False)
        p = shared_prefix(chunk)
        h = hidden_states(model, ids, p)
        pred = model.lm_head(h[rows, cols - p]).argmax(-1)
        wrong = torch.zeros(len(chunk), dtype=torch.long).index_add_(0, rows, (pred != tgt).long())
        ok += int((wrong == 0).sum())
    model.train()
    return ok / max(1, len(examples))


def model_config(tok, spec):
    return Config(vocab_size=tok.size, bos_token_id=tok.bos_id, eos_token_id=tok.eos_id,
                  **dict(dict(max_position_embeddings=MAX_LEN), **spec["config"]))


def train(spec, suite, tok, val_examples, recorded=None, log=print, init=None, trust=None):
    """spec: name, config (dict for Config), kind, mix, steps, batch, lr, seed, ... Returns (model, info).
    init: a state dict to start from (another trained model's) instead of fresh weights."""
    torch.manual_seed(spec["seed"])
    model = LlamaForCausalLM(model_config(tok, spec))
    if init is None:
        model.init_weights(0.02)
    else:
        model.load_state_dict(init)
    model.train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=spec["lr"], betas=(0.9, 0.95), eps=1e-8)
    steps, warm = spec["steps"], max(1, int(spec["steps"] * 0.04))

    def lr_at(s):
        if s < warm:
            return spec["lr"] * (s + 1) / warm
        return spec["lr"] * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm))))

    # Resumable: the example stream restarts from a seed per chunk of CHUNK steps, and a partial checkpoint is
    # saved at every chunk boundary, so an interrupted run continues exactly where the last chunk ended.
    partial = os.path.join(WORK_DIR, spec["name"], "partial.pt")
    key = json.dumps({k: spec[k] for k in sorted(spec) if k not in ("summary",)}, sort_keys=True, default=str)
    t0 = time.time()
    history, ema, tokens, start, spent = [], None, 0, 0, 0.0
    if os.path.exists(partial):
        st = torch.load(partial)
        if st.get("key") == key:
            model.load_state_dict(st["model"])
            opt.load_state_dict(st["opt"])
            history, ema, tokens, start, spent = st["history"], st["ema"], st["tokens"], st["step"], st["spent"]
            log("%s resuming at step %d" % (spec["name"], start))
    it = None
    for step in range(start, steps):
        if step % CHUNK == 0 or it is None:
            chunk_spec = dict(spec, seed=spec["seed"] + 7919 * (step // CHUNK))
            it = ExampleSource(suite, tok, chunk_spec, recorded, trust).batches(spec["batch"])
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        chunk = next(it)
        ids, rows, cols, tgt, is_aux = collate(chunk)
        p = shared_prefix(chunk)
        tokens += ids.numel()
        h = hidden_states(model, ids, p)
        losses = F.cross_entropy(model.lm_head(h[rows, cols - p]), tgt, reduction="none")
        loss = losses[~is_aux].mean()
        if is_aux.any():  # its own mean, weighted: the auxiliary targets far outnumber the output's
            loss = loss + spec.get("aux_weight", 1.0) * losses[is_aux].mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema = float(loss) if ema is None else 0.98 * ema + 0.02 * float(loss)
        elapsed = spent + time.time() - t0
        if (step + 1) % spec.get("eval_every", 100) == 0 or step + 1 == steps:
            acc = teacher_forced_accuracy(model, val_examples)
            history.append({"step": step + 1, "loss_ema": round(ema, 4), "val_exact": round(acc, 4),
                            "elapsed_s": round(elapsed, 1)})
            log("%s step %d loss %.3f val %.3f (%.0fs, %.0f tok/s)" % (spec["name"], step + 1, ema, acc,
                                                                    elapsed, tokens / max(1e-9, elapsed)))
        if (step + 1) % CHUNK == 0 and step + 1 < steps:
            os.makedirs(os.path.dirname(partial), exist_ok=True)
            torch.save({"key": key, "model": model.state_dict(), "opt": opt.state_dict(), "history": history,
                        "ema": ema, "tokens": tokens, "step": step + 1, "spent": elapsed}, partial + ".tmp")
            os.replace(partial + ".tmp", partial)
    if os.path.exists(partial):
        os.remove(partial)
    spent = spent + time.time() - t0
    info = {"steps": steps, "batch": spec["batch"], "lr": spec["lr"], "seed": spec["seed"], "init": spec.get("init"),
            "train_seconds": round(spent, 1), "tokens_seen": tokens, "history": history,
            "params": model.num_params()}
    model.eval()
    return model, info


def save_checkpoint(model, info, name):
    d = os.path.join(WORK_DIR, name)
    os.makedirs(d, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(d, "model.pt"))
    with open(os.path.join(d, "train_info.json"), "w") as f:
        json.dump(info, f, indent=1)
    return d
