"""The run's readable folder: ``<out>/<run_id>/`` with ``manifest.json`` and the final files.

Every file written here is also put in the content-addressed store, and listed in the
manifest with its sha256 and producing tool, so a reader can verify and trace each one.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from agents.copywriter import VariantCopy
from storage.assets import AssetRef, AssetStore, sha256_file
from storage.files import write_bytes_atomic, write_json_atomic

MANIFEST_VERSION = 1


def _copy_markdown(run_id: str, brief: dict, copies: dict[str, dict]) -> str:
    lines = [f"# {brief['product']['name']} — campaign copy", "", f"Run `{run_id}`", ""]
    for variant_id, data in copies.items():
        copy = VariantCopy.model_validate(data)
        lines += [f"## Variant {variant_id}", ""]
        for platform, item in copy.platforms.items():
            lines += [
                f"### {platform}", "", f"**{item.headline}**", "", item.primary_text, "",
                " ".join(item.hashtags), "", f"CTA: {item.cta}", "",
            ]
        lines += ["### Voiceover", ""]
        lines += [f"{line.scene_index + 1}. {line.text}" for line in copy.script]
        lines.append("")
    return "\n".join(lines)


def _publish(path: Path, data: bytes, store: AssetStore, kind: str) -> AssetRef:
    write_bytes_atomic(path, data)
    return store.put_file(path, kind=kind, tool="manifest", metadata={"role": path.name})  # type: ignore[arg-type]


def write_manifest(state: dict, store: AssetStore, out_dir: Path) -> tuple[Path, list[AssetRef]]:
    """Write the run folder and its manifest; returns the manifest path and the files' refs."""
    run_id = state["run_id"]
    run_dir = Path(out_dir) / run_id
    copies = state.get("copy", {})
    checks = state.get("checks", [])
    plan_ref = _publish(run_dir / "plan.json", json.dumps(state["plan"], indent=2).encode(), store, "json")
    copy_ref = _publish(run_dir / "copy.json", json.dumps(copies, indent=2, ensure_ascii=False).encode(), store, "json")
    copy_md_ref = _publish(
        run_dir / "copy.md", _copy_markdown(run_id, state["brief"], copies).encode("utf-8"), store, "text"
    )
    published = [plan_ref, copy_ref, copy_md_ref]
    all_assets = [*state.get("assets", []), *(ref.model_dump(mode="json") for ref in published)]
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "run_id": run_id,
        "status": "succeeded" if all(check["passed"] for check in checks) else "needs_review",
        "created_at": datetime.now(timezone.utc).isoformat(),
        "brief": state["brief"],
        "plan": state["plan"],
        "copy": copies,
        "outputs": {
            "video": None,
            "srt": None,
            "vtt": None,
            "voiceover": None,
            "images": [],
            "copy": str(run_dir / "copy.json"),
            "copy_markdown": str(run_dir / "copy.md"),
            "plan": str(run_dir / "plan.json"),
        },
        "checks": checks,
        "assets": [
            {
                "path": ref["path"], "sha256": ref["sha256"], "kind": ref["kind"],
                "tool": ref["tool"], "backend": ref.get("backend", ""),
                "role": ref.get("metadata", {}).get("role", ""),
            }
            for ref in all_assets
        ],
        "run_files": {
            path.name: sha256_file(path) for path in (run_dir / "plan.json", run_dir / "copy.json", run_dir / "copy.md")
        },
        "timings": state.get("timings", {}),
    }
    manifest_path = run_dir / "manifest.json"
    write_json_atomic(manifest_path, manifest)
    return manifest_path, published
