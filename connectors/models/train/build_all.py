"""Builds everything, deterministically from the seeds in specs.py / tasks.py:

  1. tokenizer (SentencePiece BPE on training-split texts -> tokenizer.json), suite-test.jsonl, demo-queries.jsonl
  2. engine test fixtures (make_fixtures.py)
  3. the three experts: train, export (HF layout), score on the held-out test split
  4. the experts' outputs on validation questions (aggregator training data) and on the test split
  5. the aggregator: train, export, score over the experts' test outputs; majority vote
  6. MODEL_CARD.md per model, README.md for all, GGUF of the tiny-llama fixture

    nice -n 10 /usr/bin/python3 connectors/models/train/build_all.py [--force] [--only NAME ...]
        [--skip-fixtures] [--steps-scale X]

Checkpoints land in train/work/ (git-ignored); an existing checkpoint is reused unless --force.
"""
import argparse
import json
import os
import shutil
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_tokenizer  # noqa: E402
from common import FIXTURES_DIR, MODELS_DIR, WORK_DIR  # noqa: E402
from data import aggregator_example, aggregator_text, example_ids, expert_target, proposer_text, trust  # noqa: E402
from evaluate import (abstentions, accuracy, following, majority_outputs, proposer_outputs,  # noqa: E402
                      topology_outputs)
from hf_export import load_model, save_model  # noqa: E402
from llama import LlamaForCausalLM  # noqa: E402
from specs import AGGREGATOR, EXPERTS, SPECS  # noqa: E402
from tasks import Suite, write_jsonl, write_suite_files  # noqa: E402
from train import model_config, save_checkpoint, train  # noqa: E402

RECORDED_QUESTIONS = 4000  # validation questions the experts answer for aggregator training
HELD_OUT = 250  # of them, kept out of the aggregator's training for its validation


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def load_checkpoint(name, tok, spec_name=None):
    d = os.path.join(WORK_DIR, name)
    if not os.path.exists(os.path.join(d, "model.pt")):
        return None, None
    m = LlamaForCausalLM(model_config(tok, SPECS[spec_name or name]))
    m.load_state_dict(torch.load(os.path.join(d, "model.pt")))
    with open(os.path.join(d, "train_info.json")) as f:
        return m.eval(), json.load(f)


def val_examples(suite, tok, spec, recorded, trust_by_skill):
    if spec["kind"] == "proposer":
        qs = suite.fixed("validation", 50, 3, "val")
        return [example_ids(tok, proposer_text(q), expert_target(spec, q)) for q in qs]
    import random
    rng = random.Random(5)
    ex = []
    for q, outs in recorded[-HELD_OUT:]:  # kept out of the aggregator's training
        rs, tgt = aggregator_example(q, outs, EXPERTS, trust_by_skill.get(q["skill"], {}), rng,
                                     spec.get("layouts"))
        ex.append(example_ids(tok, aggregator_text(q, rs), tgt))
    return ex


def get_model(name, suite, tok, args, recorded=None):
    """The trained model `name`: its checkpoint when one trained the same way exists, else trained (from the
    weights of the model the spec's `init` names, when it names one)."""
    spec = dict(SPECS[name])
    spec["steps"] = max(1, int(round(spec["steps"] * args.steps_scale)))
    m, info = (None, None) if args.force or name in args.retrain else load_checkpoint(name, tok)
    if m is not None and all(info.get(k) == spec.get(k) for k in ("steps", "batch", "lr", "seed", "init")):
        log("%s: reusing checkpoint (%d steps)" % (name, info["steps"]))
        return m, info
    train_rec = recorded[:-HELD_OUT] if recorded else None
    trust_by_skill = trust(train_rec, EXPERTS) if recorded else {}
    val = val_examples(suite, tok, spec, recorded, trust_by_skill)
    log("%s: training %d steps" % (name, spec["steps"]))
    m, info = train(spec, suite, tok, val, train_rec, log, init=initial_weights(spec), trust=trust_by_skill)
    if recorded:
        info["trust"] = trust_by_skill
    save_checkpoint(m, info, name)
    return m, info


def initial_weights(spec):
    """The trained weights a spec starts from (`init`: an already built model of the same shape), or None."""
    if not spec.get("init"):
        return None
    return torch.load(os.path.join(WORK_DIR, spec["init"], "model.pt"))


