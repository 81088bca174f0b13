"""MODEL_CARD.md per model, README.md for the models directory, WORDNET-LICENSE.txt."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import MODELS_DIR  # noqa: E402
from data import LAYOUTS  # noqa: E402
from specs import AGGREGATOR, EXPERTS, SPECS  # noqa: E402
from tasks import SKILLS, WORDNET  # noqa: E402

SKILL_TEXT = {
    "word_for_gloss": "WordNet: \"Which word means: <gloss>?\", 4 words of the same part of speech",
    "gloss_for_word": "WordNet: \"What does '<word>' mean?\", 4 glosses of the same part of speech",
    "arithmetic": "a + b and a - b (0..99, a >= b); numeric answer",
    "compare": "the larger of two numbers (0..999), as a choice A/B or as a number",
    "sequence": "next term of an arithmetic progression of 3-4 terms; numeric answer",
}

STYLE_TEXT = {
    "worked": "worked (%s)",
    "bare": "a bare guess (`Answer: X`)",
}

WORKED_TEXT = {
    "arithmetic": "column arithmetic, e.g. `8+5=13, 2+1+1=4. Answer: 43`",
    "sequence": "the difference, then the next term, both in columns",
    "word_for_gloss": "the chosen word quoted, `Answer: 'toxic'`",
    "gloss_for_word": "the chosen gloss quoted",
}

LICENCE = """## Licence

