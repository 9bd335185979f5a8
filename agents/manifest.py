"""The run's readable folder: ``<out>/<run_id>/`` with ``manifest.json`` and the final files.

Layout: ``plan.json``, ``copy.json`` and ``copy.md`` for the run, and per variant
``<variant>/ad-9x16.mp4`` (one per aspect), ``captions.srt``, ``captions.vtt``,
``voiceover.wav`` and ``images/scene-N.png``. Every file is listed in the manifest with
its sha256 and the tool and backend that produced it, so a reader can verify and trace
each one; the media files are copies of assets already in the content-addressed store.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from adloom.agents.brief import Brief
from adloom.agents.copywriter import VariantCopy
from adloom.agents.grounding import grounds_for, own_words_line
from adloom.agents.licences import licence_records
from adloom.storage.assets import AssetRef, AssetStore, sha256_file
from adloom.storage.files import copy_file_atomic, write_bytes_atomic, write_json_atomic
from adloom.tools.image.icons import ATTRIBUTION as ICON_ATTRIBUTION

MANIFEST_VERSION = 1


def _copy_markdown(run_id: str, brief: dict, copies: dict[str, dict]) -> str:
    lines = [f"# {brief['product']['name']} — campaign copy", "", f"Run `{run_id}`", ""]
    for variant_id, data in copies.items():
        copy = VariantCopy.model_validate(data)
        lines += [f"## Variant {variant_id}", ""]
        lines += [f"> Note: {note}" for note in copy.notes] + ([""] if copy.notes else [])
        for platform, item in copy.platforms.items():
            facts = list(dict.fromkeys(fact for line in item.grounding for fact in line.facts))
            lines += [
                f"### {platform}", "", f"**{item.headline}**", "", item.primary_text, "",
                " ".join(item.hashtags), "", f"CTA: {item.cta}", "",
                f"_Rests on: {'; '.join(facts) or 'neutral words only'}_", "",
            ]
        lines += ["### Voiceover", ""]
        lines += [f"{line.scene_index + 1}. {line.text}" for line in copy.script]
        lines.append("")
    return "\n".join(lines)


def _grounding(state: dict) -> dict[str, list[dict]]:
    """Per variant, every text a viewer meets and the brief entries it rests on.

    The copy's own lines carry the trace the copywriter computed (with the meaning check);
    the key messages and the words set on each key image are traced here.
    """
    grounds = grounds_for(Brief.model_validate(state["brief"]).model_dump())
    plan = state["plan"]
    traced: dict[str, list[dict]] = {}
    for variant_id, data in state.get("copy", {}).items():
        copy = VariantCopy.model_validate(data)
        lines = [line for item in copy.platforms.values() for line in item.grounding]
        lines += [line.grounding for line in copy.script if line.grounding]
        variant = next(v for v in plan["variants"] if v["id"] == variant_id)
        lines += [grounds.check(f"key_messages[{i}]", m) for i, m in enumerate(variant["key_messages"])]
        for image in state.get("media", {}).get(variant_id, {}).get("art", {}).get("images", []):
            request = image["request"]
            for name in ("headline", "subline", "cta", "price"):
                where = f"image scene-{image['scene_index'] + 1}.{name}"
                if request.get(name) in copy.own_words():
                    lines.append(own_words_line(where, request[name]))
                elif request.get(name):
                    lines.append(grounds.check(where, request[name]))
        traced[variant_id] = [line.model_dump() for line in lines]
    return traced


def _publish(path: Path, data: bytes, store: AssetStore, kind: str) -> AssetRef:
    write_bytes_atomic(path, data)
    return store.put_file(path, kind=kind, tool="manifest", metadata={"role": path.name})  # type: ignore[arg-type]


def _entry(path: Path, ref: dict, role: str) -> dict:
    return {
        "path": str(path), "sha256": ref["sha256"], "kind": ref["kind"], "tool": ref["tool"],
        "backend": ref.get("backend", ""), "role": role,
    }


def _publish_media(run_dir: Path, variant_id: str, media: dict) -> tuple[dict, list[dict]]:
    """Copy a variant's finished media into the run folder; returns its outputs and manifest entries."""
    folder = run_dir / variant_id
    entries: list[dict] = []

    def place(ref: dict, name: str, role: str) -> str:
        target = folder / name
        copy_file_atomic(Path(ref["path"]), target)
        entries.append(_entry(target, ref, role))
        return str(target)

    outputs: dict = {"videos": {}, "images": []}
    for render in media.get("renders", {}).get("videos", []):
        aspect = render["aspect"].replace(":", "x")
        outputs["videos"][render["aspect"]] = place(render["video"], f"ad-{aspect}.mp4", f"video {render['aspect']}")
    captions = media.get("captions", {}).get("by_aspect", {})
    if captions:
        primary = captions[next(iter(captions))]
        outputs["srt"] = place(primary["srt"], "captions.srt", "subtitles srt")
        outputs["vtt"] = place(primary["vtt"], "captions.vtt", "subtitles vtt")
    if media.get("voice"):
        outputs["voiceover"] = place(media["voice"]["voiceover"], "voiceover.wav", "voiceover")
        # The voice really spoken: a change asked for at an approval gate differs from the brief's.
        outputs["voice"] = {"backend": media["voice"]["backend"], "voice": media["voice"]["voice"]}
    if "music" in media:  # the music really played (or None), as the voice above
        outputs["music"] = media["music"]
    for image in media.get("art", {}).get("images", []):
        name = f"scene-{image['scene_index'] + 1}"
        outputs["images"].append(place(image["result"]["image"], f"images/{name}.png", f"key image {image['purpose']}"))
        if image["request"].get("icon"):
            entries[-1]["icon"] = {"name": image["request"]["icon"], "attribution": ICON_ATTRIBUTION}
        if image.get("generated"):
            generated = image["generated"]
            best = generated["images"][0]
            place(best, f"images/{name}-picture{Path(best['path']).suffix}", "generated picture")
            entries[-1]["generation"] = {
                "seed": best.get("metadata", {}).get("seed"), "score": generated["scores"][0],
                "ranking": generated["ranking_method"], "candidate_scores": generated["scores"],
            }
    return outputs, entries


