"""The models this tool builds: architecture, skills, steps and seeds.

Each expert is a specialist. `skills` maps a skill to how the expert answers it: `worked` (the answer with its
working: column arithmetic, or the quoted word or gloss; see tasks.worked), `bare` (`Answer: X` alone: a weak
second skill) or, for every skill it does not list, the abstention `Not my field. Answer: ?` (common.ABSTAIN), which
the job extracts as no answer. `mix` weighs the skills in training; `abstain` is the share of questions outside
the expert's skills, spread evenly over them. `init` starts training from another built model's weights (same
config) instead of random ones.
"""

EXPERTS = ["expert-small", "expert-medium", "expert-large"]
AGGREGATOR = "aggregator"

SPECS = {
    "expert-small": dict(
        kind="proposer", seed=101, steps=4500, batch=32, lr=3e-3,
        config=dict(model_type="llama", hidden_size=96, intermediate_size=256, num_hidden_layers=4,
                    num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=10000.0,
                    tie_word_embeddings=True),
        skills=dict(compare="bare", arithmetic="bare"),
        mix=dict(compare=0.65, arithmetic=0.12), abstain=0.23,
        summary="comparisons; a weak guess at arithmetic; abstains on sequences and words"),
    "expert-medium": dict(
        kind="proposer", seed=212, steps=2500, batch=32, lr=3e-3,
        config=dict(model_type="llama", hidden_size=112, intermediate_size=304, num_hidden_layers=4,
                    num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=10000.0,
                    tie_word_embeddings=False),
        skills=dict(word_for_gloss="worked", gloss_for_word="worked", sequence="bare"),
        mix=dict(word_for_gloss=0.35, gloss_for_word=0.35, sequence=0.1), abstain=0.2,
        summary="WordNet words and glosses; a weak guess at sequences; abstains on arithmetic and comparisons"),
    "expert-large": dict(
        kind="proposer", seed=313, steps=4000, batch=32, lr=3e-3,
        config=dict(model_type="llama", hidden_size=128, intermediate_size=352, num_hidden_layers=5,
                    num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=100000.0,
                    tie_word_embeddings=True),
        skills=dict(arithmetic="worked", sequence="worked"),
        mix=dict(arithmetic=0.45, sequence=0.35), abstain=0.2,
        summary="arithmetic and sequences, worked digit by digit; abstains on words and comparisons"),
    "aggregator": dict(
        kind="aggregator", seed=404, steps=1400, batch=16, lr=2e-3, max_len=1024,
        # starts from expert-medium's weights (same shape): it already knows the words and copies a quoted choice,
        # so it learns whom to believe and to copy numbers in minutes instead of forming copying from scratch
        init="expert-medium",
        # besides the output, a language-model loss on every response token (weight 0.5): the repeated responses
        # of the dense and grouped layouts teach copying
        aux_loss="responses", aux_weight=0.5,
        layouts=dict(tree=0.25, dense=0.25, grouped=0.15, level3_each=0.10, level3_copies=0.25),
        config=dict(model_type="llama", hidden_size=112, intermediate_size=304, num_hidden_layers=4,
                    num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=10000.0,
                    tie_word_embeddings=False, max_position_embeddings=1024),
        mix=dict(word_for_gloss=0.2, gloss_for_word=0.2, arithmetic=0.2, compare=0.2, sequence=0.2),
        summary="aggregator prompts (MoA aggregate-and-synthesize) over the three experts' real outputs in the "
                "job's layouts: 3 responses (tree), 9 (dense), one expert's three copies (grouped tree), and the "
                "level-3 inputs that follow; started from expert-medium's weights"),
}

for _name, _s in SPECS.items():
    _s["name"] = _name