The weights, tokenizer and generated question files are released under the project's licence, Apache-2.0.
The WordNet-derived parts (the glosses and words in the training data, `suite-test.jsonl`, and whatever the
weights memorised of them) come from Princeton WordNet 3.0 (Debian package `wordnet-base`), used under the
Princeton WordNet licence, a permissive licence that allows use, copying, modification and distribution for
any purpose without fee provided its copyright notice and disclaimer are kept: see `../WORDNET-LICENSE.txt`
("WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.").
"""


def pct(x):
    return "%.1f%%" % (100 * x)


def _size(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))


def _arch(name):
    with open(os.path.join(MODELS_DIR, name, "config.json")) as f:
        c = json.load(f)
    return c


def _acc_table(rows):
    """rows: [(label, {skill: acc})]."""
    out = "| | " + " | ".join(SKILLS) + " | all |\n|" + " --- |" * (len(SKILLS) + 2) + "\n"
    for label, acc in rows:
        out += "| %s | " % label + " | ".join(pct(acc[s]) for s in SKILLS) + " | **%s** |\n" % pct(acc["all"])
    return out


def _skills_line(spec):
    own = ["`%s` %s" % (k, STYLE_TEXT[v] % WORKED_TEXT.get(k, "") if v == "worked" else STYLE_TEXT[v])
           for k, v in spec["skills"].items()]
    others = [k for k in SKILLS if k not in spec["skills"]]
    return ("Skills: " + "; ".join(own) + ". Any other question (%s) gets the abstention `Not my field. Answer: ?`, "
            "which the job extracts as no answer." % ", ".join("`%s`" % k for k in others))


def _reading(results):
    """What the tables say, computed from them (the wording follows the figures of each build)."""
    best = max(EXPERTS, key=lambda n: results[n]["test_accuracy"]["all"])
    topo = results[AGGREGATOR]["topologies"]
    b = results[best]["test_accuracy"]["all"]
    return ("\nEach expert is good at its own skills and abstains or guesses elsewhere, so no single one is best at "
            "everything: the best alone, %s, answers %s of the suite. Mixture-of-Agents over the three, with the "
            "aggregator choosing whom to believe, answers %s (tree 9-3-1) and %s (dense 9-9-1), %+.0f and %+.0f "
            "points over it; the majority vote of the three extracted answers gets %s. One standard error is 2 "
            "points over 500 questions and 3-5 per skill.\n"
            % (best, pct(b), pct(topo["tree"]["all"]), pct(topo["dense"]["all"]), 100 * (topo["tree"]["all"] - b),
               100 * (topo["dense"]["all"] - b), pct(results["majority_vote"]["all"])))


def _chance_row():
    return ("chance", {"word_for_gloss": 0.25, "gloss_for_word": 0.25, "arithmetic": 0.0, "compare": 0.5,
                       "sequence": 0.0, "all": 0.2})


def model_card(name, results):
    spec, r = SPECS[name], results[name]
    c, info = _arch(name), r["train"]
    size = _size(os.path.join(MODELS_DIR, name))
    wsize = os.path.getsize(os.path.join(MODELS_DIR, name, "model.safetensors"))
    role = "aggregator" if name == AGGREGATOR else "proposer (level-1 expert)"
    s = "# %s\n\nA tiny Llama-architecture model built from scratch by `connectors/models/train/` for the " \
        "Mixture-of-Agents demo: %s. It is a toy: it answers this project's synthetic question suite and " \
        "nothing else.\n\n" % (name, role)
    s += "## Architecture\n\n| field | value |\n| --- | --- |\n"
    for k in ("model_type", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
              "num_key_value_heads", "head_dim", "rms_norm_eps", "rope_theta", "vocab_size",
              "max_position_embeddings", "tie_word_embeddings", "torch_dtype"):
        s += "| %s | %s |\n" % (k, c[k])
    s += "| parameters | %s |\n| model.safetensors | %.2f MB |\n| directory on disk | %.2f MB |\n\n" % (
        "{:,}".format(info["params"]), wsize / 1e6, size / 1e6)
    s += ("Files: `config.json`, `model.safetensors` (float32, HF tensor names), `tokenizer.json`, "
          "`tokenizer_config.json` (ChatML `chat_template`, eos `<|im_end|>`, no BOS added).\n\n")
    s += "## Training\n\n"
    s += "Role: %s. Questions are generated by `tasks.py` (see the suite section of `../README.md`); " \
         "training draws from the train split only (numbers: 80%% of each skill's question space; words: the " \
         "knowledge base of WordNet synsets, with fresh distractors and choice orders per example).\n\n" \
         % spec["summary"]
    if spec["kind"] == "proposer":
        s += _skills_line(spec) + "\n\n"
        mix = dict(spec["mix"], abstained=spec["abstain"])
        s += "Mix: " + ", ".join("%s %d%%" % (k, round(100 * v)) for k, v in mix.items()) + ".\n\n"
        s += ("Prompt: the job's proposer prompt (`Answer the question. Think step by step, briefly.` + "
              "question + choices + answer-format line) in the ChatML template; target the answer as above, then "
              "`<|im_end|>`.\n\n")
    else:
        s += ("Prompt: the job's aggregator prompt (MoA aggregate-and-synthesize instruction, `User query:` + "
              "question, `Responses from models:`, `n. <response>` lines) in the ChatML template, over the three "
              "experts' real greedy outputs on %d validation-split questions, in the layouts the job builds: level 2 "
              "of the tree (small, medium, large; a quarter of them shuffled), of the dense topology (the three "
              "x3), of the grouped tree (one expert's three copies), and level 3 over what level 2 gives (one "
              "answer per expert's cluster, or 3 or 9 copies); %s. Target: the answer line (`Answer: X`, the quoted "
              "choice for word questions) of a right response when one exists, of the most trusted expert's "
              "otherwise (trust = each expert's accuracy per skill on these questions, table below), the abstention "
              "when no response answers.%s\n\n"
              % (results.get("recorded_questions", 0), _layouts(spec), _aux(spec)))
        if spec.get("init"):
            s += ("Initial weights: `%s`'s trained weights (same architecture), not random ones: it already knows "
                  "the words and copies a quoted choice, so the aggregator only has to learn whom to believe and "
                  "to copy the others' answers.\n\n" % spec["init"])
        trust = info.get("trust", {})
        if trust:
            s += "| trust (validation accuracy) | " + " | ".join(EXPERTS) + " |\n|" + " --- |" * 4 + "\n"
            for k in SKILLS:
                s += "| %s | " % k + " | ".join(pct(trust.get(k, {}).get(e, 0)) for e in EXPERTS) + " |\n"
            s += "\n"
    s += ("Optimiser: AdamW (betas 0.9/0.95, weight decay 0.05 on matrices), %d steps at learning rate %g (seed %d) "
          "with 4%% warm-up and cosine decay to 10%%; batch %d, gradient clipping 1.0, loss on the output tokens%s. "
          "%s tokens processed (padded) in %.0f s (%.1f min) of CPU time on 2 shared cores (torch %s).\n\n"
          % (info["steps"], info["lr"], info["seed"], info["batch"],
             " (and the auxiliary loss above)" if spec.get("aux_loss") else " only",
             "{:,}".format(info["tokens_seen"]), info["train_seconds"], info["train_seconds"] / 60,
             results.get("torch", "1.13")))
    s += _history(info["history"])
    s += "## Evaluation\n\nHeld-out test split: `../suite-test.jsonl`, 500 questions, 100 per skill (number " \
         "questions never seen in training; word questions on the knowledge base's synsets with fresh distractors " \
         "and choice order). Scorer: greedy decoding (at most 64 new tokens), the text after the last `Answer:` " \
         "compared with gold as the job's `AnswerExtractor` does (a quoted choice counts as its label).\n\n"
    if name == AGGREGATOR:
        rows = [(n, results[n]["test_accuracy"]) for n in EXPERTS]
        rows += [("majority vote of the 3 experts", results["majority_vote"]),
                 ("aggregator over the 3 experts' outputs (tree level 2)", r["test_accuracy"]),
                 ("**tree 9-3-1** (level 3 over level 2's three outputs)", r["topologies"]["tree"]),
                 ("**dense 9-9-1** (9 responses, then 9 copies)", r["topologies"]["dense"]),
                 ("grouped tree (one cluster per expert)", r["topologies"]["grouped"]),
                 ("aggregator alone, as a proposer", r["test_accuracy_as_proposer"]), _chance_row()]
        s += _acc_table(rows)
        s += ("\nGreedy copies of an expert answer alike, so each level-2 aggregator of a topology sees the same "
              "inputs and level 3 sees copies of their output. Majority vote: the most common extracted answer; "
              "ties go to the larger expert (expert-large, then expert-medium, then expert-small); abstentions do "
              "not vote. The job's own figures (the same models run by the DJL engine, with every mechanism and "
              "skill routing) are in `docs/BENCHMARKS.md`, benchmark `models`.\n\n")
    else:
        s += _acc_table([(name, r["test_accuracy"]), _chance_row()]) + "\n"
        ab = r.get("abstained", {})
        s += "Abstained (no extractable answer): " + ", ".join("%s %s" % (k, pct(ab.get(k, 0))) for k in SKILLS) \
            + ".\n\n"
    s += LICENCE
    s += ("\n## Reproduce\n\n`nice -n 10 /usr/bin/python3 connectors/models/train/build_all.py` (see "
          "`connectors/models/train/README.md`). Training is deterministic up to CPU floating-point "
          "non-determinism between machines and thread counts.\n")
    with open(os.path.join(MODELS_DIR, name, "MODEL_CARD.md"), "w") as f:
        f.write(s)


def _layouts(spec):
    names = dict(tree="tree level 2", dense="dense level 2", grouped="grouped level 2",
                 level3_each="level 3 over one answer per expert", level3_copies="level 3 over copies")
    w = spec.get("layouts") or LAYOUTS
    return "shares " + ", ".join("%s %d%%" % (names[k], round(100 * v / sum(w.values()))) for k, v in w.items())


def _aux(spec):
    if spec.get("aux_loss") == "responses":
        return (" Besides the output tokens, a language-model loss on every token of the numbered responses "
                "(its own mean, weight %g): the dense and grouped layouts repeat responses verbatim, so predicting "
                "them teaches copying." % spec.get("aux_weight", 1.0))
    return ""


def _history(h):
    if not h:
        return ""
    s = "| step | loss (EMA) | validation exact match |\n| --- | --- | --- |\n"
    for e in h:
        s += "| %d | %.3f | %s |\n" % (e["step"], e["loss_ema"], pct(e["val_exact"]))
    return s + "\n"


def _steps(info):
    return "%d" % info["steps"]


def _train_seconds(info):
    return info["train_seconds"]


def readme(results):
    s = ("# Bundled models\n\nTiny Llama-architecture models trained from scratch, offline, on CPU by "
         "`connectors/models/train/build_all.py` for the Mixture-of-Agents demo. Each directory is in Hugging "
         "Face layout (`config.json`, `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`) with a "
         "`MODEL_CARD.md`. They are toys: they only answer this project's question suite. The three experts are "
         "specialists that abstain outside their skills (`Not my field. Answer: ?`); the aggregator, trained on "
         "their real outputs in the job's layouts, learned whom to believe for which kind of question.\n\n")
    s += "| model | role | params | layers | hidden | heads / KV | tied | size | steps | train time | " \
         "test accuracy |\n|" + " --- |" * 11 + "\n"
    for n in EXPERTS + [AGGREGATOR]:
        c, info = _arch(n), results[n]["train"]
        role = "aggregator" if n == AGGREGATOR else "expert: " + SPECS[n]["summary"]
        s += "| %s | %s | %s | %d | %d | %d / %d | %s | %.1f MB | %s | %.1f min | %s |\n" % (
            n, role, "{:,}".format(info["params"]), c["num_hidden_layers"], c["hidden_size"],
            c["num_attention_heads"], c["num_key_value_heads"], "yes" if c["tie_word_embeddings"] else "no",
            _size(os.path.join(MODELS_DIR, n)) / 1e6, _steps(info), _train_seconds(info) / 60,
            pct(results[n]["test_accuracy"]["all"]))
    s += "\nPer skill on the held-out test split (`suite-test.jsonl`, 500 questions, 100 per skill):\n\n"
    rows = [(n, results[n]["test_accuracy"]) for n in EXPERTS]
    topo = results[AGGREGATOR]["topologies"]
    rows += [("majority vote of the 3 experts", results["majority_vote"]),
             ("**MoA, tree 9-3-1**", topo["tree"]), ("**MoA, dense 9-9-1**", topo["dense"]), _chance_row()]
    s += _acc_table(rows)
    s += _reading(results)
    s += "\n## Question suite\n\n`tasks.py` generates questions in the job's Query JSONL format " \
         "(`id`, `text`, `choices`, `task_type`, `gold`, plus `skill`):\n\n"
    for k in SKILLS:
        s += "- `%s`: %s\n" % (k, SKILL_TEXT[k])
    sz = results["suite_sizes"]
    s += ("\nEach number skill's question space is split once (seeded) into train / validation / test (80/10/10): "
          "the test split asks about operand pairs and sequences the experts never saw. The word skills ask about "
          "a knowledge base of %d WordNet synsets (with a short gloss and a common lemma), the experts' "
          "knowledge, as a real model is asked about what its pre-training taught it: every split uses the same "
          "synsets, each question with fresh distractors (from the knowledge base, same part of speech) and a "
          "fresh choice order. Glosses: the definition up to the first ';', 8-60 characters. Files here: "
          "`suite-test.jsonl` (the 500 test questions), `demo-queries.jsonl` (its first 20).\n\n"
          % sz["wordnet_synsets"]["test"])
    s += ("## Prompt and tokenizer\n\nPrompts are the job's (`flink-job/.../prompt/Prompts.java`) in the ChatML "
          "template `<|im_start|>user\\n{prompt}<|im_end|>\\n<|im_start|>assistant\\n`; the models answer "
          "with a line ending `Answer: X`, then `<|im_end|>`. Tokenizer: SentencePiece BPE (vocab %d, byte fallback, digits split) exported "
          "as `tokenizer.json` (Llama legacy form: Prepend/Replace normalizer, BPE with merges, no BOS added, "
          "`<|im_end|>` = eos = id 4).\n\n" % results["tokenizer"]["vocab_size"])
    s += LICENCE.replace("../WORDNET-LICENSE.txt", "WORDNET-LICENSE.txt")
    with open(os.path.join(MODELS_DIR, "README.md"), "w") as f:
        f.write(s)


def wordnet_licence():
    lines = []
    with open(os.path.join(WORDNET, "data.noun"), encoding="latin-1") as f:
        for line in f:
            if not line.startswith("  "):
                break
            lines.append(line[2:].split(" ", 1)[1].rstrip() if " " in line[2:].strip() else "")
    with open(os.path.join(MODELS_DIR, "WORDNET-LICENSE.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def write_all(results):
    for n in EXPERTS + [AGGREGATOR]:
        model_card(n, results)
    readme(results)
    wordnet_licence()


if __name__ == "__main__":
    from common import WORK_DIR
    with open(os.path.join(WORK_DIR, "results.json")) as f:
        write_all(json.load(f))
