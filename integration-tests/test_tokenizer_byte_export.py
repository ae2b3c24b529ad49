"""The byte tokenizer exported as tokenizer.json (`loralab tokenize
--export-byte-tokenizer`) loads in the `tokenizers` library and encodes and
decodes exactly as LoRA Lab's own byte tokenizer does."""
import json
import random
import subprocess

from tokenizers import Tokenizer

from tokenizer_strings import varied_strings

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def run_loralab(loralab_bin, args, lines):
    process = subprocess.run([str(loralab_bin), "tokenize", *args], input="".join(json.dumps(v) + "\n" for v in lines),
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stderr
    return [json.loads(line) for line in process.stdout.split("\n")[:-1]]


def exported(loralab_bin, tmp_path):
    path = tmp_path / "tokenizer.json"
    subprocess.run([str(loralab_bin), "tokenize", "--export-byte-tokenizer", str(path)], check=True, timeout=60)
    return Tokenizer.from_file(str(path)), path


def test_library_encodes_like_the_byte_tokenizer(loralab_bin, tmp_path):
    reference, _ = exported(loralab_bin, tmp_path)
    assert reference.get_vocab_size() == 259
    assert [reference.token_to_id(s) for s in SPECIALS] == [256, 257, 258]
    strings = varied_strings(SPECIALS)
    ours = run_loralab(loralab_bin, [], strings)  # the built-in byte tokenizer
    theirs = [reference.encode(text).ids for text in strings]
    mismatches = [(text, want, got) for text, want, got in zip(strings, theirs, ours) if want != got]
    assert not mismatches, f"{len(mismatches)} of {len(strings)} differ; first: {mismatches[:3]}"
    # Byte for byte outside the specials: the ids are the UTF-8 bytes.
    assert reference.encode("é<|im_end|>").ids == [0xC3, 0xA9, 258]


def test_library_decodes_like_the_byte_tokenizer(loralab_bin, tmp_path):
    reference, _ = exported(loralab_bin, tmp_path)
    rng = random.Random(2)
    sequences = [[rng.randrange(259) for _ in range(rng.randint(0, 20))] for _ in range(1000)]
    ours = run_loralab(loralab_bin, ["--decode"], sequences)
    theirs = [reference.decode(ids, skip_special_tokens=False) for ids in sequences]
    mismatches = [(ids, want, got) for ids, want, got in zip(sequences, theirs, ours) if want != got]
    assert not mismatches, f"{len(mismatches)} of {len(sequences)} differ; first: {mismatches[:3]}"


def test_our_bpe_reader_reads_the_export_as_the_same_tokenizer(loralab_bin, tmp_path):
    _, path = exported(loralab_bin, tmp_path)
    strings = varied_strings(SPECIALS, count=500, seed=4)
    assert run_loralab(loralab_bin, ["--tokenizer", str(path)], strings) == run_loralab(loralab_bin, [], strings)
