#!/usr/bin/env python3
"""Trains the soft prompt that `ptune export-peft` exported, with Hugging Face transformers + PEFT + accelerate.

Everything ptune would do is in job.json and data/: the rendered prompt ids and label continuations of every
row, the initial soft prompt (init_prompt.safetensors), the loss, the optimizer and its schedule, the batches
of every step in ptune's order (label-stratified when ptune stratifies), and the keep-best rule. This script
only runs them, so step 1 here computes the same loss as step 1 in ptune.

  accelerate launch --config_file accelerate_config.yaml train.py --out adapter

The adapter it writes (adapter_config.json + adapter_model.safetensors, PEFT's PROMPT_TUNING layout, plus
ptune_training.json) loads in ptune (`ptune eval --soft adapter`) and in PEFT (`PeftModel.from_pretrained`).
"""
import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time

import torch
import torch.distributed as dist
from accelerate import Accelerator
from peft import PromptTuningConfig, TaskType, get_peft_model
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", help="base model folder or Hub id (default: the folder ptune exported from, job.json model.dir)")
    p.add_argument("--out", default="adapter", help="adapter folder to write (default: ./adapter)")
    p.add_argument("--micro-batch", type=int, default=0, help="examples per forward pass (gradient accumulation inside a step; default: the whole per-process batch)")
    p.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], default="float32", help="base model weights (default float32, as ptune; the soft prompt stays float32)")
    p.add_argument("--device-map", default=None, help='e.g. "auto": spread one model too large for one GPU over the GPUs of this node (run with python, not accelerate launch)')
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (smoke tests; the schedule is the exported one)")
    return p.parse_args()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def learning_rate_at(job, step):
    """ptune's schedule (src/tuning/schedule.ts): steps count from 1 and no step gets a learning rate of 0."""
    lr, warmup, total = job["lr"], job["warmupSteps"], job["totalSteps"]
    if step <= warmup:
        return lr * step / warmup
    decay_steps = max(1, total - warmup)
    progress = min(1.0, (step - warmup - 1) / decay_steps)
    if job["schedule"] == "constant":
        return lr
    if job["schedule"] == "linear":
        return lr * (1 - progress)
    return lr * 0.5 * (1 + math.cos(math.pi * progress))


class Adafactor:
    """ptune's Adafactor (src/tuning/optimizers.ts: T5X as Lester et al. used it), float64 state."""

    def __init__(self, param, decay_rate=0.8, weight_decay=1e-5, clipping_threshold=1.0, epsilon1=1e-30, min_dim_to_factor=128):
        rows, cols = param.shape
        self.param, self.t = param, 0
        self.decay_rate, self.weight_decay, self.clip, self.eps = decay_rate, weight_decay, clipping_threshold, epsilon1
        self.factored = min(rows, cols) >= min_dim_to_factor
        kw = dict(dtype=torch.float64, device=param.device)
        self.v = None if self.factored else torch.zeros(rows, cols, **kw)
        self.v_row = torch.zeros(rows, **kw) if self.factored else None
        self.v_col = torch.zeros(cols, **kw) if self.factored else None

    @torch.no_grad()
    def step(self, lr):
        self.t += 1
        g = self.param.grad.double()
        decay = 1 - self.t ** (-self.decay_rate)
        g2 = g * g + self.eps
        if self.factored:
            self.v_row.mul_(decay).add_((1 - decay) * g2.mean(dim=1))
            self.v_col.mul_(decay).add_((1 - decay) * g2.mean(dim=0))
            row_factor = 1 / torch.sqrt(self.v_row / self.v_row.mean())
            y = g * row_factor[:, None] / torch.sqrt(self.v_col)[None, :]
        else:
            self.v.mul_(decay).add_((1 - decay) * g2)
            y = g / torch.sqrt(self.v)
        clip = max(1.0, math.sqrt(float((y * y).mean())) / self.clip)
        self.param.copy_(((1 - self.weight_decay) * self.param.double() - lr * y / clip).float())


class TorchStep:
    """torch.optim.AdamW / SGD with ptune's settings; the learning rate is set on every step (ptune's schedule)."""

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def step(self, lr):
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.step()


