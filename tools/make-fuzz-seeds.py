"""Writes the seed corpora of the file-reader fuzz targets (fuzz/README.md):

    fuzz/corpus/safetensors/   files LoRA Lab's writer made (`save model` in F32
                               and BF16, `save adapter`, `save logits`), an F16
                               file, the broken-safetensors fixtures, and
                               truncated or damaged copies
    fuzz/corpus/tokenizer/     the tokenizer.json `save model` writes, variants
                               with merges (both spellings), added tokens and
                               options, and ones the loader must refuse
    fuzz/corpus/pickle/        the torch.save fixtures (Tests/CheckpointTests/
                               Fixtures/torch) as whole files, and their data.pkl
                               alone (the fuzz target wraps a bare pickle in an archive)
    fuzz/crashes/pickle/       inputs that once crashed, hung or exhausted the
                               reader (found by reading it; written by hand here)

Run by hand when a format or a writer changes; the files are committed and
`swift test` replays them (CorpusReplayTests). It needs the release binary:

    swift build -c release --product loralab && python3 tools/make-fuzz-seeds.py
"""
import json
import os
import pathlib
import shutil
import struct
import subprocess
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = pathlib.Path(os.environ.get("LORALAB_BIN", ROOT / ".build" / "release" / "loralab"))
CORPUS = ROOT / "fuzz" / "corpus"
FIXTURES = ROOT / "Tests" / "CheckpointTests" / "Fixtures"

# A model small enough that its files are a few kilobytes.
SCRIPT = """
set seed=3
model tiny dim=8 layers=1 heads=2 kv_heads=1 ffn=16 seq=16
save model "model-f32"
save model "model-bf16" dtype=bf16
lora targets=q,v rank=2 alpha=4
save adapter "adapter" base="model-f32"
save logits "logits.safetensors" text="Hi"
"""


