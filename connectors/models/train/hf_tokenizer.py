"""SentencePiece BPE training and export as a Hugging Face tokenizer.json (LlamaConverter, legacy form).

The exported tokenizer.json:
  * added_tokens: <unk> 0, <s> 1, </s> 2, <|im_start|> 3, <|im_end|> 4 (all special, normalized=false);
  * normalizer: Sequence[Prepend "\u2581", Replace " " -> "\u2581"] (the Llama "legacy" normalizer; applied to
    every stretch of text between special tokens, so a "\u2581" is prepended after each special token too);
  * pre_tokenizer: null; post_processor: null (no BOS/EOS is ever added);
  * model: BPE(vocab, merges derived from the SentencePiece scores as transformers' SentencePieceExtractor
    does, unk <unk>, fuse_unk true, byte_fallback true);
  * decoder: Sequence[Replace "\u2581" -> " ", ByteFallback, Fuse, Strip(" ", 1, 0)].

`HFTokenizer` below re-implements exactly those semantics in Python (training and the fixtures use it), and
`check_against_sentencepiece` compares it with SentencePiece itself.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CHAT_TEMPLATE, IM_END, IM_START  # noqa: E402

SPIECE = "\u2581"
SPECIALS = ["<unk>", "<s>", "</s>", IM_START, IM_END]


# ---------------------------------------------------------------- training
def segments(text):
    """Split raw text into (is_special, str) the way HF's AddedVocabulary does (leftmost-longest match)."""
    out, i, start = [], 0, 0
    while i < len(text):
        hit = None
        if text[i] == "<":
            for s in sorted(SPECIALS, key=len, reverse=True):
                if text.startswith(s, i):
                    hit = s
                    break
        if hit:
            if start < i:
                out.append((False, text[start:i]))
            out.append((True, hit))
            i += len(hit)
            start = i
        else:
            i += 1
    if start < len(text):
        out.append((False, text[start:]))
    return out


def normalize(seg):
    return SPIECE + seg.replace(" ", SPIECE) if seg else seg


def corpus_lines(texts):
    """Lines for spm_train that look like what the BPE model sees after HF normalization."""
    for t in texts:
        for special, seg in segments(t):
            if special:
                continue
            for line in normalize(seg).split("\n"):
                if line:
                    yield line.replace(SPIECE, " ")


def train_spm(texts, raw_lines, prefix, vocab_size=1024):
    import sentencepiece as spm
    path = prefix + ".corpus.txt"
    with open(path, "w", encoding="utf-8") as f:
        for line in corpus_lines(texts):
            f.write(line + "\n")
        for line in raw_lines:
            f.write(line + "\n")
    spm.SentencePieceTrainer.train(
        input=path, model_prefix=prefix, model_type="bpe", vocab_size=vocab_size, byte_fallback=True,
        split_digits=True, character_coverage=1.0, normalization_rule_name="identity",
        remove_extra_whitespaces=False, add_dummy_prefix=False, split_by_whitespace=True,
        control_symbols=[IM_START, IM_END], unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        max_sentencepiece_length=16, input_sentence_size=0, num_threads=1, minloglevel=2)
    return prefix + ".model"


# ---------------------------------------------------------------- export
def spm_vocab(model_path):
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=model_path)
    pieces = []
    for i in range(sp.get_piece_size()):
        kind = ("unknown" if sp.is_unknown(i) else "control" if sp.is_control(i) else "byte" if sp.is_byte(i)
                else "normal")
        pieces.append((sp.id_to_piece(i), sp.get_score(i), kind))
    return pieces


def merges_from_vocab(pieces):
    """transformers.convert_slow_tokenizer.SentencePieceExtractor.extract(vocab_scores)."""
    vocab = {p: i for i, (p, _, _) in enumerate(pieces)}
    scores = {p: s for p, s, _ in pieces}
    merges = []
    for merge, score in scores.items():
        local = []
        for k in range(1, len(merge)):
            l, r = merge[:k], merge[k:]
            if l in vocab and r in vocab:
                local.append((l, r, score))
        local.sort(key=lambda x: (vocab[x[0]], vocab[x[1]]))
        merges.extend(local)
    merges.sort(key=lambda x: x[2], reverse=True)
    return [(l, r) for l, r, _ in merges]


