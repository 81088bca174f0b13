"""MODEL_CARD.md per model, README.md for the models directory, WORDNET-LICENSE.txt."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import MODELS_DIR  # noqa: E402
from specs import AGGREGATOR, EXPERTS, SPECS  # noqa: E402
from tasks import SKILLS, WORDNET  # noqa: E402

SKILL_TEXT = {
    "word_for_gloss": "WordNet: \"Which word means: <gloss>?\", 4 words of the same part of speech",
    "gloss_for_word": "WordNet: \"What does '<word>' mean?\", 4 glosses of the same part of speech",
    "arithmetic": "a + b, a - b (0..30, a >= b), a \u00d7 b (0..12); numeric answer",
    "compare": "the larger of two numbers (0..999), as a choice A/B or as a number",
    "sequence": "next term of an arithmetic progression of 3-4 terms; numeric answer",
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


def _reading(results):
    """What the tables say, computed from them (the wording follows the figures of each build)."""
    minutes = [_train_seconds(results[n]["train"]) / 60 for n in EXPERTS + [AGGREGATOR]]
    maj = results["majority_vote"]
    best = {k: max(results[n]["test_accuracy"][k] for n in EXPERTS) for k in SKILLS + ["all"]}
    wins = [k for k in SKILLS if maj[k] > best[k]]
    cmp_best = max(EXPERTS, key=lambda n: results[n]["test_accuracy"]["compare"])
    out = ("\nRead these numbers as \"the pipeline works, the models learned little\": %.0f-%.0f CPU-minutes per "
           "model on two shared cores teach the answer format and number comparison (%s: %s on `compare`, "
           "chance 50%%), little more. WordNet test questions use synsets never seen in training, so ~25%% is what "
           "word-form cues alone give; arithmetic and sequences on held-out operand pairs stay near 0. "
           % (min(minutes), max(minutes), cmp_best, pct(results[cmp_best]["test_accuracy"]["compare"])))
    out += ("The majority vote of the three experts beats the best single expert on %s, and is %s overall "
            "(%s vs %s); one standard error is 4-5 points at 100 questions per skill.\n"
            % (", ".join("`%s`" % k for k in wins) if wins else "no skill",
               "above it" if maj["all"] > best["all"] else "below it", pct(maj["all"]), pct(best["all"])))
    return out


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
        "Mixture-of-Agents demo: %s. It is a toy: it answers this project's synthetic question suite in the " \
        "format `Answer: X` and nothing else.\n\n" % (name, role)
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
    s += "Data: %s. Questions are generated by `tasks.py` (see the suite section of `../README.md`); " \
         "training draws from the train split only (WordNet: 80%% of the synsets; numbers: 80%% of each " \
         "skill's question space), with fresh distractors and choice orders per example.\n\n" % spec["summary"]
    if spec["kind"] == "proposer":
        s += "Skill mix: " + ", ".join("%s %d%%" % (k, round(100 * v)) for k, v in spec["mix"].items()) + ".\n\n"
        s += ("Prompt: the job's proposer prompt (`Answer the question. Think step by step, briefly.` + "
              "question + choices + answer-format line) in the ChatML template; target `Answer: X<|im_end|>`.\n\n")
    else:
        s += ("Prompt: the job's aggregator prompt (MoA aggregate-and-synthesize instruction, `User query:` + "
              "question, `Responses from models:`, `n. <response>` lines: everything but the responses is known "
              "when the query arrives, so it is prefilled before any expert answers) in the ChatML template; target `Answer: <gold>`. %d%% of the "
              "examples carry the three trained experts' real greedy outputs on validation-split questions (3 "
              "responses, or 9 as three shuffled copies); the rest carry 1-9 synthetic expert-style responses "
              "(`Answer: X`, each correct with a per-example probability drawn from U(0.1, 0.95), wrong ones "
              "often agreeing on one distractor). Besides the output tokens, the loss also covers the answer "
              "tokens inside the numbered responses (predicting response n from responses 1..n-1 is the "
              "follow-the-majority skill); output tokens alone gave too little signal for this budget.\n\n"
              % round(100 * spec.get("recorded_fraction", 0)))
    s += ("Optimiser: AdamW (betas 0.9/0.95, weight decay 0.05 on matrices), learning rate %g with 4%% "
          "warm-up and cosine decay to 10%%, batch %d, %d steps, gradient clipping 1.0, loss on the output "
          "tokens%s. Seed %d. %s tokens processed (padded) in %.0f s (%.1f min) of CPU time on 2 shared "
          "cores (torch %s).\n\n" % (info["lr"], info["batch"], info["steps"],
                                     " and the responses' answer tokens" if spec.get("aux_response_loss") else
                                     " only", info["seed"],
                                     "{:,}".format(info["tokens_seen"]), info["train_seconds"],
                                     info["train_seconds"] / 60, results.get("torch", "1.13")))
    s += _history(info["history"])
    ft = info.get("finetune")
    if ft:
        f = spec["finetune"]
        s += ("Second stage, from those weights: %d steps, learning rate %g (same schedule and optimiser, fresh "
              "state), seed %d, the same data except that each synthetic response is correct with a per-example "
              "probability drawn from U(%g, 0.95), so that following the agreeing responses pays more often (with "
              "U(0.1, 0.95) the wrong ones, agreeing on a distractor, often outvote the right one, and the first "
              "stage learned to follow the majority only weakly). Chosen on the 250 held-out validation "
              "questions' expert responses (aggregator over them vs their majority vote). %.0f s (%.1f min).\n\n"
              % (ft["steps"], ft["lr"], ft["seed"], f["synthetic_p_low"], ft["train_seconds"],
                 ft["train_seconds"] / 60))
        s += _history(ft["history"])
    s += "## Evaluation\n\nHeld-out test split: `../suite-test.jsonl`, 500 questions, 100 per skill, from " \
         "synsets / number pairs never seen in training. Scorer: greedy decoding (at most 16 new tokens), the " \
         "text after the last `Answer:` compared with gold as the job's `AnswerExtractor` does.\n\n"
    if name == AGGREGATOR:
        rows = [(n, results[n]["test_accuracy"]) for n in EXPERTS]
        rows += [("majority vote of the 3 experts", results["majority_vote"]),
                 ("**aggregator over the 3 experts' outputs**", r["test_accuracy"]),
                 ("aggregator over 9 responses (the 3 outputs x3)", r["test_accuracy_9_responses"]),
                 ("aggregator alone, as a proposer", r["test_accuracy_as_proposer"]), _chance_row()]
        s += _acc_table(rows)
        s += ("\nMajority vote: the most common extracted answer; ties go to the larger expert "
              "(expert-large, then expert-medium, then expert-small).\n\n")
        f = r.get("following")
        if f:
            s += ("What it learned: on the test split it repeats the experts' answer in %d of the %d questions "
                  "where all three agree, and the two-vote majority in %d of %d where exactly two agree. With "
                  "experts this close to chance that cannot lift accuracy much; the differences from the "
                  "experts and the majority vote above are within noise (100 questions per skill: one "
                  "standard error is about 4-5 points).\n\n" % (f["unanimous_followed"], f["unanimous"],
                                                                  f["majority_followed"], f["majority"]))
    else:
        s += _acc_table([(name, r["test_accuracy"]), _chance_row()]) + "\n"
    s += LICENCE
    s += ("\n## Reproduce\n\n`nice -n 10 /usr/bin/python3 connectors/models/train/build_all.py` (see "
          "`connectors/models/train/README.md`). Training is deterministic up to CPU floating-point "
          "non-determinism between machines and thread counts.\n")
    with open(os.path.join(MODELS_DIR, name, "MODEL_CARD.md"), "w") as f:
        f.write(s)


def _history(h):
    if not h:
        return ""
    s = "| step | loss (EMA) | validation exact match |\n| --- | --- | --- |\n"
    for e in h:
        s += "| %d | %.3f | %s |\n" % (e["step"], e["loss_ema"], pct(e["val_exact"]))
    return s + "\n"


def _steps(info):
    ft = info.get("finetune")
    return "%d + %d" % (info["steps"], ft["steps"]) if ft else "%d" % info["steps"]


def _train_seconds(info):
    return info["train_seconds"] + info.get("finetune", {}).get("train_seconds", 0)


def readme(results):
    s = ("# Bundled models\n\nTiny Llama-architecture models trained from scratch, offline, on CPU by "
         "`connectors/models/train/build_all.py` for the Mixture-of-Agents demo. Each directory is in Hugging "
         "Face layout (`config.json`, `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`) with a "
         "`MODEL_CARD.md`. They are toys: they only answer this project's question suite, as `Answer: X`.\n\n")
    s += "| model | role | params | layers | hidden | heads / KV | tied | size | steps | train time | " \
         "test accuracy |\n|" + " --- |" * 11 + "\n"
    for n in EXPERTS + [AGGREGATOR]:
        c, info = _arch(n), results[n]["train"]
        role = "aggregator" if n == AGGREGATOR else "expert: " + SPECS[n]["summary"].split(":")[0]
        s += "| %s | %s | %s | %d | %d | %d / %d | %s | %.1f MB | %s | %.1f min | %s |\n" % (
            n, role, "{:,}".format(info["params"]), c["num_hidden_layers"], c["hidden_size"],
            c["num_attention_heads"], c["num_key_value_heads"], "yes" if c["tie_word_embeddings"] else "no",
            _size(os.path.join(MODELS_DIR, n)) / 1e6, _steps(info), _train_seconds(info) / 60,
            pct(results[n]["test_accuracy"]["all"]))
    s += "\nPer skill on the held-out test split (`suite-test.jsonl`, 500 questions, 100 per skill):\n\n"
    rows = [(n, results[n]["test_accuracy"]) for n in EXPERTS]
    rows += [("majority vote of the 3 experts", results["majority_vote"]),
             ("aggregator over the 3 experts", results[AGGREGATOR]["test_accuracy"]), _chance_row()]
    s += _acc_table(rows)
    s += _reading(results)
    s += "\n## Question suite\n\n`tasks.py` generates questions in the job's Query JSONL format " \
         "(`id`, `text`, `choices`, `task_type`, `gold`, plus `skill`):\n\n"
    for k in SKILLS:
        s += "- `%s`: %s\n" % (k, SKILL_TEXT[k])
    sz = results["suite_sizes"]
    s += ("\nEach skill's question space is split once (seeded) into train / validation / test (80/10/10); "
          "WordNet by synset (%d / %d / %d synsets with a short gloss and a common lemma). Glosses: the "
          "definition up to the first ';', 8-60 characters. Files here: `suite-test.jsonl` (the 500 test "
          "questions), `demo-queries.jsonl` (its first 20).\n\n" % tuple(
              sz["wordnet_synsets"][k] for k in ("train", "validation", "test")))
    s += ("## Prompt and tokenizer\n\nPrompts are the job's (`flink-job/.../prompt/Prompts.java`) in the ChatML "
          "template `<|im_start|>user\\n{prompt}<|im_end|>\\n<|im_start|>assistant\\n`; the models answer "
          "`Answer: X<|im_end|>`. Tokenizer: SentencePiece BPE (vocab %d, byte fallback, digits split) exported "
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
