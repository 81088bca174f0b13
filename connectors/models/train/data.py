"""Training examples: chat-wrapped prompts (proposer or aggregator) and their target ids."""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ABSTAIN, aggregator_prompt, chat, extract, legacy_aggregator_prompt, proposer_prompt, score, \
    target  # noqa: E402
from tasks import SKILLS, worked  # noqa: E402


def wrong_answer(q, rng):
    g = q["gold"]
    if q["task_type"] == "multiple_choice":
        return rng.choice([chr(65 + i) for i in range(len(q["choices"])) if chr(65 + i) != g])
    v = int(g)
    while True:
        r = rng.random()
        w = v + rng.choice([-1, 1]) * rng.randint(1, 3) if r < 0.5 else v + rng.randint(-12, 12) if r < 0.85 \
            else rng.randint(0, max(20, 2 * v))
        if w != v and w >= 0:
            return str(w)


def synthetic_responses(q, rng, k=None, p_low=0.1):
    """k expert-style outputs, each correct with one per-example probability drawn from U(p_low, 0.95); wrong ones
    often agree."""
    k = k or rng.choice([1, 2, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 9, 9])
    p = rng.uniform(p_low, 0.95)
    confuser = wrong_answer(q, rng)
    out = []
    for _ in range(k):
        if rng.random() < p:
            a = q["gold"]
        else:
            a = confuser if rng.random() < 0.6 else wrong_answer(q, rng)
        out.append("Answer: " + a)
    return out


def proposer_text(q):
    return chat(proposer_prompt(q))


def aggregator_text(q, responses):
    return chat(aggregator_prompt(q, responses))


def example_ids(tok, prompt_text, target_text):
    """(input ids, number of prompt ids): prompt ids + ids of the target + <|im_end|>."""
    p = tok.encode(prompt_text)
    t = tok.encode_continuation(target_text) + [tok.eos_id]
    return p + t, len(p)


def expert_target(spec, q):
    """What an expert answers: its skills worked or bare, anything else the abstention."""
    style = spec["skills"].get(q["skill"])
    return worked(q) if style == "worked" else target(q) if style == "bare" else ABSTAIN


def expert_mix(spec):
    """Training weights per skill: the expert's own mix, and its abstention share spread over the other skills."""
    others = [k for k in SKILLS if k not in spec["skills"]]
    mix = dict(spec["mix"])
    for k in others:
        mix[k] = spec["abstain"] / len(others)
    return mix


# ---------------------------------------------------------------- the aggregator's examples
def trust(recorded, experts):
    """{skill: {expert: accuracy}} of each expert's recorded outputs: whom to believe for which kind of question."""
    t = {}
    for q, outs in recorded:
        for e in experts:
            t.setdefault(q["skill"], {}).setdefault(e, []).append(score(outs[e], q))
    return {k: {e: sum(v) / len(v) for e, v in by.items()} for k, by in t.items()}


def answer_line(text):
    """The part of a response from its last "Answer:" on (the whole text when it has none)."""
    at = text.rfind("Answer:")
    return text[at:].strip() if at >= 0 else text.strip()


def pick(q, responses, trust_of):
    """The aggregator's target over (source, text) responses: the answer line of a right response if any gives one
    (the most trusted source first), else of the most trusted source's, else the abstention (none answers)."""
    answering = [(s, r) for s, r in responses if extract(r, q) is not None]
    if not answering:
        return ABSTAIN
    ranked = sorted(answering, key=lambda sr: (not score(sr[1], q), -trust_of.get(sr[0], 0)))
    return answer_line(ranked[0][1])


# How often each of the job's layouts appears in the aggregator's training (specs.py may give its own).
LAYOUTS = dict(tree=0.30, dense=0.15, grouped=0.15, level3_each=0.15, level3_copies=0.25)


def aggregator_example(q, outs, experts, trust_of, rng, layouts=None):
    """One aggregator prompt's responses and target, in one of the job's layouts over the experts' real outputs:
    level 2 of the tree (the three experts, in order or shuffled), of the dense topology (the three, three times),
    of the grouped tree (one expert's three copies); and level 3 over what level 2 gives (3 or 9 copies of it, or,
    for the grouped tree, one answer per expert's cluster). `layouts` weighs them (default LAYOUTS)."""
    layouts = layouts or LAYOUTS
    u, layout = rng.random() * sum(layouts.values()), None
    for layout, w in layouts.items():
        u -= w
        if u < 0:
            break
    if layout == "tree":
        srcs = list(experts)
        if rng.random() < 0.25:
            rng.shuffle(srcs)
        rs = [(e, outs[e]) for e in srcs]
    elif layout == "dense":
        rs = [(e, outs[e]) for e in experts] * 3
    elif layout == "grouped":
        e = rng.choice(experts)
        rs = [(e, outs[e])] * 3
    elif layout == "level3_each":
        rs = [(e, pick(q, [(e, outs[e])], trust_of)) for e in experts]
    else:
        best = pick(q, [(e, outs[e]) for e in experts], trust_of)
        src = next((e for e in experts if answer_line(outs[e]) == best), "")
        rs = [(src, best)] * rng.choice([3, 9])
    return [r for _, r in rs], pick(q, rs, trust_of)


def response_positions(tok, ids, n_prompt):
    """Positions of every token of an aggregator prompt's numbered responses (after the "Responses from models:"
    header, up to the end of the prompt). Used as auxiliary language-model targets: the dense and grouped layouts
    repeat responses verbatim, so predicting them teaches the copying (induction) that the answer line needs."""
    header = tok.vocab.get("Responses")
    start = ids.index(header) + 1 if header in ids[:n_prompt] else n_prompt
    return list(range(start + 1, n_prompt))


def tokenizer_corpus(suite, n_prop=12000, n_agg=3000, seed=11):
    """Training-split texts for the tokenizer: chat-wrapped prompts, and target lines (used as they are)."""
    from tasks import SKILLS
    rng = random.Random(seed)
    it = suite.stream("train", {s: 1 for s in SKILLS}, seed)
    texts, raw_lines = [], []
    for i in range(n_prop + n_agg):
        q = next(it)
        if i < n_prop:
            texts.append(proposer_text(q))
        else:
            texts.append(chat(legacy_aggregator_prompt(q, synthetic_responses(q, rng))))
        raw_lines.append(target(q))  # generated right after "assistant\n": no prepended space
    return texts, raw_lines
