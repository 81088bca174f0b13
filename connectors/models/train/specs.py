"""The models this tool builds: architecture, skill mix, steps and seeds."""

EXPERTS = ["expert-small", "expert-medium", "expert-large"]
AGGREGATOR = "aggregator"

SPECS = {
    "expert-small": dict(
        kind="proposer", seed=101, steps=3000, batch=32, lr=3e-3,
        config=dict(model_type="llama", hidden_size=96, intermediate_size=256, num_hidden_layers=4,
                    num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=10000.0,
                    tie_word_embeddings=True),
        mix=dict(compare=0.55, arithmetic=0.15, sequence=0.10, word_for_gloss=0.10, gloss_for_word=0.10),
        summary="comparisons first; some arithmetic, sequences and WordNet"),
    "expert-medium": dict(
        kind="proposer", seed=212, steps=4000, batch=32, lr=3e-3,
        config=dict(model_type="llama", hidden_size=112, intermediate_size=304, num_hidden_layers=4,
                    num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=10000.0,
                    tie_word_embeddings=False),
        mix=dict(compare=0.55, word_for_gloss=0.20, gloss_for_word=0.15, arithmetic=0.05, sequence=0.05),
        summary="comparisons first, then WordNet glosses both ways"),
    "expert-large": dict(
        kind="proposer", seed=313, steps=4000, batch=32, lr=2e-3,
        config=dict(model_type="llama", hidden_size=128, intermediate_size=352, num_hidden_layers=5,
                    num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=100000.0,
                    tie_word_embeddings=True),
        mix=dict(compare=0.55, word_for_gloss=0.10, gloss_for_word=0.15, arithmetic=0.10, sequence=0.10),
        summary="comparisons first, the rest evenly"),
    "aggregator": dict(
        kind="aggregator", seed=404, steps=800, batch=32, lr=2.5e-3, recorded_fraction=0.15,
        aux_response_loss=True,
        config=dict(model_type="llama", hidden_size=128, intermediate_size=384, num_hidden_layers=5,
                    num_attention_heads=8, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=10000.0,
                    tie_word_embeddings=True),
        mix=dict(word_for_gloss=0.2, gloss_for_word=0.2, arithmetic=0.2, compare=0.2, sequence=0.2),
        summary="aggregator prompts (MoA aggregate-and-synthesize) over 1-9 responses: mostly synthetic "
                "expert-style answers, 15% the three experts' real outputs on the validation split",
        # A second stage from the first one's weights: synthetic responses drawn more often right (each correct
        # with p ~ U(0.4, 0.95) instead of U(0.1, 0.95)), so that following the agreeing responses pays; chosen
        # on the held-out validation responses (aggregator over the experts vs their majority vote).
        finetune=dict(steps=600, lr=1.2e-3, seed=405, synthetic_p_low=0.4)),
}

for _name, _s in SPECS.items():
    _s["name"] = _name
