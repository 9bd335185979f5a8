"""The copy bake-off: grounding on the eval's briefs per embedded model, and BLEU/ROUGE on real slogans.

Prints the grounding table of ``adloom eval grounding`` for each model (unsupported texts
per 100, foreign-product texts, LLM share, readability, seconds per campaign) and, for the
same models, the slogan eval of ``adloom eval copy`` (BLEU-4 / ROUGE-L against human
slogans, with the first-sentence baseline). Slow: minutes per brief on the larger models.

    python benchmarks/copy_grounding.py [--model smollm2-135m --model qwen2.5-0.5b] [--per-category N] [--slogans N]
"""

from __future__ import annotations

import argparse

from adloom.console import shared_data_dir
from adloom.agents.copywriter import write_slogan
from adloom.agents.llm_access import AgentLLM
from adloom.evals.copy_eval import evaluate_copy, format_report_table, load_slogan_rows, slogan_csv_path
from adloom.evals.grounding_eval import evaluate_model, format_report, load_eval_briefs
from adloom.tools.config import LLMSettings
from adloom.tools.context import ResidentModels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="embedded model name or .gguf (repeatable)")
    parser.add_argument("--per-category", type=int, default=None, help="first N briefs of each category")
    parser.add_argument("--slogans", type=int, default=50, help="slogan rows (0 skips the slogan eval)")
    args = parser.parse_args()
    names = args.model or ["smollm2-135m"]
    models = ResidentModels()
    briefs = load_eval_briefs(per_category=args.per_category)
    print(format_report([evaluate_model(name, briefs, models, progress=print) for name in names]))
    csv_path = slogan_csv_path(shared_data_dir())
    if args.slogans and csv_path.is_file():
        rows = load_slogan_rows(csv_path, limit=args.slogans)
        for name in names:
            llm = AgentLLM.load(LLMSettings(model=name), models)
            report = evaluate_copy(rows, lambda description: write_slogan(description, llm),
                                   system_name=f"copywriter ({name})", source=str(csv_path))
            print(format_report_table(report))


if __name__ == "__main__":
    main()
