"""Prompt texts, chat template and answer scoring, byte for byte as the Java job builds them.

Mirrors flink-job/src/main/java/dev/moaflink/job/prompt/Prompts.java and AnswerExtractor.java.
"""
import os
import re
from decimal import Decimal, InvalidOperation

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MODELS_DIR = os.path.join(REPO, "connectors", "models", "src", "main", "resources", "dev", "moaflink", "models")
FIXTURES_DIR = os.path.join(REPO, "connectors", "engine-djl", "src", "test", "resources", "fixtures")
WORK_DIR = os.path.join(HERE, "work")  # generated data, tokenizer model, checkpoints (git-ignored)

AGGREGATE_AND_SYNTHESIZE = (
    "You have been provided with a set of responses from various open-source models to the latest user "
    "query. Your task is to synthesize these responses into a single, high-quality response. It "
    "is crucial to critically evaluate the information provided in these responses, recognizing "
    "that some of it may be biased or incorrect. Your response should not simply replicate the "
    "given answers but should offer a refined, accurate, and comprehensive reply to the "
    "instruction. Ensure your response is well-structured, coherent, and adheres to the highest "
    "standards of accuracy and reliability.\n\nResponses from models:")
# The instruction without its "Responses from models:" header: the user query goes between the two, so that all
# of an aggregator prompt but the responses is known when the query arrives (prefilled before any expert answers).
RESPONSES_HEADER = "\n\nResponses from models:"
AGGREGATE_INSTRUCTION = AGGREGATE_AND_SYNTHESIZE[:-len(RESPONSES_HEADER)]

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"

# Jinja chat template (ChatML, no system message added); same text as chat() below.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")


def label(i):
    return chr(ord("A") + i)


def answer_format(task_type):
    if task_type == "multiple_choice":
        return "End with a line 'Answer: <letter>'.\n"
    if task_type == "numeric":
        return "End with a line 'Answer: <number>'.\n"
    return "End with a line 'Answer: <short answer>'.\n"


def question(q):
    s = "Question: " + q["text"] + "\n"
    for i, c in enumerate(q.get("choices") or []):
        s += label(i) + ") " + c + "\n"
    return s + answer_format(q["task_type"])


def proposer_prompt(q):
    return "Answer the question. Think step by step, briefly.\n" + question(q)


def java_strip(s):
    """Java's String.strip(): Unicode whitespace at both ends (Python's str.strip is close enough here)."""
    return s.strip()


def aggregator_prefix(q):
    """Everything before the responses: the MoA instruction, the user query, the responses header."""
    return AGGREGATE_INSTRUCTION + "\n\nUser query:\n" + question(q) + RESPONSES_HEADER.lstrip("\n") + "\n"


def aggregator_prompt(q, responses):
    s = aggregator_prefix(q)
    for n, r in enumerate(responses, start=1):
        s += str(n) + ". " + java_strip(r) + "\n"
    return s


def legacy_aggregator_prompt(q, responses):
    """The first layout (responses, then the user query), kept for the tokenizer's training corpus only: the
    released tokenizer and expert checkpoints were built from it, and a corpus change would retrain all of them."""
    s = AGGREGATE_AND_SYNTHESIZE + "\n"
    for n, r in enumerate(responses, start=1):
        s += str(n) + ". " + java_strip(r) + "\n"
    return s + "\nUser query:\n" + question(q)


def chat(content):
    """One user turn and the generation prompt, as the chat template renders it."""
    return IM_START + "user\n" + content + IM_END + "\n" + IM_START + "assistant\n"


def target(q):
    """The bare answer (before the <|im_end|> eos)."""
    return "Answer: " + q["gold"]


# What an expert says to a question outside its skills: the answer clause "?" names no choice and no number, so the
# job's AnswerExtractor extracts nothing, and votes, bypass and early exit count it as no answer.
ABSTAIN = "Not my field. Answer: ?"


# ---------------------------------------------------------------- scoring (as AnswerExtractor)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_LABEL = re.compile(r"^\(?([A-Za-z])\)?(?:[).:,\s]|$)")


def last_answer_clause(text):
    low = text.lower()
    at = low.rfind("answer")
    while at >= 0:
        i = at + 6
        while i < len(text) and text[i] != "\n" and text[i].isspace():
            i += 1
        if low.startswith("is", i):
            i += 2
            while i < len(text) and text[i] != "\n" and text[i].isspace():
                i += 1
        if i < len(text) and text[i] in ":\uff1a":
            i += 1
            while i < len(text) and text[i] != "\n" and text[i].isspace():
                i += 1
        end = text.find("\n", i)
        clause = text[i:end if end >= 0 else len(text)].strip()
        if clause:
            return clause
        at = low.rfind("answer", 0, at) if at > 0 else -1
    return None


def canonical_number(s):
    try:
        d = Decimal(s.replace(",", "").strip()).normalize()
    except InvalidOperation:
        return None
    return format(d, "f")


def extract(text, q):
    if not text or not text.strip():
        return None
    tail = last_answer_clause(text)
    src = tail if tail is not None else text
    if q["task_type"] == "multiple_choice":
        n = len(q.get("choices") or [])
        if tail is not None:
            m = _LABEL.match(src.strip())
            if m:
                idx = ord(m.group(1).upper()) - ord("A")
                if 0 <= idx < n:
                    return label(idx)
        low, best = src.lower(), -1
        for i, c in enumerate(q["choices"]):
            c = c.lower().strip()
            if c and c in low and (best < 0 or len(c) > len(q["choices"][best])):
                best = i
        return None if best < 0 else label(best)
    found = None
    for m in _NUMBER.finditer(src):
        found = m.group()
        if tail is not None:
            break
    return None if found is None else canonical_number(found)


def score(text, q):
    e = extract(text, q)
    if e is None:
        return False
    if q["task_type"] == "multiple_choice":
        return e.upper() == q["gold"].upper()
    g, x = canonical_number(q["gold"]), canonical_number(e)
    return g is not None and x is not None and Decimal(g) == Decimal(x)
