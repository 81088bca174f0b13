"""Test fixtures for the Java engine: tiny random-init models (seeded) with reference outputs.

    /usr/bin/python3 make_fixtures.py [OUT_DIR]   (default connectors/engine-djl/src/test/resources/fixtures)

Writes tiny-llama/ (llama, F32, untied lm_head), tiny-llama-f16/ (the same weights stored as F16) and
tiny-qwen2/ (qwen2, q/k/v bias, tied embeddings, rope_theta 1e6, BF16), each with config.json,
model.safetensors, tokenizer.json, tokenizer_config.json and reference.json. The references are computed in
float32 from the weights as stored (rounded), by llama.py.
"""
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_tokenizer  # noqa: E402
import numpy_ref  # noqa: E402
from common import FIXTURES_DIR, WORK_DIR, aggregator_prompt, chat, proposer_prompt  # noqa: E402
from hf_export import load_model, save_model  # noqa: E402
from llama import Config, LlamaForCausalLM  # noqa: E402

GREEDY_TOKENS = 64
INIT_STD = 0.15  # larger than a trained model's init, so logits are far apart and greedy ties are unlikely

_Q_MC = {"text": "Which word means: a young dog?", "choices": ["puppy", "kitten", "river", "table"],
         "task_type": "multiple_choice", "gold": "A"}
_Q_NUM = {"text": "What is 7 + 5?", "task_type": "numeric", "gold": "12"}

PROMPTS = [
    "Question: What is 2 + 3?",
    "Hello world",
    chat(proposer_prompt(_Q_NUM)),
    chat(proposer_prompt(_Q_MC)),
    chat(aggregator_prompt(_Q_MC, ["Answer: A", "Answer: B", "Answer: A"])),
    "na\u00efve caf\u00e9 \u00d7 \u6f22\u5b57 \U0001F600",
]

TOKENIZER_CASES = PROMPTS + [
    "  two  spaces ",
    "a\nb\n\nc",
    "12345 + 678 = 13023",
    "<|im_start|>user\nhi<|im_end|>\n",
    "Answer: B",
]

SPECS = {
    "tiny-llama": dict(cfg=dict(model_type="llama", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5,
                                rope_theta=10000.0, tie_word_embeddings=False), dtype="F32", seed=1),
    "tiny-llama-f16": dict(same_as="tiny-llama", dtype="F16", seed=1),
    "tiny-qwen2": dict(cfg=dict(model_type="qwen2", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6,
                                rope_theta=1000000.0, tie_word_embeddings=True), dtype="BF16", seed=2),
}


def _f(x):
    return float("%.8g" % x)


@torch.no_grad()
def greedy_full(model, ids, n):
    """Greedy continuation by full recomputation; also the smallest top-1/top-2 logit gap seen."""
    seq, out, gap = list(ids), [], float("inf")
    for _ in range(n):
        logits = model(torch.tensor([seq]))[0, -1]
        top = torch.topk(logits, 2).values
        gap = min(gap, float(top[0] - top[1]))
        t = int(logits.argmax())
        out.append(t)
        seq.append(t)
    return out, gap


def build_one(name, spec, tok_dir, out_root, specs_done):
    out = os.path.join(out_root, name)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    tok = hf_tokenizer.HFTokenizer(os.path.join(tok_dir, "tokenizer.json"))
    base = spec if "cfg" in spec else SPECS[spec["same_as"]]
    c = Config(vocab_size=tok.size, bos_token_id=tok.bos_id, eos_token_id=tok.eos_id, max_position_embeddings=512,
               **base["cfg"])
    torch.manual_seed(spec["seed"])
    m = LlamaForCausalLM(c)
    m.init_weights(INIT_STD, seed=spec["seed"])
    save_model(m, out, spec["dtype"])
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(tok_dir, f), os.path.join(out, f))

    ref_model = load_model(out)  # float32 from the stored (rounded) weights
    prompts = []
    for i, text in enumerate(PROMPTS):
        ids = tok.encode(text)
        logits = ref_model(torch.tensor([ids]))[0]
        greedy, gap = greedy_full(ref_model, ids, GREEDY_TOKENS)
        cached = ref_model.generate([ids], GREEDY_TOKENS)[0]
        assert cached == greedy, (name, i, "KV-cache and full recompute disagree")
        prompts.append({"text": text, "ids": ids, "last_logits": [_f(x) for x in logits[-1].tolist()],
                        "greedy": greedy, "greedy_min_top2_gap": _f(gap),
                        "greedy_text": tok.decode(greedy, skip_special_tokens=False)})
        if i == 0:
            all_logits = [[_f(x) for x in row] for row in logits.tolist()]
    ref = {
        "description": "Reference outputs of llama.py (float32 math on the stored weights). ids: tokenizer.json "
                       "encoding, no BOS/EOS added. greedy: the argmax continuation of %d tokens, not stopping "
                       "at eos; greedy_min_top2_gap: smallest top-1 minus top-2 logit over those steps."
                       % GREEDY_TOKENS,
        "model_type": c.model_type,
        "dtype": spec["dtype"],
        "vocab_size": c.vocab_size,
        "eos_token_id": c.eos_token_id,
        "greedy_tokens": GREEDY_TOKENS,
        "prompts": prompts,
        "all_logits_prompt_index": 0,
        "all_logits": all_logits,
        "tokenizer_cases": [{"text": t, "ids": tok.encode(t), "decoded": tok.decode(tok.encode(t))}
                            for t in TOKENIZER_CASES],
    }
    with open(os.path.join(out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    worst = numpy_ref.check_reference(out)  # independent Meta-layout numpy forward pass
    assert worst < 1e-4, (name, worst)
    sizes = {f: os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out))}
    return {"name": name, "params": m.num_params(), "min_gap": min(p["greedy_min_top2_gap"] for p in prompts),
            "numpy_max_abs_diff": worst,
            "sizes": sizes}


def main(out_root=FIXTURES_DIR, tok_dir=None):
    tok_dir = tok_dir or os.path.join(WORK_DIR, "tokenizer")
    hf_tokenizer.load(tok_dir)  # builds the tokenizer if missing
    torch.set_num_threads(2)
    os.makedirs(out_root, exist_ok=True)
    results = []
    for name, spec in SPECS.items():
        results.append(build_one(name, spec, tok_dir, out_root, results))
        print(json.dumps(results[-1]))
    return results


if __name__ == "__main__":
    main(*(sys.argv[1:2] or []))
