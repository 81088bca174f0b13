"""The tool's own scorer: greedy decoding, the text after the last "Answer:" against gold (as the Java
AnswerExtractor does), per skill; majority vote over experts; the aggregator over the experts' outputs."""
import os
import sys
from collections import Counter

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import extract, score  # noqa: E402
from data import aggregator_text, proposer_text  # noqa: E402
from tasks import SKILLS  # noqa: E402

MAX_NEW_TOKENS = 64  # the longest worked answer (a sequence) is about 50 tokens


@torch.no_grad()
def generate_texts(model, tok, texts, batch=64, max_new_tokens=MAX_NEW_TOKENS):
    """Greedy outputs (decoded, without special tokens) for chat-wrapped prompt texts."""
    enc = [tok.encode(t) for t in texts]
    order = sorted(range(len(enc)), key=lambda i: len(enc[i]))
    out = [None] * len(enc)
    for s in range(0, len(order), batch):
        idx = order[s:s + batch]
        gen = model.generate([enc[i] for i in idx], max_new_tokens, eos_id=tok.eos_id)
        for i, g in zip(idx, gen):
            out[i] = tok.decode(g)
    return out


def proposer_outputs(model, tok, qs):
    return generate_texts(model, tok, [proposer_text(q) for q in qs])


def aggregator_outputs(model, tok, qs, responses):
    """responses[i]: the list of response texts for question i."""
    return generate_texts(model, tok, [aggregator_text(q, r) for q, r in zip(qs, responses)])


def topology_outputs(model, tok, qs, outputs_per_expert):
    """The aggregator in the default topologies over the experts' greedy outputs (experts in the job's order). Greedy
    copies of an expert answer alike, so every level-2 aggregator of a topology sees the same inputs, and level 3
    sees copies of their output: tree 9-3-1 = level 2 over (small, medium, large), level 3 over three copies; dense
    9-9-1 = level 2 over the three x3, level 3 over nine copies; grouped tree = level 2 over one expert's three
    copies, level 3 over the three clusters' outputs. Returns {topology: (level-2 outputs, final outputs)}."""
    n = len(qs)
    per_q = [[o[i] for o in outputs_per_expert] for i in range(n)]
    tree2 = aggregator_outputs(model, tok, qs, per_q)
    dense2 = aggregator_outputs(model, tok, qs, [r * 3 for r in per_q])
    clusters = [aggregator_outputs(model, tok, qs, [[o[i]] * 3 for i in range(n)]) for o in outputs_per_expert]
    return {
        "tree": (tree2, aggregator_outputs(model, tok, qs, [[t] * 3 for t in tree2])),
        "dense": (dense2, aggregator_outputs(model, tok, qs, [[t] * 9 for t in dense2])),
        "grouped": (None, aggregator_outputs(model, tok, qs, [[c[i] for c in clusters] for i in range(n)])),
    }


def abstentions(qs, outputs):
    """{skill: share of outputs with no extractable answer}."""
    by = {}
    for q, o in zip(qs, outputs):
        by.setdefault(q["skill"], []).append(extract(o, q) is None)
    return {k: sum(v) / len(v) for k, v in by.items()}


def accuracy(qs, outputs):
    """{skill: accuracy, ..., "all": accuracy}."""
    by = {}
    for q, o in zip(qs, outputs):
        by.setdefault(q["skill"], []).append(score(o, q))
    res = {k: sum(v) / len(v) for k, v in by.items()}
    res["all"] = sum(sum(v) for v in by.values()) / max(1, len(qs))
    return {k: res[k] for k in SKILLS + ["all"] if k in res}


def majority_outputs(qs, outputs_per_expert):
    """Majority vote of the extracted answers; ties go to the answer seen first (experts in the given order);
    no extractable answer abstains."""
    res = []
    for i, q in enumerate(qs):
        votes = [extract(o[i], q) for o in outputs_per_expert]
        votes = [v for v in votes if v is not None]
        res.append("Answer: " + Counter(votes).most_common(1)[0][0] if votes else "")
    return res


def following(qs, outputs_per_expert, agg_outputs):
    """How often the aggregator's extracted answer equals the experts' answer when all three agree, and the
    majority answer when exactly two agree."""
    all_n = all_f = two_n = two_f = 0
    for i, q in enumerate(qs):
        votes = [extract(o[i], q) for o in outputs_per_expert]
        top, n = Counter(votes).most_common(1)[0]
        if top is None:
            continue
        a = extract(agg_outputs[i], q)
        if n == len(votes):
            all_n, all_f = all_n + 1, all_f + (a == top)
        elif n * 2 > len(votes):
            two_n, two_f = two_n + 1, two_f + (a == top)
    return {"unanimous": all_n, "unanimous_followed": all_f, "majority": two_n, "majority_followed": two_f}