def fresh(name):
    folder = CORPUS / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def safetensors_seeds(made):
    out = fresh("safetensors")
    written = {
        "model-f32": made / "model-f32" / "model.safetensors",
        "model-bf16": made / "model-bf16" / "model.safetensors",
        "adapter": made / "adapter" / "adapter_model.safetensors",
        "logits": made / "logits.safetensors",
    }
    for name, path in written.items():
        shutil.copy(path, out / f"{name}.safetensors")
    logits = (made / "logits.safetensors").read_bytes()
    (out / "logits-truncated.safetensors").write_bytes(logits[: len(logits) - 5])
    (out / "logits-header-cut.safetensors").write_bytes(logits[:40])
    damaged = bytearray(logits)
    damaged[12] ^= 0x20  # a letter of the header changes case
    (out / "logits-header-damaged.safetensors").write_bytes(bytes(damaged))
    header = json.dumps({"__metadata__": {"note": "f16"}, "h": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]},
                         "s": {"dtype": "F32", "shape": [], "data_offsets": [8, 12]},
                         "z": {"dtype": "BF16", "shape": [0, 3], "data_offsets": [12, 12]}}).encode()
    data = struct.pack("<4e", 1.0, -2.5, 65504.0, 6e-8) + struct.pack("<f", 3.0)
    (out / "f16-scalar-empty.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + data)
    for path in sorted((FIXTURES / "broken-safetensors").iterdir()):
        shutil.copy(path, out / f"broken-{path.name}")


def tokenizer_seeds(made):
    out = fresh("tokenizer")
    text = (made / "model-f32" / "tokenizer.json").read_text()
    (out / "byte-export.json").write_text(text)
    base = json.loads(text)

    def variant(name, change):
        root = json.loads(json.dumps(base))
        change(root)
        (out / f"{name}.json").write_text(json.dumps(root, ensure_ascii=False))

    def with_merges(pairs, as_lists=False):
        def change(root):
            vocab = root["model"]["vocab"]
            for left, right in pairs:
                vocab.setdefault(left + right, max(vocab.values()) + 1)
            root["model"]["merges"] = [[l, r] if as_lists else f"{l} {r}" for l, r in pairs]
        return change

    pairs = [("h", "e"), ("t", "h"), ("t", "he"), ("Ġ", "the"), ("Ġ", "a")]
    variant("merges-strings", with_merges(pairs))
    variant("merges-lists", with_merges(pairs, as_lists=True))

    def added(root):
        with_merges(pairs)(root)
        top = max(root["model"]["vocab"].values())
        root["added_tokens"] = root.get("added_tokens", []) + [
            {"id": top + 1, "content": "<think>", "special": False, "normalized": True},
            {"id": top + 2, "content": "</think>", "special": True, "normalized": False}]
    variant("added-tokens", added)
    variant("no-regex-prefix-space", lambda root: root["pre_tokenizer"].update({"use_regex": False, "add_prefix_space": True}))
    variant("ignore-merges", lambda root: (with_merges(pairs)(root), root["model"].update({"ignore_merges": True})))
    variant("normalizer-refused", lambda root: root.update({"normalizer": {"type": "NFC"}}))
    variant("post-processor-refused", lambda root: root.update({"post_processor": {"type": "TemplateProcessing"}}))
    variant("merge-missing-token", lambda root: root["model"].update({"merges": ["q zz"]}))
    variant("no-marker", lambda root: (root["model"]["vocab"].pop("<|im_end|>", None),
                                       root.update({"added_tokens": [t for t in root.get("added_tokens", []) if t["content"] != "<|im_end|>"]})))
    variant("wordpiece-refused", lambda root: root["model"].update({"type": "WordPiece"}))
    (out / "not-json.json").write_text(text[: len(text) // 2])
    (out / "not-object.json").write_text("[1, 2, 3]")


def pickle_seeds():
    out = fresh("pickle")
    for path in sorted((FIXTURES / "torch").glob("*.pth")):
        shutil.copy(path, out / path.name)
        try:
            with zipfile.ZipFile(path) as archive:
                member = next((n for n in archive.namelist() if n.endswith("data.pkl")), None)
                if member:
                    (out / f"{path.stem}.pkl").write_bytes(archive.read(member))
        except (zipfile.BadZipFile, KeyError, NotImplementedError, OSError, ValueError):
            pass  # the broken fixtures: kept whole only


def pickle_regressions():
    """Each input stopped the reader once; the name says how. Kept as regression cases."""
    out = CORPUS.parent / "crashes" / "pickle"
    out.mkdir(parents=True, exist_ok=True)
    u16, u32, u64 = (lambda v: struct.pack("<H", v)), (lambda v: struct.pack("<I", v)), (lambda v: struct.pack("<Q", v))
    local_stub = b"PK\x03\x04" + bytes(26)

    def end_record(entries, size, offset):
        return u32(0x06054B50) + u16(0) + u16(0) + u16(entries) + u16(entries) + u32(size) + u32(offset) + u16(0)

    # A ZIP64 locator whose end-record offset is near 2^64: adding to it overflowed (a trap).
    locator = u32(0x07064B50) + u32(0) + u64(0xFFFF_FFFF_FFFF_FFF0) + u32(1)
    (out / "zip64-end-offset-overflow.pth").write_bytes(local_stub + locator + end_record(0, 0, 0))
    # A member whose ZIP64 local-header offset is Int.max: adding the header's 30 bytes overflowed.
    central = (u32(0x02014B50) + u16(20) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(0) + u32(0)
               + u16(1) + u16(12) + u16(0) + u16(0) + u16(0) + u32(0) + u32(0xFFFF_FFFF) + b"a"
               + u16(1) + u16(8) + u64(0x7FFF_FFFF_FFFF_FFFF))
    (out / "zip64-local-offset-overflow.pth").write_bytes(local_stub + central + end_record(1, len(central), len(local_stub)))

    def text(value):
        data = value.encode()
        return b"\x8c" + bytes([len(data)]) + data

    rebuild = b"ctorch._utils\n_rebuild_tensor_v2\n"
    storage = b"(" + text("storage") + b"ctorch\nFloatStorage\n" + text("1") + text("cpu") + b"K\x10tQ"
    # A stride-0 view of 10^12 elements over a 16-element storage: the reader allocated all of them.
    expanded = (b"\x80\x02}q\x00" + text("w") + rebuild + b"(" + storage + b"K\x00"
                + b"\x8a\x08" + (10**12).to_bytes(8, "little") + b"\x85" + b"K\x00\x85" + b"\x89"
                + b"ccollections\nOrderedDict\n)R" + b"tRs.")
    (out / "expanded-view-of-10e12-elements.pkl").write_bytes(expanded)
    # Tuples of tuples sharing their parts (t_i = (t_i-1, t_i-1), 40 deep) as a dict key, set twice:
    # comparing the keys took 2^40 steps (a hang).
    shared = b"\x80\x02)q\x00"
    for depth in range(1, 41):
        shared += b"h" + bytes([depth - 1]) + b"h" + bytes([depth - 1]) + b"\x86q" + bytes([depth])
    shared += b"}h\x28K\x01sh\x28K\x02s."
    (out / "shared-tuple-key-2-to-the-40.pkl").write_bytes(shared)


def main():
    if not BINARY.exists():
        raise SystemExit(f"{BINARY} is not built")
    with tempfile.TemporaryDirectory() as scratch:
        made = pathlib.Path(scratch)
        script = made / "seeds.lora"
        script.write_text(SCRIPT)
        subprocess.run([str(BINARY), "run", str(script)], cwd=made, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "LORALAB_HISTORY_FILE": os.devnull})
        safetensors_seeds(made)
        tokenizer_seeds(made)
    pickle_seeds()
    pickle_regressions()
    for name in ["safetensors", "tokenizer", "pickle"]:
        files = list((CORPUS / name).iterdir())
        print(f"fuzz/corpus/{name}: {len(files)} files, {sum(f.stat().st_size for f in files):,} bytes")


if __name__ == "__main__":
    main()
