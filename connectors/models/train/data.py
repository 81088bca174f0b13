"""Training examples: chat-wrapped prompts (proposer or aggregator) and their target ids."""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import aggregator_prompt, chat, legacy_aggregator_prompt, proposer_prompt, target  # noqa: E402


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


def example_ids(tok, prompt_text, q):
    """(input ids, number of prompt ids): prompt ids + ids of the target + <|im_end|>."""
    p = tok.encode(prompt_text)
    t = tok.encode_continuation(target(q)) + [tok.eos_id]
    return p + t, len(p)


def response_answer_positions(tok, ids):
    """Positions of the answer tokens inside an aggregator prompt's numbered responses (the tokens after each
    "▁Answer" ":" up to the end of that line, after the "Responses from models:" header that follows the user
    query). Used as auxiliary targets: predicting response n's answer from responses 1..n-1 is the aggregator's
    own skill (follow the majority so far)."""
    v = tok.vocab
    ans, colon, nl = v.get("▁Answer"), v.get(":"), v.get("<0x0A>")
    end = len(ids)
    start = 0
    header = v.get("Responses")
    if header in ids:
        start = ids.index(header)
    out = []
    for i in range(start, end - 2):
        if ids[i] == ans and ids[i + 1] == colon:
            j = i + 2
            while j < end and ids[j] != nl:
                out.append(j)
                j += 1
    return out


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
