"""Text that probes a byte-level tokenizer's edges, shared by the tokenizer tests.

`varied_strings` mixes scripts, digits of several kinds, contractions,
every kind of Unicode whitespace in runs, control characters, emoji with
joiners and modifiers, combining marks, special tokens (whole, adjacent,
broken) — the places where a hand-written pre-tokenizer or added-token
matcher could differ from the `tokenizers` library.
"""
import random

WORDS = ["the", "cat", "sat", "on", "a", "mat", "Hello", "WORLD", "tokenizer", "LoRA", "don", "I", "we",
         "naïve", "café", "Straße", "Ωmega", "привет", "мир", "γειά", "שלום", "مرحبا", "नमस्ते", "こんにちは",
         "カタカナ", "你好", "世界", "模型", "训练", "한국어", "ไทย", "e\u0301", "a\u0308\u0323"]
NUMBERS = ["0", "7", "42", "2024", "3.14", "1,000", "٣٤", "१२३", "½", "Ⅻ", "²", "①"]
PUNCTUATION = [".", ",", "!", "?", "...", "--", "'", "\"", "(", ")", "[", "]", "{", "}", "<", ">", "|", "#", "@",
               "$", "%", "^", "&", "*", "-", "_", "=", "+", "/", "\\", "~", "`", ";", ":", "«", "»", "—", "“", "”"]
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "''s", "'x", "n't"]
SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\u00a0", "\u3000", "\u2028", "\u2029", "\u0085",
          "\u2003", "\u200b", "\u202f", "\x0b", "\x0c", "\x1c", "\u1680", "\ufeff"]
SYMBOLS = ["😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "∑", "√", "€", "©", "\u0000", "\u0007", "\u007f", "\ufffd", "𝔘𝔫𝔦", "\U0001F600x"]


def varied_strings(specials, count=3000, seed=8):
    """`count` strings (plus fixed edge cases) built from the pools above and `specials`."""
    rng = random.Random(seed)
    broken = [s[:-1] for s in specials] + [s[1:] for s in specials]
    pools = [WORDS, NUMBERS, PUNCTUATION, CONTRACTIONS, SPACES, SYMBOLS, specials, broken]
    weights = [8, 3, 3, 2, 5, 2, 2, 1]
    strings = ["", " ", "  ", "\n", "a", " a", "a ", "   leading", "trailing   ", "\t\t\tx", "x\n\n\n",
               "I'm", "it's", "THEY'LL", "''", "' s", " 's"] + list(specials) + ["".join(specials),
               specials[0] + " " + specials[-1], "<|", "|>", "<||>"]
    while len(strings) < count:
        parts = []
        for _ in range(rng.randint(1, 14)):
            pool = rng.choices(pools, weights)[0]
            parts.append(rng.choice(pool))
            if rng.random() < 0.4:
                parts.append(rng.choice(SPACES[:3]))
        strings.append("".join(parts))
    return strings


def training_corpus(seed=3, lines=2000):
    """Text to train a small BPE on: the same pools, with sentences that repeat enough to merge."""
    rng = random.Random(seed)
    corpus = []
    for _ in range(lines):
        words = [rng.choice(WORDS + NUMBERS) for _ in range(rng.randint(3, 12))]
        sentence = " ".join(words) + rng.choice([".", "!", "?", "'s", ",", "\n", "  "])
        corpus.append(sentence)
    return corpus


def trained_byte_level_bpe(vocab_size, special_tokens):
    """A byte-level BPE trained with `tokenizers` the way MiniMind trains its
    own (ByteLevel pre-tokenizer and decoder, the byte alphabet) on
    `training_corpus()`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special_tokens, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(training_corpus(), trainer)
    return tokenizer