def tokenizer_json(pieces):
    vocab = {p: i for i, (p, _, _) in enumerate(pieces)}
    assert [p for p, _, _ in pieces[:5]] == SPECIALS, pieces[:5]
    merges = merges_from_vocab(pieces)
    for l, r in merges:
        assert " " not in l and " " not in r
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, s in enumerate(SPECIALS)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": SPIECE},
            {"type": "Replace", "pattern": {"String": " "}, "content": SPIECE}]},
        "pre_tokenizer": None,
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": vocab, "merges": [l + " " + r for l, r in merges]},
        "post_processor": None,
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": SPIECE}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
    }


def tokenizer_config(max_len=512):
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": IM_END,
        "unk_token": "<unk>",
        "pad_token": None,
        "add_bos_token": False,
        "add_eos_token": False,
        "legacy": True,
        "clean_up_tokenization_spaces": False,
        "model_max_length": max_len,
        "chat_template": CHAT_TEMPLATE,
        "added_tokens_decoder": {str(i): {"content": s, "lstrip": False, "normalized": False, "rstrip": False,
                                          "single_word": False, "special": True} for i, s in enumerate(SPECIALS)},
    }


def save(tok_json, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok_json, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_config(), f, ensure_ascii=False, indent=2)
        f.write("\n")


# ---------------------------------------------------------------- the tokenizer.json semantics in Python
class HFTokenizer:
    def __init__(self, tok_json):
        if isinstance(tok_json, str):
            with open(tok_json, encoding="utf-8") as f:
                tok_json = json.load(f)
        self.json = tok_json
        m = tok_json["model"]
        self.vocab = m["vocab"]
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self.ranks = {}
        for rank, mg in enumerate(m["merges"]):
            l, r = mg.split(" ") if isinstance(mg, str) else mg
            pair = (self.vocab[l], self.vocab[r])
            if pair not in self.ranks:
                self.ranks[pair] = (rank, self.vocab[l + r])
        self.special = {t["content"]: t["id"] for t in tok_json["added_tokens"]}
        self.unk = self.vocab[m["unk_token"]]
        self.eos_id = self.special[IM_END]
        self.bos_id = self.special["<s>"]
        self.im_start_id = self.special[IM_START]
        # Chunking words at "\u2581" and "\n" is exact only if no merge can cross those boundaries.
        for t in self.vocab:
            if t in self.special or (t.startswith("<0x") and len(t) == 6):
                continue
            assert SPIECE not in t[1:] and "\n" not in t, t
        self.cache = {}
        self.size = len(self.vocab)

    def _bpe(self, word):
        ids = self.cache.get(word)
        if ids is not None:
            return ids
        syms = []
        for ch in word:
            if ch in self.vocab:
                syms.append(self.vocab[ch])
            else:
                bs = ["<0x%02X>" % b for b in ch.encode("utf-8")]
                if all(b in self.vocab for b in bs):
                    syms.extend(self.vocab[b] for b in bs)
                elif syms and syms[-1] == self.unk:  # fuse_unk
                    pass
                else:
                    syms.append(self.unk)
        while len(syms) > 1:
            best, at = None, -1
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r[0] < best[0]):
                    best, at = r, i
            if best is None:
                break
            syms[at:at + 2] = [best[1]]
        self.cache[word] = syms
        return syms

    def _model(self, normalized):
        ids, start = [], 0
        for i in range(1, len(normalized) + 1):
            if i == len(normalized) or normalized[i] in (SPIECE, "\n") or normalized[i - 1] == "\n":
                ids.extend(self._bpe(normalized[start:i]))
                start = i
        return ids

    def encode(self, text):
        """As tokenizers' encode(text, add_special_tokens=True) with post_processor null."""
        ids = []
        for special, seg in segments(text):
            ids.extend([self.special[seg]] if special else self._model(normalize(seg)))
        return ids

    def encode_continuation(self, text):
        """The ids of text as the model generates it after a newline (no prepended \u2581)."""
        return self._model(text.replace(" ", SPIECE))

    def decode(self, ids, skip_special_tokens=True):
        toks = [self.id_to_token[i] for i in ids
                if not (skip_special_tokens and self.id_to_token[i] in self.special)]
        toks = [t.replace(SPIECE, " ") for t in toks]
        out, buf = [], bytearray()
        for t in toks:
            if len(t) == 6 and t.startswith("<0x") and t.endswith(">"):
                buf.append(int(t[3:5], 16))
                continue
            if buf:
                out.append(buf.decode("utf-8", errors="replace"))
                buf = bytearray()
            out.append(t)
        if buf:
            out.append(buf.decode("utf-8", errors="replace"))
        s = "".join(out)
        return s[1:] if s.startswith(" ") else s