def make_optimizer(job, param):
    name = job["optimizer"]["name"]
    if name == "adamw":
        # ptune's AdamW is torch.optim.AdamW's formula; torch's default weight decay (0.01) must not creep in.
        return TorchStep(torch.optim.AdamW([param], lr=job["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=job["optimizer"].get("weightDecay") or 0.0))
    if name == "sgd":
        return TorchStep(torch.optim.SGD([param], lr=job["lr"]))
    if name == "adafactor":
        return Adafactor(param)
    raise SystemExit(f"job.json: unknown optimizer {name!r}")


def example_losses(model, rows, kind, num_virtual, device, micro_batch):
    """Per-example losses under ptune's loss contract (README "Loss contract"), yielded per micro-batch.

    The model sees [soft prompt] + prompt_ids + continuation (PEFT prepends the virtual tokens; position ids
    run 0,1,2,... over the whole sequence). score(t) = sum_j log softmax(logits)[t_j] at the positions that
    predict each t_j. lm: loss = -score(gold). verbalizer: loss = -log softmax over the labels' scores [gold].
    """
    step = micro_batch if micro_batch > 0 else max(1, len(rows))
    for start in range(0, len(rows), step):
        chunk = rows[start:start + step]
        seqs, items = [], []  # items: per example, its (sequence, first predicting position, tokens) per continuation
        for r in chunk:
            conts = r["continuations"] if kind == "verbalizer" else [r["continuations"][r["gold"]]]
            entry = []
            for c in conts:
                seqs.append(r["prompt_ids"] + c[:-1])
                entry.append((len(seqs) - 1, num_virtual + len(r["prompt_ids"]) - 1, c))
            items.append(entry)
        length = max(len(s) for s in seqs)
        ids = torch.zeros(len(seqs), length, dtype=torch.long)
        mask = torch.zeros(len(seqs), length, dtype=torch.long)
        for i, s in enumerate(seqs):  # right padding: causal attention never lets a real token see a pad
            ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
            mask[i, : len(s)] = 1
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        seq_idx, pos_idx, tok_idx, owner = [], [], [], []
        for e, entry in enumerate(items):
            for c, (s, first, tokens) in enumerate(entry):
                for j, t in enumerate(tokens):
                    seq_idx.append(s)
                    pos_idx.append(first + j)
                    tok_idx.append(t)
                    owner.append((e, c))
        picked = torch.log_softmax(logits[seq_idx, pos_idx].float(), dim=-1)[torch.arange(len(tok_idx)), tok_idx]
        n_conts = max(len(entry) for entry in items)
        flat = torch.tensor([e * n_conts + c for e, c in owner], device=picked.device)
        scores = torch.zeros(len(chunk) * n_conts, device=picked.device, dtype=picked.dtype).index_add(0, flat, picked).view(len(chunk), n_conts)
        if kind == "verbalizer":
            gold = torch.tensor([r["gold"] for r in chunk], device=scores.device)
            losses = -torch.log_softmax(scores, dim=-1)[torch.arange(len(chunk)), gold]
        else:
            losses = -scores[:, 0]
        yield chunk, losses, scores


def diverged(step, problem, lr):
    return f"training diverged at step {step}: {problem}; the learning rate {lr} is probably too high (try a smaller --lr, --clip 1, or --warmup)"


class Run:
    def __init__(self, args):
        self.args = args
        with open(os.path.join(HERE, "job.json"), encoding="utf-8") as f:
            self.job = json.load(f)
        job = self.job
        self.accelerator = Accelerator(cpu=not torch.cuda.is_available() and not torch.backends.mps.is_available())
        self.device = self.accelerator.device
        self.rank, self.world = self.accelerator.process_index, self.accelerator.num_processes
        self.train = read_jsonl(os.path.join(HERE, job["files"]["train"]))
        self.dev = read_jsonl(os.path.join(HERE, job["files"]["eval"])) if job["files"].get("eval") else []
        with open(os.path.join(HERE, job["files"]["batches"]), encoding="utf-8") as f:
            self.batches = json.load(f)["steps"]
        model_path = args.model or job["model"]["dir"]
        dtype = getattr(torch, args.dtype)
        base = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype, device_map=args.device_map)
        width = base.get_input_embeddings().weight.shape[1]
        if width != job["model"]["hiddenSize"]:
            raise SystemExit(f"--model {model_path}: hidden size {width}, but this job was exported for {job['model']['nameOrPath']} (hidden size {job['model']['hiddenSize']}); the ids in data/ are that model's tokens")
        config = PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=job["numVirtualTokens"], prompt_tuning_init="RANDOM")
        self.model = get_peft_model(base, config)
        init = load_file(os.path.join(HERE, job["files"]["initPrompt"]))["prompt_embeddings"]
        self.soft = self.model.prompt_encoder["default"].embedding.weight
        with torch.no_grad():
            self.soft.data = self.soft.data.float()  # trained in float32 whatever the base model's dtype
            self.soft.copy_(init.to(self.soft.device))
        if args.device_map is None:
            self.model.to(self.device)
        # No dropout, as in ptune (the soft prompt is the only thing that trains; eval mode changes no weights).
        self.model.eval()
        self.optimizer = make_optimizer(job, self.soft)

    def log(self, **event):
        if self.accelerator.is_main_process:
            print(json.dumps(event), flush=True)

    def all_sum(self, tensor):
        if self.world > 1:
            dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    def loss_and_grad(self, rows):
        """Mean loss over the global batch; every process takes its share of the rows and the gradients are summed."""
        self.soft.grad = None
        mine = rows[self.rank::self.world]
        total = torch.zeros(1, dtype=torch.float64, device=self.soft.device)
        for _, losses, _ in example_losses(self.model, mine, self.job["loss"], self.job["numVirtualTokens"], self.device, self.args.micro_batch):
            (losses.sum() / len(rows)).backward()
            total += losses.detach().double().sum()
        if self.soft.grad is None:
            self.soft.grad = torch.zeros_like(self.soft)
        self.all_sum(self.soft.grad)
        return float(self.all_sum(total)) / len(rows)

    @torch.no_grad()
    def evaluate(self, rows, kind):
        mine = rows[self.rank::self.world]
        sums = torch.zeros(2, dtype=torch.float64, device=self.soft.device)  # loss, correct
        for chunk, losses, scores in example_losses(self.model, mine, kind, self.job["numVirtualTokens"], self.device, self.args.micro_batch or 64):
            sums[0] += losses.double().sum()
            sums[1] += sum(int(torch.argmax(scores[i])) == r["gold"] for i, r in enumerate(chunk))
        self.all_sum(sums)
        return float(sums[0]) / len(rows), float(sums[1]) / len(rows)

    def save(self, step, reason, point, outcome=None):
        """Writes the adapter beside --out and renames it into place, so a crash never leaves half an adapter."""
        if self.accelerator.is_main_process:
            out = os.path.abspath(self.args.out)
            temp = tempfile.mkdtemp(prefix=".ptune-", dir=os.path.dirname(out))
            cfg = self.model.peft_config["default"]
            origin = self.job["init"]
            cfg.base_model_name_or_path = self.job["model"]["nameOrPath"]
            cfg.tokenizer_name_or_path = self.job["model"]["nameOrPath"]
            cfg.prompt_tuning_init = origin["peft"]
            cfg.prompt_tuning_init_text = origin.get("text") if origin["peft"] == "TEXT" else None
            # save_embedding_layers=False: only the soft prompt trains, and "auto" would look the base model up on the Hub.
            self.model.save_pretrained(temp, safe_serialization=True, save_embedding_layers=False)
            record = dict(self.job["record"], savedAt=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), checkpoint={"step": step, "reason": reason, "eval": point}, curve=self.curve, evals=self.evals)
            if outcome:
                record["result"] = outcome
                seconds = time.time() - self.started
                record["timings"] = {"seconds": seconds, "examplesPerSecond": self.examples_seen / seconds if seconds > 0 else 0}
            with open(os.path.join(temp, "ptune_training.json"), "w", encoding="utf-8") as f:
                json.dump(record, f, indent=2)
            old = None
            if os.path.exists(out):
                old = out + ".old-" + str(os.getpid())
                os.rename(out, old)
            os.rename(temp, out)
            if old:
                shutil.rmtree(old, ignore_errors=True)
            self.log(event="checkpoint", step=step, reason=reason, out=out)
        self.saved = (step, reason, point)
        self.kept = self.soft.detach().clone()
        self.accelerator.wait_for_everyone()

    def is_better(self, a, b):
        if self.job["keepBest"] == "accuracy" and a.get("accuracy") is not None and b.get("accuracy") is not None and a["accuracy"] != b["accuracy"]:
            return a["accuracy"] > b["accuracy"]
        return a["loss"] < b["loss"]

    def evaluate_and_keep(self, step, reason):
        """ptune's rule: evaluate on the dev set, keep the best by the job's criterion; without one, checkpoint."""
        kind = self.job["devKind"]
        if not self.dev or not kind:
            self.save(step, reason, None)
            return
        loss, accuracy = self.evaluate(self.dev, kind)
        point = {"step": step, "loss": loss, "accuracy": accuracy if kind == "verbalizer" else None}
        self.evals.append(point)
        is_best = self.best is None or self.is_better(point, self.best)
        self.log(event="eval", isBest=is_best, **point)
        if is_best:
            self.best, self.evals_since_best = point, 0
            self.save(step, "initial" if step == 0 else "best", point)
        else:
            self.evals_since_best += 1

    def run(self):
        job, args = self.job, self.args
        total = job["totalSteps"]
        last = min(total, args.max_steps) if args.max_steps > 0 else total
        self.curve, self.evals, self.best, self.evals_since_best, self.saved = [], [], None, 0, None
        self.started, self.examples_seen = time.time(), 0
        stop, message, initial_loss, step = "completed", None, None, 0
        first_rows = [self.train[i] for i in self.batches[0]]
        self.evaluate_and_keep(0, "initial")
        last_good, last_good_step = self.soft.detach().clone(), 0  # the newest prompt whose loss was finite
        while step < last:
            rows = [self.train[i] for i in self.batches[step]]
            lr = learning_rate_at(job, step + 1)
            loss = self.loss_and_grad(rows)
            grad = self.soft.grad
            if not math.isfinite(loss) or not bool(torch.isfinite(grad).all()):
                stop, message = "diverged", diverged(step + 1, f"the loss became {loss}" if not math.isfinite(loss) else "the gradient has NaN or infinite values", job["lr"])
                break
            if step == 0:
                initial_loss = loss
            last_good, last_good_step = self.soft.detach().clone(), step
            grad_norm = float(torch.sqrt((grad.double() ** 2).sum()))
            if job["clip"] is not None and grad_norm > job["clip"]:
                grad.mul_(job["clip"] / grad_norm)  # ptune's clipping: exactly to the norm, no epsilon
            self.optimizer.step(lr)
            if not bool(torch.isfinite(self.soft).all()):
                stop, message = "diverged", diverged(step + 1, "the update overflowed (the soft prompt has NaN or infinite values)", job["lr"])
                break
            step += 1
            self.examples_seen += len(rows)
            self.curve.append({"step": step, "loss": loss, "lr": lr, "gradNorm": grad_norm})
            self.log(event="step", step=step, totalSteps=total, loss=loss, lr=lr, gradNorm=grad_norm)
            if step % job["evalEvery"] == 0 or step == total or step == last:
                self.evaluate_and_keep(step, "latest")
                if job["patience"] is not None and self.best and self.evals_since_best >= job["patience"] and step < total:
                    stop = "early-stopped"
                    message = f"stopped early at step {step}: no dev-set improvement in {job['patience']} evaluations (best at step {self.best['step']})"
                    break
        if stop == "diverged" and self.best is None and (self.saved is None or self.saved[0] != last_good_step):
            # Without a dev set the newest good prompt is the one whose loss was last finite (as ptune keeps it).
            with torch.no_grad():
                self.soft.copy_(last_good)
            self.save(last_good_step, "last-good", None)
        # The kept prompt goes back into the model: its loss on the first batch is ptune's finalLoss, and the
        # last save (with the whole record) writes it again.
        final_loss = None
        if self.saved:
            kept = self.kept
            with torch.no_grad():
                self.soft.copy_(kept.to(self.soft.device))
                losses = [float(l.double().sum()) for _, l, _ in example_losses(self.model, first_rows, job["loss"], job["numVirtualTokens"], self.device, args.micro_batch)]
                final_loss = sum(losses) / len(first_rows)
        saved_step = self.saved[0] if self.saved else 0
        outcome = {"initialLoss": initial_loss, "finalLoss": final_loss, "bestEval": self.best, "steps": step, "stopReason": stop, "stopMessage": message}
        if self.saved:
            self.save(*self.saved, outcome=outcome)
        self.log(event="done", savedStep=saved_step, **outcome)
        return 1 if stop == "diverged" else 0


if __name__ == "__main__":
    sys.exit(Run(parse_args()).run())
