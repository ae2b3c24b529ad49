#!/usr/bin/env python3
"""Continue training a LoRA Lab adapter with transformers + PEFT.

    accelerate launch examples/continue_training_peft.py \
        --base exports/base --adapter exports/adapter --data my.txt --out exports/adapter-more

The same file runs as one process, on several GPUs or on several machines:
`accelerate launch` decides (see `accelerate config`); nothing here changes.
`--data` is a text file (one document per line) or a .jsonl file with a
"text" field. Tokens are UTF-8 bytes, as LoRA Lab's byte tokenizer makes
them for text without special tokens. The result is a PEFT folder that
`lora load "exports/adapter-more"` reads back into LoRA Lab.
"""
import argparse
import json
import pathlib

import torch
from accelerate import Accelerator
from peft import PeftModel
from transformers import AutoModelForCausalLM


def documents(path):
    path = pathlib.Path(path)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if path.suffix == ".jsonl":
        return [json.loads(line)["text"] for line in lines]
    return lines


def batches(texts, seq_len, batch_size, generator):
    """Random windows of seq_len + 1 byte tokens from the documents, joined by <|endoftext|> (256)."""
    stream = []
    for text in texts:
        stream += list(text.encode("utf-8")) + [256]
    data = torch.tensor(stream, dtype=torch.long)
    while True:
        starts = torch.randint(0, len(data) - seq_len - 1, (batch_size,), generator=generator)
        yield torch.stack([data[s:s + seq_len + 1] for s in starts.tolist()])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="folder written by `save model`")
    parser.add_argument("--adapter", required=True, help="folder written by `save adapter`")
    parser.add_argument("--data", required=True, help="a .txt (one document per line) or .jsonl with a text field")
    parser.add_argument("--out", required=True, help="where to write the continued adapter")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch", type=int, default=8, help="sequences per step per process")
    parser.add_argument("--seq", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    accelerator = Accelerator()
    torch.manual_seed(args.seed)
    base = AutoModelForCausalLM.from_pretrained(args.base, dtype=torch.float32)
    model = PeftModel.from_pretrained(base, args.adapter, is_trainable=True)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    model, optimizer = accelerator.prepare(model, optimizer)

    # Each process draws its own windows (seeded by its rank): together they form the global batch.
    generator = torch.Generator().manual_seed(args.seed + accelerator.process_index)
    stream = batches(documents(args.data), args.seq, args.batch, generator)
    if accelerator.is_main_process:
        print(json.dumps({"processes": accelerator.num_processes, "device": str(accelerator.device)}), flush=True)
    model.train()
    for step in range(1, args.steps + 1):
        window = next(stream).to(accelerator.device)
        loss = model(input_ids=window[:, :-1], labels=window[:, :-1].clone()).loss
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        mean = accelerator.gather(loss.detach().reshape(1)).mean().item()
        if accelerator.is_main_process and (step == 1 or step % 10 == 0 or step == args.steps):
            print(json.dumps({"step": step, "loss": round(mean, 5)}), flush=True)

    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        accelerator.unwrap_model(model).save_pretrained(args.out)
        print(f"saved the adapter to {args.out}", flush=True)


if __name__ == "__main__":
    main()
