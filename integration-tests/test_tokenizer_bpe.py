"""LoRA Lab's byte-level BPE tokenizer against the `tokenizers` library.

A small BPE is trained with `tokenizers` the way MiniMind trains its own
(ByteLevel pre-tokenizer and decoder, byte alphabet, ChatML specials), plus
added tokens that are not special — some normalized, some not, as in
MiniMind's 36. Its tokenizer.json is then read by `loralab tokenize`, and the
ids for a few thousand varied strings, and the text for random id
sequences, must equal the library's exactly.
"""
import json
import random
import subprocess

import pytest

from tokenizers import AddedToken, Tokenizer, pre_tokenizers

from tokenizer_strings import trained_byte_level_bpe, varied_strings

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|box|>"]
ADDED = ["<think>", "</think>", "<tool_call>", "<|buffer1|>", "<|buffer12|>"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tokenizer = trained_byte_level_bpe(700, SPECIALS)
    # Non-special added tokens, matched before pre-tokenization like the specials:
    # "<|buffer1|>" is a prefix of "<|buffer12|>" (longest must win).
    tokenizer.add_tokens([AddedToken(ADDED[0], normalized=False), AddedToken(ADDED[1], normalized=False),
                          ADDED[2], AddedToken(ADDED[3], normalized=False), ADDED[4]])
    return tokenizer, tmp_path_factory.mktemp("bpe")


def run_loralab(loralab_bin, args, lines):
    process = subprocess.run([str(loralab_bin), "tokenize", *args], input="".join(json.dumps(v) + "\n" for v in lines),
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stderr
    output = process.stdout.split("\n")
    assert output[-1] == ""
    return [json.loads(line) for line in output[:-1]]


def save_variant(trained, add_prefix_space, use_regex, ignore_merges=False):
    tokenizer, folder = trained
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space, use_regex=use_regex)
    document = json.loads(tokenizer.to_str())
    document["model"]["ignore_merges"] = ignore_merges  # whole words in the vocabulary skip merging
    path = folder / f"tokenizer-{add_prefix_space}-{use_regex}-{ignore_merges}.json"
    path.write_text(json.dumps(document))
    return Tokenizer.from_file(str(path)), path


@pytest.mark.parametrize("add_prefix_space,use_regex,ignore_merges",
                         [(False, True, False), (True, True, False), (False, False, False), (False, True, True)])
def test_encodings_equal_the_library_on_varied_strings(loralab_bin, trained, add_prefix_space, use_regex, ignore_merges):
    reference, path = save_variant(trained, add_prefix_space, use_regex, ignore_merges)
    strings = varied_strings(SPECIALS + ADDED)
    expected = [reference.encode(text).ids for text in strings]
    ours = run_loralab(loralab_bin, ["--tokenizer", str(path)], strings)
    mismatches = [(text, want, got) for text, want, got in zip(strings, expected, ours) if want != got]
    assert not mismatches, f"{len(mismatches)} of {len(strings)} differ; first: {mismatches[:3]}"
    # The strings really exercise merges and the added tokens, not only single bytes.
    assert sum(len(ids) for ids in expected) < sum(len(text.encode()) for text in strings)
    added_ids = {reference.token_to_id(t) for t in SPECIALS + ADDED}
    assert added_ids <= {i for ids in expected for i in ids}


def test_decoding_equals_the_library_including_broken_utf8(loralab_bin, trained):
    reference, path = save_variant(trained, False, True)
    rng = random.Random(5)
    size = reference.get_vocab_size()
    sequences = [[]] + [[rng.randrange(size) for _ in range(rng.randint(1, 30))] for _ in range(1500)]
    sequences += [reference.encode(text).ids for text in varied_strings(SPECIALS + ADDED, count=500, seed=11)]
    expected = [reference.decode(ids, skip_special_tokens=False) for ids in sequences]
    ours = run_loralab(loralab_bin, ["--tokenizer", str(path), "--decode"], sequences)
    mismatches = [(ids, want, got) for ids, want, got in zip(sequences, expected, ours) if want != got]
    assert not mismatches, f"{len(mismatches)} of {len(sequences)} differ; first: {mismatches[:3]}"
    assert any("\ufffd" in text for text in expected), "random ids should split some characters"


def test_refuses_what_it_does_not_implement(loralab_bin, trained, tmp_path):
    tokenizer, _ = trained
    document = json.loads(tokenizer.to_str())
    document["normalizer"] = {"type": "NFKC"}
    path = tmp_path / "nfkc.json"
    path.write_text(json.dumps(document))
    process = subprocess.run([str(loralab_bin), "tokenize", "--tokenizer", str(path)], input='"x"\n',
                             capture_output=True, text=True, timeout=60)
    assert process.returncode != 0
    assert "normalizer \"NFKC\" is not supported" in process.stderr