def check_against_sentencepiece(tok, model_path, texts):
    """SentencePiece (trained with add_dummy_prefix=false, identity normalization) on " " + text must give the
    same ids as the HF semantics on text, for text without special tokens. Returns (n, mismatches)."""
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=model_path)
    bad = []
    for t in texts:
        a = sp.encode(" " + t)
        b = tok.encode(t)
        if a != b:
            bad.append((t, a, b))
    return len(texts), bad


def build(out_dir=None, vocab_size=1024):
    """Trains the tokenizer on training-split texts and writes tokenizer.json + tokenizer_config.json to
    out_dir (default work/tokenizer). Returns (HFTokenizer, report dict)."""
    import shutil
    from common import WORK_DIR
    from data import tokenizer_corpus
    from tasks import Suite
    out_dir = out_dir or os.path.join(WORK_DIR, "tokenizer")
    os.makedirs(out_dir, exist_ok=True)
    suite = Suite(version=1)  # the first suite: the tokenizer (and the fixtures built with it) stay as released
    texts, raw = tokenizer_corpus(suite)
    model = train_spm(texts, raw, os.path.join(out_dir, "spm"), vocab_size)
    tj = tokenizer_json(spm_vocab(model))
    save(tj, out_dir)
    tok = HFTokenizer(os.path.join(out_dir, "tokenizer.json"))
    lines = [seg for t in texts[:2000] for special, seg in segments(t) if not special and seg]
    for q in suite.fixed("test", 100, 7, "t"):
        lines += [q["text"]] + q.get("choices", [])
    lines += ["Hello world", "  two  spaces ", "na\u00efve caf\u00e9 \u00d7 \u00f7 \u6f22\u5b57", "a\nb\n\nc", "12345 + 678",
              "13-5=8, 2-1-1=0. Answer: 8", "19-12: 9-2=7, 1-1=0. 33+7: 3+7=10, 3+0+1=4. Answer: 40",
              "Answer: 'unceasing'", "Not my field. Answer: ?"]
    n, bad = check_against_sentencepiece(tok, model, lines)
    report = {"vocab_size": tok.size, "merges": len(tj["model"]["merges"]), "checked_strings": n,
              "mismatches_vs_sentencepiece": len(bad)}
    with open(os.path.join(out_dir, "report.json"), "w") as f:
        json.dump(report, f, indent=2)
    if bad:
        raise SystemExit("tokenizer.json semantics differ from SentencePiece on %d strings, e.g. %r" % (len(bad),
                                                                                                     bad[:3]))
    os.remove(os.path.join(out_dir, "spm.corpus.txt"))
    shutil.copy(model, os.path.join(out_dir, "sentencepiece.model"))
    return tok, report


def load(out_dir=None):
    from common import WORK_DIR
    out_dir = out_dir or os.path.join(WORK_DIR, "tokenizer")
    path = os.path.join(out_dir, "tokenizer.json")
    if not os.path.exists(path):
        return build(out_dir)[0]
    return HFTokenizer(path)


if __name__ == "__main__":
    print(json.dumps(build()[1]))