def publish_manifest(run_dir: Path, manifest: dict, settings: dict | None = None) -> dict:
    """Finish and write ``run_dir/manifest.json``, for a run of any kind: the manifest's version,
    the sha256 of every file in the run folder and the licences of what made them.

    Returns:
        The manifest as written (what the run returns in its state).
    """
    manifest = {"manifest_version": MANIFEST_VERSION, **manifest}
    manifest["run_files"] = {
        str(path.relative_to(run_dir)): sha256_file(path)
        for path in sorted(run_dir.rglob("*")) if path.is_file() and path.name != "manifest.json"
        and not path.name.endswith(".part")
    }
    manifest["licences"] = licence_records(manifest, settings)
    write_json_atomic(run_dir / "manifest.json", manifest)
    return manifest


def write_manifest(
    state: dict, store: AssetStore, out_dir: Path, settings: dict | None = None,
) -> tuple[dict, list[AssetRef]]:
    """Write the run folder and its manifest; returns the manifest and the files' refs.

    Args:
        settings: the run's settings as JSON, so the licences name the configured models.
    """
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
    variants: dict[str, dict] = {}
    media_entries: list[dict] = []
    for variant_id, media in state.get("media", {}).items():
        variants[variant_id], entries = _publish_media(run_dir, variant_id, media)
        media_entries += entries
    first = next(iter(variants.values()), {"videos": {}, "images": []})
    all_assets = [*state.get("assets", []), *(ref.model_dump(mode="json") for ref in published)]
    manifest = {
        "run_id": run_id,
        "status": "succeeded" if all(check["passed"] for check in checks) else "needs_review",
        "created_at": datetime.now(timezone.utc).isoformat(),
        "brief": state["brief"],
        "plan": state["plan"],
        "copy": copies,
        "outputs": {
            "video": next(iter(first["videos"].values()), None),
            "videos": first["videos"],
            "srt": first.get("srt"),
            "vtt": first.get("vtt"),
            "voiceover": first.get("voiceover"),
            "voice": first.get("voice"),
            **({"music": first["music"]} if "music" in first else {}),
            "images": first["images"],
            "variants": variants,
            "copy": str(run_dir / "copy.json"),
            "copy_markdown": str(run_dir / "copy.md"),
            "plan": str(run_dir / "plan.json"),
        },
        "checks": checks,
        "notes": list(dict.fromkeys(note for data in copies.values() for note in data.get("notes", []))),
        "grounding": _grounding(state),
        "assets": [
            *(_entry(Path(ref["path"]), ref, ref.get("metadata", {}).get("role", "")) for ref in all_assets),
            *media_entries,
        ],
        "timings": state.get("timings", {}),
    }
    return publish_manifest(run_dir, manifest, settings), published
