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
from data import aggregator_text, example_ids, proposer_text, synthetic_responses  # noqa: E402
from evaluate import accuracy, aggregator_outputs, following, majority_outputs, proposer_outputs  # noqa: E402
from hf_export import load_model, save_model  # noqa: E402
from llama import Config, LlamaForCausalLM  # noqa: E402
from specs import AGGREGATOR, EXPERTS, SPECS  # noqa: E402
from tasks import Suite, test_set, write_jsonl, write_suite_files  # noqa: E402
from train import save_checkpoint, train  # noqa: E402

RECORDED_QUESTIONS = 3000  # validation questions the experts answer for aggregator training


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def load_checkpoint(name, tok, spec_name=None):
    d = os.path.join(WORK_DIR, name)
    if not os.path.exists(os.path.join(d, "model.pt")):
        return None, None
    spec = SPECS[spec_name or name]
    c = Config(vocab_size=tok.size, bos_token_id=tok.bos_id, eos_token_id=tok.eos_id, max_position_embeddings=512,
               **spec["config"])
    m = LlamaForCausalLM(c)
    m.load_state_dict(torch.load(os.path.join(d, "model.pt")))
    with open(os.path.join(d, "train_info.json")) as f:
        return m.eval(), json.load(f)


def val_examples(suite, tok, spec, recorded):
    qs = suite.fixed("validation", 50, 3, "val")
    if spec["kind"] == "proposer":
        return [example_ids(tok, proposer_text(q), q) for q in qs]
    import random
    rng = random.Random(5)
    ex = [example_ids(tok, aggregator_text(q, synthetic_responses(q, rng, 3)), q) for q in qs]
    held = recorded[-250:]  # the last 250 recorded questions are kept out of aggregator training
    ex += [example_ids(tok, aggregator_text(q, rs), q) for q, rs in held]
    return ex


def get_model(name, suite, tok, args, recorded=None):
    spec = dict(SPECS[name])
    spec["steps"] = max(1, int(round(spec["steps"] * args.steps_scale)))
    m, info = (None, None) if args.force or name in args.retrain else load_checkpoint(name, tok)
    if m is not None and info["steps"] == spec["steps"]:
        log("%s: reusing checkpoint (%d steps)" % (name, info["steps"]))
        return finetune(m, info, spec, suite, tok, args, recorded)
    log("%s: training %d steps" % (name, spec["steps"]))
    train_rec = recorded[:-250] if recorded else None
    m, info = train(spec, suite, tok, val_examples(suite, tok, spec, recorded), train_rec, log)
    save_checkpoint(m, info, name)
    return finetune(m, info, spec, suite, tok, args, recorded)


def finetune(m, info, spec, suite, tok, args, recorded):
    """The spec's second stage (if any), from the first stage's weights; its checkpoint is NAME-ft."""
    if "finetune" not in spec:
        return m, info
    ft = dict(spec, **spec["finetune"], name=spec["name"] + "-ft")
    ft["steps"] = max(1, int(round(ft["steps"] * args.steps_scale)))
    del ft["finetune"]
    fresh = args.force or spec["name"] in args.retrain
    m2, info2 = (None, None) if fresh else load_checkpoint(ft["name"], tok, spec["name"])
    if m2 is None or info2["steps"] != ft["steps"] or info2.get("after_steps") != info["steps"]:
        log("%s: second stage, %d steps" % (spec["name"], ft["steps"]))
        train_rec = recorded[:-250] if recorded else None
        m2, info2 = train(ft, suite, tok, val_examples(suite, tok, ft, recorded), train_rec, log,
                          init=m.state_dict())
        info2["after_steps"] = info["steps"]
        save_checkpoint(m2, info2, ft["name"])
    else:
        log("%s: reusing second-stage checkpoint (%d steps)" % (spec["name"], info2["steps"]))
    return m2, dict(info, finetune=info2)


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
    expert_test, expert_rec = {}, {}
    for name in EXPERTS:
        m, info = get_model(name, suite, tok, args)
        m = export(name, m, tok_dir)
        t = time.time()
        expert_test[name] = proposer_outputs(m, tok, test)
        expert_rec[name] = proposer_outputs(m, tok, rec_qs)
        acc = accuracy(test, expert_test[name])
        results[name] = {"train": info, "test_accuracy": acc, "eval_seconds": round(time.time() - t, 1)}
        log("%s test accuracy %s" % (name, json.dumps({k: round(v, 3) for k, v in acc.items()})))

    maj = majority_outputs(test, [expert_test[n] for n in reversed(EXPERTS)])
    results["majority_vote"] = accuracy(test, maj)
    log("majority vote %s" % json.dumps({k: round(v, 3) for k, v in results["majority_vote"].items()}))

    recorded = [(q, [expert_rec[n][i] for n in EXPERTS]) for i, q in enumerate(rec_qs)]
    m, info = get_model(AGGREGATOR, suite, tok, args, recorded)
    m = export(AGGREGATOR, m, tok_dir)
    responses = [[expert_test[n][i] for n in EXPERTS] for i in range(len(test))]
    agg = aggregator_outputs(m, tok, test, responses)
    agg9 = aggregator_outputs(m, tok, test, [r * 3 for r in responses])
    own = proposer_outputs(m, tok, test)
    results[AGGREGATOR] = {"train": info, "test_accuracy": accuracy(test, agg),
                           "test_accuracy_9_responses": accuracy(test, agg9),
                           "test_accuracy_as_proposer": accuracy(test, own),
                           "following": following(test, [expert_test[n] for n in EXPERTS], agg)}
    log("aggregator over experts %s" % json.dumps({k: round(v, 3) for k, v in accuracy(test, agg).items()}))

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
