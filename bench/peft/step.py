"""
One PEFT prompt-tuning training step, timed: forward + backward + AdamW on the virtual tokens only, with
torch on the CPU at a fixed thread count. The outside reference for `npm run bench:peft` (bench/peft.bench.ts),
which runs it in a process of its own, alternating with the engine's step. Not part of the product or of npm test.

  python3 bench/peft/step.py --model DIR [--batch 8] [--tokens 128] [--virtual 20] [--runs 5] [--threads 2]
                            [--logits all|last]

DIR is the random-weight checkpoint bench:engine writes (config.json + model.safetensors), so both sides run
the same weights. Each row is `tokens` random ids; the loss is the cross-entropy of the last token given the
rest (labels -100 elsewhere), as the engine's `lm` loss on a one-token continuation.
`--logits all` is PEFT as usually run (the LM head over every position); `--logits last` asks transformers for
the last position's logits only (logits_to_keep=1), as the engine computes them.
Prints one JSON object: median step ms after one warm-up step, and each step's ms.
"""
import argparse
import json
import statistics
import sys
import time


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--tokens", type=int, default=128)
    p.add_argument("--virtual", type=int, default=20)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--logits", choices=["all", "last"], default="all")
    a = p.parse_args()

    import torch
    from peft import PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32)
    cfg = PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=a.virtual, prompt_tuning_init=PromptTuningInit.RANDOM)
    model = get_peft_model(base, cfg)
    model.train()  # the engine has no dropout; these random-weight configs set none that matters, but turn it off anyway
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    trainable = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=0.01, weight_decay=0.0)
    vocab = base.config.vocab_size
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(0, vocab - 1, (a.batch, a.tokens), generator=g)
    mask = torch.ones_like(ids)

    def step() -> float:
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        if a.logits == "all":
            labels = torch.full_like(ids, -100)
            labels[:, -1] = ids[:, -1]
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        else:
            # The last position's logits predict nothing; the one before predicts the last token.
            out = model(input_ids=ids[:, :-1], attention_mask=mask[:, :-1], logits_to_keep=1)
            loss = torch.nn.functional.cross_entropy(out.logits[:, -1, :], ids[:, -1])
        loss.backward()
        opt.step()
        return (time.perf_counter() - t) * 1000

    step()
    times = [step() for _ in range(a.runs)]
    print(json.dumps({"stepMs": statistics.median(times), "times": [round(x, 1) for x in times], "threads": torch.get_num_threads(),
                      "trainable": sum(q.numel() for q in trainable), "torch": torch.__version__}))


if __name__ == "__main__":
    try:
        main()
    except ImportError as e:
        print(f"bench/peft/step.py needs torch, transformers and peft: {e}", file=sys.stderr)
        sys.exit(3)
