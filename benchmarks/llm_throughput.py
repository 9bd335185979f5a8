"""Throughput of the embedded LLM (packaged SmolLM2-135M on llama.cpp).

Prints load time, then for free text and for schema-constrained JSON the median over a
few runs of: prompt tokens/s (llama.cpp's prompt-eval counters), decode tokens/s
(llama.cpp's eval counters) and end-to-end generated tokens/s (wall clock including
sampling and the JSON grammar). Each run starts from an empty KV cache so the prompt is
evaluated in full.

    python benchmarks/llm_throughput.py [--runs 5] [--threads 1] [--max-tokens 128]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Annotated, Any

import llama_cpp
from pydantic import BaseModel, Field

from adloom.tools.config import LLMSettings
from adloom.tools.llm.embedded import EmbeddedBackend, resolve_model_path, verify_sha256

MESSAGES = [
    {"role": "system", "content": "You write short, upbeat ad copy."},
    {"role": "user", "content": "Product: TrailGrip running shoes. Facts: weighs 240 g; recycled mesh upper; "
                                "grippy lugs for wet rock. Write a headline and a few hashtags."},
]


class AdCopy(BaseModel):
    headline: str = Field(max_length=60)
    body: str = Field(max_length=200)
    hashtags: list[Annotated[str, Field(max_length=30)]] = Field(max_length=5)


def measure(backend: EmbeddedBackend, *, runs: int, max_tokens: int, temperature: float,
            json_schema: dict[str, Any] | None) -> dict[str, float]:
    prompt_rates, decode_rates, end_to_end_rates, generated = [], [], [], []
    for run in range(runs):
        backend.llama.reset()  # forget the KV cache: measure the full prompt every run
        llama_cpp.llama_perf_context_reset(backend.llama.ctx)
        completion = backend.chat(MESSAGES, json_schema=json_schema, max_tokens=max_tokens,
                                  temperature=temperature, seed=run)
        perf = llama_cpp.llama_perf_context(backend.llama.ctx)
        prompt_seconds = perf.t_p_eval_ms / 1000
        prompt_rates.append(perf.n_p_eval / prompt_seconds)
        decode_rates.append(perf.n_eval / (perf.t_eval_ms / 1000))
        end_to_end_rates.append(completion.completion_tokens / (completion.seconds - prompt_seconds))
        generated.append(completion.completion_tokens)
    return {
        "prompt_tokens": perf.n_p_eval,
        "generated_tokens": statistics.median(generated),
        "prompt_tok_s": statistics.median(prompt_rates),
        "decode_tok_s": statistics.median(decode_rates),
        "end_to_end_tok_s": statistics.median(end_to_end_rates),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()

    settings = LLMSettings(backend="embedded", threads=args.threads)
    path, expected_sha256 = resolve_model_path(settings.model)
    started = time.perf_counter()
    verify_sha256(path, expected_sha256)
    verify_seconds = time.perf_counter() - started
    load_times = []
    for _ in range(3):
        started = time.perf_counter()
        backend = EmbeddedBackend(path, threads=args.threads, context_size=settings.context_size)
        load_times.append(time.perf_counter() - started)

    print(f"model: {path.name} ({path.stat().st_size / 1e6:.0f} MB), threads={args.threads}, runs={args.runs}")
    print(f"sha256 check: {verify_seconds:.2f} s; load: median {statistics.median(load_times):.2f} s "
          f"(first {load_times[0]:.2f} s)")
    print(f"{'mode':<10} {'prompt tok':>10} {'gen tok':>8} {'prompt tok/s':>13} {'decode tok/s':>13} "
          f"{'end-to-end tok/s':>17}")
    for mode, schema, temperature in (("free text", None, 0.7),
                                      ("json", AdCopy.model_json_schema(), 0.2)):
        row = measure(backend, runs=args.runs, max_tokens=args.max_tokens,
                      temperature=temperature, json_schema=schema)
        print(f"{mode:<10} {row['prompt_tokens']:>10} {row['generated_tokens']:>8.0f} "
              f"{row['prompt_tok_s']:>13.0f} {row['decode_tok_s']:>13.1f} {row['end_to_end_tok_s']:>17.1f}")


if __name__ == "__main__":
    main()