def export(name, model, tok_dir):
    out = os.path.join(MODELS_DIR, name)
    if os.path.isdir(out):
        shutil.rmtree(out)
    save_model(model, out, "F32")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(tok_dir, f), os.path.join(out, f))
    # what is exported is what is scored: reload from the safetensors
    return load_model(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--force", action="store_true", help="retrain even when a checkpoint exists")
    ap.add_argument("--retrain", nargs="*", default=[], metavar="NAME", help="retrain these models only")
    ap.add_argument("--skip-fixtures", action="store_true")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    ap.add_argument("--steps-scale", type=float, default=1.0, help="scale every model's steps (quick tries)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t_all = time.time()
    os.makedirs(WORK_DIR, exist_ok=True)

    tok_dir = os.path.join(WORK_DIR, "tokenizer")
    tok, tok_report = hf_tokenizer.build(tok_dir)
    log("tokenizer: %s" % json.dumps(tok_report))
    suite = Suite()
    test = write_suite_files(suite)
    log("suite: %s; test questions %d" % (json.dumps(suite.sizes()), len(test)))

    if not args.skip_fixtures:
        import make_fixtures
        make_fixtures.main(FIXTURES_DIR, tok_dir)
        import export_gguf
        export_gguf.export(os.path.join(FIXTURES_DIR, "tiny-llama"), os.path.join(FIXTURES_DIR, "tiny-llama",
                                                                                  "model.gguf"))
        log("fixtures written to %s" % FIXTURES_DIR)

    results = {"tokenizer": tok_report, "suite_sizes": suite.sizes()}
    rec_qs = suite.fixed("validation", RECORDED_QUESTIONS // 5, 9, "rec")
    results["recorded_questions"] = len(rec_qs)
    expert_test, expert_rec = {}, {}
    for name in EXPERTS:
        m, info = get_model(name, suite, tok, args)
        m = export(name, m, tok_dir)
        t = time.time()
        expert_test[name] = proposer_outputs(m, tok, test)
        expert_rec[name] = proposer_outputs(m, tok, rec_qs)
        acc = accuracy(test, expert_test[name])
        results[name] = {"train": info, "test_accuracy": acc, "abstained": abstentions(test, expert_test[name]),
                         "eval_seconds": round(time.time() - t, 1)}
        log("%s test accuracy %s" % (name, json.dumps({k: round(v, 3) for k, v in acc.items()})))

    maj = majority_outputs(test, [expert_test[n] for n in reversed(EXPERTS)])
    results["majority_vote"] = accuracy(test, maj)
    log("majority vote %s" % json.dumps({k: round(v, 3) for k, v in results["majority_vote"].items()}))

    recorded = [(q, {n: expert_rec[n][i] for n in EXPERTS}) for i, q in enumerate(rec_qs)]
    m, info = get_model(AGGREGATOR, suite, tok, args, recorded)
    m = export(AGGREGATOR, m, tok_dir)
    experts_out = [expert_test[n] for n in EXPERTS]
    topo = topology_outputs(m, tok, test, experts_out)
    agg = topo["tree"][0]
    own = proposer_outputs(m, tok, test)
    results[AGGREGATOR] = {"train": info, "test_accuracy": accuracy(test, agg),
                           "test_accuracy_9_responses": accuracy(test, topo["dense"][0]),
                           "topologies": {k: accuracy(test, v[1]) for k, v in topo.items()},
                           "test_accuracy_as_proposer": accuracy(test, own),
                           "following": following(test, experts_out, agg)}
    log("aggregator over experts %s" % json.dumps({k: round(v, 3) for k, v in accuracy(test, agg).items()}))
    for k, v in results[AGGREGATOR]["topologies"].items():
        log("%s %s" % (k, json.dumps({s: round(x, 3) for s, x in v.items()})))

    outs_path = os.path.join(WORK_DIR, "test_outputs.jsonl")
    write_jsonl(outs_path, [dict(q, outputs={n: expert_test[n][i] for n in EXPERTS}, majority=maj[i],
                                 aggregator=agg[i]) for i, q in enumerate(test)])
    results["total_seconds"] = round(time.time() - t_all, 1)
    with open(os.path.join(WORK_DIR, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    import cards
    cards.write_all(results)
    log("done in %.0f s" % (time.time() - t_all))


if __name__ == "__main__":
    main()
