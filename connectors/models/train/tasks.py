"""Deterministic task suite in the project's Query JSONL format.

Skills: word_for_gloss, gloss_for_word (Princeton WordNet 3.0 from /usr/share/wordnet), arithmetic, compare,
sequence. Every skill's question space is split once, with a seed, into train / validation / test pools that
share no question (WordNet: no synset); training examples are then drawn from the train pool with fresh
distractors and choice orders, so the stream is effectively unbounded.

    /usr/bin/python3 tasks.py            # writes suite-test.jsonl and demo-queries.jsonl (models dir)
"""
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import MODELS_DIR, label  # noqa: E402

WORDNET = "/usr/share/wordnet"
SKILLS = ["word_for_gloss", "gloss_for_word", "arithmetic", "compare", "sequence"]
SPLITS = ("train", "validation", "test")
MAX_GLOSS = 60
SPLIT_SEED = 20240601
KB_SIZE = 300  # WordNet synsets the word skills ask about: the experts' knowledge, tested with fresh distractors


def _split_of(i, n):
    """Position i of n shuffled items -> split (80 / 10 / 10)."""
    if i < n * 0.8:
        return "train"
    return "validation" if i < n * 0.9 else "test"


# ---------------------------------------------------------------- WordNet
def _read_index(pos_file):
    """lemma -> offsets of its commonest (SemCor-tagged, at most the first two) senses."""
    common = {}
    with open(os.path.join(WORDNET, "index." + pos_file), encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            p = line.split()
            lemma, n_syn, n_ptr = p[0], int(p[2]), int(p[3])
            tagged = int(p[5 + n_ptr])
            offsets = p[6 + n_ptr:6 + n_ptr + n_syn]
            if tagged > 0:
                common[lemma] = set(offsets[:min(tagged, 2)])
    return common


def _good_word(w):
    return w.isascii() and w.isalpha() and w.islower() and 3 <= len(w) <= 14


def _good_gloss(g):
    return (g.isascii() and 8 <= len(g) <= MAX_GLOSS and not any(c in g for c in "()\"`[]:;")
            and g[0].isalpha())


def load_wordnet():
    """List of synsets {key, pos, words (usable lemmas), all (all lemmas), gloss}, in file order."""
    out = []
    for pos_file in ("noun", "verb", "adj", "adv"):
        common = _read_index(pos_file)
        with open(os.path.join(WORDNET, "data." + pos_file), encoding="latin-1") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                head, _, gloss = line.partition(" | ")
                p = head.split()
                offset, n = p[0], int(p[3], 16)
                lemmas = []
                for j in range(n):
                    w = p[4 + 2 * j].lower()
                    if "(" in w:
                        w = w[:w.index("(")]
                    lemmas.append(w)
                gloss = gloss.split(";")[0].strip()
                if not _good_gloss(gloss):
                    continue
                gl = " " + gloss.lower() + " "
                words = [w for w in lemmas if _good_word(w) and offset in common.get(w, ())
                         and (" " + w + " ") not in gl and (" " + w) not in gl]
                if words:
                    out.append({"key": pos_file[0] + offset, "pos": pos_file, "words": words,
                                "all": set(lemmas), "gloss": gloss})
    return out


# ---------------------------------------------------------------- suite
class Suite:
    """Question pools per skill and split; draws questions deterministically from a Random.

    version 2 (the models' suite): arithmetic is + and - on 0..99 (pairs split into train / validation / test),
    and the word skills ask about a knowledge base of KB_SIZE training synsets in every split (fresh distractors
    from the same knowledge base and a fresh choice order per question), as a real model is tested on what its
    pre-training taught it. version 1 is the first suite, kept for the tokenizer's corpus only (a corpus change
    would change the tokenizer and with it the engine fixtures)."""

    def __init__(self, seed=SPLIT_SEED, version=2):
        rng = random.Random(seed)
        syn = load_wordnet()
        rng.shuffle(syn)
        self.wn = {s: {} for s in SPLITS}  # split -> pos -> [synset]
        for i, s in enumerate(syn):
            self.wn[_split_of(i, len(syn))].setdefault(s["pos"], []).append(s)
        self.wn_list = {s: [x for pos in sorted(self.wn[s]) for x in self.wn[s][pos]] for s in SPLITS}

        arith = [(a, "+", b) for a in range(31) for b in range(31)]
        arith += [(a, "-", b) for a in range(31) for b in range(a + 1)]
        arith += [(a, "\u00d7", b) for a in range(13) for b in range(13)]
        comp = [(a, b) for a in range(100) for b in range(100) if a != b]
        comp += [(a, b) for a, b in ((rng.randrange(100, 1000), rng.randrange(100, 1000)) for _ in range(4000))
                 if a != b]
        comp = sorted(set(comp))
        seq = [(s0, d, n) for s0 in range(41) for d in range(1, 11) for n in (3, 4)]
        seq += [(s0, -d, n) for s0 in range(10, 91) for d in range(1, 11) for n in (3, 4) if s0 - d * n >= 0]
        self.pools = {}
        for name, items in (("arithmetic", arith), ("compare", comp), ("sequence", seq)):
            items = list(items)
            rng.shuffle(items)
            self.pools[name] = {s: [] for s in SPLITS}
            for i, it in enumerate(items):
                self.pools[name][_split_of(i, len(items))].append(it)
        if version >= 2:
            self._version2(random.Random(seed + 2))

    def _version2(self, rng):
        arith = [(a, "+", b) for a in range(100) for b in range(100)]
        arith += [(a, "-", b) for a in range(100) for b in range(a + 1)]
        rng.shuffle(arith)
        self.pools["arithmetic"] = {s: [] for s in SPLITS}
        for i, it in enumerate(arith):
            self.pools["arithmetic"][_split_of(i, len(arith))].append(it)
        kb = rng.sample(self.wn_list["train"], KB_SIZE)
        by_pos = {}
        for x in kb:
            by_pos.setdefault(x["pos"], []).append(x)
        self.wn = {s: by_pos for s in SPLITS}
        self.wn_list = {s: kb for s in SPLITS}

    def sizes(self):
        d = {k: {s: len(v[s]) for s in SPLITS} for k, v in self.pools.items()}
        d["wordnet_synsets"] = {s: len(self.wn_list[s]) for s in SPLITS}
        return d

    # -- one question of a skill
    def make(self, skill, split, rng, qid=None):
        q = getattr(self, "_" + skill)(split, rng)
        q["skill"] = skill
        out = {"id": qid or "", "text": q["text"]}
        if "choices" in q:
            out["choices"] = q["choices"]
        out["task_type"] = q["task_type"]
        out["gold"] = q["gold"]
        out["skill"] = skill
        return out

    def _mc(self, gold, distractors, rng):
        choices = [gold] + distractors
        rng.shuffle(choices)
        return choices, label(choices.index(gold))

    def _word_for_gloss(self, split, rng):
        s = rng.choice(self.wn_list[split])
        pool = self.wn[split][s["pos"]]
        word = rng.choice(s["words"])
        ds = []
        while len(ds) < 3:
            o = rng.choice(pool)
            w = rng.choice(o["words"])
            if w not in s["all"] and w != word and w not in ds:
                ds.append(w)
        choices, gold = self._mc(word, ds, rng)
        return {"text": "Which word means: " + s["gloss"] + "?", "choices": choices,
                "task_type": "multiple_choice", "gold": gold}

    def _gloss_for_word(self, split, rng):
        s = rng.choice(self.wn_list[split])
        pool = self.wn[split][s["pos"]]
        word = rng.choice(s["words"])
        ds = []
        while len(ds) < 3:
            o = rng.choice(pool)
            if word not in o["all"] and o["gloss"] != s["gloss"] and o["gloss"] not in ds:
                ds.append(o["gloss"])
        choices, gold = self._mc(s["gloss"], ds, rng)
        return {"text": "What does '" + word + "' mean?", "choices": choices,
                "task_type": "multiple_choice", "gold": gold}

    def _arithmetic(self, split, rng):
        a, op, b = rng.choice(self.pools["arithmetic"][split])
        r = a + b if op == "+" else a - b if op == "-" else a * b
        t = rng.choice(["What is {} {} {}?", "Compute {} {} {}."]).format(a, op, b)
        return {"text": t, "task_type": "numeric", "gold": str(r)}

    def _compare(self, split, rng):
        a, b = rng.choice(self.pools["compare"][split])
        if rng.random() < 0.5:
            choices, gold = [str(a), str(b)], label(0 if a > b else 1)
            return {"text": "Which number is larger?", "choices": choices, "task_type": "multiple_choice",
                    "gold": gold}
        return {"text": "Which is larger, {} or {}?".format(a, b), "task_type": "numeric", "gold": str(max(a, b))}

    def _sequence(self, split, rng):
        s0, d, n = rng.choice(self.pools["sequence"][split])
        terms = [s0 + d * i for i in range(n + 1)]
        return {"text": "What number comes next: " + ", ".join(map(str, terms[:n])) + ", ...?",
                "task_type": "numeric", "gold": str(terms[n])}

    # -- streams and fixed sets
    def stream(self, split, mix, seed):
        """Endless questions; mix = {skill: weight}."""
        rng = random.Random(seed)
        skills = sorted(mix)
        weights = [mix[k] for k in skills]
        i = 0
        while True:
            sk = rng.choices(skills, weights)[0]
            yield self.make(sk, split, rng, "%s-%d" % (split, i))
            i += 1

    def fixed(self, split, per_skill, seed, prefix):
        """per_skill distinct questions of each skill, interleaved across skills."""
        rng = random.Random(seed)
        by = {}
        for sk in SKILLS:
            seen, qs = set(), []
            tries = 0
            while len(qs) < per_skill and tries < per_skill * 50:
                tries += 1
                q = self.make(sk, split, rng)
                key = (q["text"], tuple(q.get("choices", ())))
                if key in seen:
                    continue
                seen.add(key)
                qs.append(q)
            by[sk] = qs
        out = []
        for i in range(per_skill):
            for sk in SKILLS:
                if i < len(by[sk]):
                    q = by[sk][i]
                    q["id"] = "%s-%04d" % (prefix, len(out) + 1)
                    out.append(q)
        return out


# ---------------------------------------------------------------- worked answers
_INT = re.compile(r"\d+")


def _add_steps(a, b):
    """Column addition of two numbers below 100: units, then tens with the carry."""
    s0 = a % 10 + b % 10
    c = 1 if s0 >= 10 else 0
    return "%d+%d=%d, %d+%d%s=%d" % (a % 10, b % 10, s0, a // 10, b // 10, "+1" if c else "", a // 10 + b // 10 + c)


def _sub_steps(a, b):
    """Column subtraction (a >= b, below 100): units, borrowing ten when needed, then tens."""
    a1, a0, b1, b0 = a // 10, a % 10, b // 10, b % 10
    if a0 >= b0:
        return "%d-%d=%d, %d-%d=%d" % (a0, b0, a0 - b0, a1, b1, a1 - b1)
    return "1%d-%d=%d, %d-%d-1=%d" % (a0, b0, a0 + 10 - b0, a1, b1, a1 - b1 - 1)


def worked(q):
    """The answer with its working, as the specialist for q's skill writes it: column arithmetic before the answer
    for arithmetic and sequences, the chosen word or gloss quoted for the word skills (a small model recalls what a
    word means but cannot also map it to a letter; the job's AnswerExtractor maps a quoted choice to its label)."""
    sk = q["skill"]
    if sk == "arithmetic":
        a, b = map(int, _INT.findall(q["text"]))
        steps = _add_steps(a, b) if "+" in q["text"] else _sub_steps(a, b)
        return steps + ". Answer: " + q["gold"]
    if sk == "sequence":
        t = list(map(int, _INT.findall(q["text"])))
        if t[1] >= t[0]:
            d = t[1] - t[0]
            s = "%d-%d: %s. %d+%d: %s." % (t[1], t[0], _sub_steps(t[1], t[0]), t[-1], d, _add_steps(t[-1], d))
        else:
            d = t[0] - t[1]
            s = "%d-%d: %s. %d-%d: %s." % (t[0], t[1], _sub_steps(t[0], t[1]), t[-1], d, _sub_steps(t[-1], d))
        return s + " Answer: " + q["gold"]
    if sk in ("word_for_gloss", "gloss_for_word"):
        return "Answer: '" + q["choices"][ord(q["gold"]) - ord("A")] + "'"
    return "Answer: " + q["gold"]


def write_jsonl(path, qs):
    with open(path, "w", encoding="utf-8") as f:
        for q in qs:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_set(suite):
    return suite.fixed("test", 100, 7, "test")


def write_suite_files(suite):
    qs = test_set(suite)
    os.makedirs(MODELS_DIR, exist_ok=True)
    write_jsonl(os.path.join(MODELS_DIR, "suite-test.jsonl"), qs)
    demo = [dict(q, id="demo-%02d" % (i + 1)) for i, q in enumerate(qs[:20])]
    write_jsonl(os.path.join(MODELS_DIR, "demo-queries.jsonl"), demo)
    return qs


if __name__ == "__main__":
    s = Suite()
    print(json.dumps(s.sizes()))
    qs = write_suite_files(s)
    for q in qs[:10]:
        print(json.dumps(q))
