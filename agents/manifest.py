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
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from adloom.agents.art_director import ArtDirection
from adloom.agents.brief import Brief
from adloom.agents.captioner import Captions
from adloom.agents.copywriter import VariantCopy
from adloom.agents.critic import Check
from adloom.agents.grounding import grounds_for, own_words_line
from adloom.agents.licences import licence_records
from adloom.agents.planner import Variant
from adloom.storage.assets import AssetRef, AssetStore, sha256_file
from adloom.storage.files import copy_file_atomic, write_bytes_atomic, write_json_atomic
from adloom.tools.editor.tool import AssembleResult
from adloom.tools.image.icons import ATTRIBUTION as ICON_ATTRIBUTION
from adloom.tools.tts.tool import VoiceoverResult

MANIFEST_VERSION = 1


class PlayedMusic(BaseModel):
    """The music played under a render, and its credit line."""

    path: str
    credit: str | None = None


class FinishedVariant(Protocol):
    """What the manifest needs of a variant's finished work (the campaign graph's record)."""

    @property
    def id(self) -> str: ...

    variant: Variant
    ad_copy: VariantCopy | None
    art: ArtDirection | None
    voice: VoiceoverResult | None
    captions: Captions | None
    renders: AssembleResult | None
    music: PlayedMusic | None


def _copy_markdown(run_id: str, brief: dict, copies: dict[str, VariantCopy]) -> str:
    lines = [f"# {brief['product']['name']} — campaign copy", "", f"Run `{run_id}`", ""]
    for variant_id, copy in copies.items():
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


def _grounding(brief: dict, variants: list[FinishedVariant]) -> dict[str, list[dict]]:
    """Per variant, every text a viewer meets and the brief entries it rests on.

    The copy's own lines carry the trace the copywriter computed (with the meaning check);
    the key messages and the words set on each key image are traced here.
    """
    grounds = grounds_for(Brief.model_validate(brief).model_dump())
    traced: dict[str, list[dict]] = {}
    for work in variants:
        if work.ad_copy is None:
            continue
        copy = work.ad_copy
        lines = [line for item in copy.platforms.values() for line in item.grounding]
        lines += [line.grounding for line in copy.script if line.grounding]
        lines += [grounds.check(f"key_messages[{i}]", m) for i, m in enumerate(work.variant.key_messages)]
        for image in work.art.images if work.art else []:
            request = image.request
            for name in ("headline", "subline", "cta", "price"):
                words = getattr(request, name)
                where = f"image scene-{image.scene_index + 1}.{name}"
                if words in copy.own_words():
                    lines.append(own_words_line(where, words))
                elif words:
                    lines.append(grounds.check(where, words))
        traced[work.id] = [line.model_dump() for line in lines]
    return traced


def _publish(path: Path, data: bytes, store: AssetStore, kind: str) -> AssetRef:
    write_bytes_atomic(path, data)
    return store.put_file(path, kind=kind, tool="manifest", metadata={"role": path.name})  # type: ignore[arg-type]


def _entry(path: Path, ref: AssetRef, role: str) -> dict:
    return {
        "path": str(path), "sha256": ref.sha256, "kind": ref.kind, "tool": ref.tool, "backend": ref.backend or "",
        "role": role,
    }


def _publish_media(run_dir: Path, work: FinishedVariant) -> tuple[dict, list[dict]]:
    """Copy a variant's finished media into the run folder; returns its outputs and manifest entries."""
    folder = run_dir / work.id
    entries: list[dict] = []

    def place(ref: AssetRef, name: str, role: str) -> str:
        target = folder / name
        copy_file_atomic(Path(ref.path), target)
        entries.append(_entry(target, ref, role))
        return str(target)

    outputs: dict = {"videos": {}, "images": []}
    for render in work.renders.videos if work.renders else []:
        aspect = render.aspect.replace(":", "x")
        outputs["videos"][render.aspect] = place(render.video, f"ad-{aspect}.mp4", f"video {render.aspect}")
    if work.captions and work.captions.by_aspect:
        primary = next(iter(work.captions.by_aspect.values()))
        outputs["srt"] = place(primary.srt, "captions.srt", "subtitles srt")
        outputs["vtt"] = place(primary.vtt, "captions.vtt", "subtitles vtt")
    if work.voice:
        outputs["voiceover"] = place(work.voice.voiceover, "voiceover.wav", "voiceover")
        # The voice really spoken: a change asked for at an approval gate differs from the brief's.
        outputs["voice"] = {"backend": work.voice.backend, "voice": work.voice.voice}
    if work.renders:  # the music really played (or None), as the voice above
        outputs["music"] = work.music.model_dump() if work.music else None
    for image in work.art.images if work.art else []:
        name = f"scene-{image.scene_index + 1}"
        outputs["images"].append(place(image.result.image, f"images/{name}.png", f"key image {image.purpose}"))
        if image.request.icon:
            entries[-1]["icon"] = {"name": image.request.icon, "attribution": ICON_ATTRIBUTION}
        if image.generated:
            generated = image.generated
            best = generated.images[0]
            place(best, f"images/{name}-picture{Path(best.path).suffix}", "generated picture")
            entries[-1]["generation"] = {
                "seed": best.metadata.get("seed"), "score": generated.scores[0],
                "ranking": generated.ranking_method, "candidate_scores": generated.scores,
            }
    return outputs, entries


class ManifestEntry(BaseModel):
    """One file a run made: where it is, its sha256, and the tool and backend that made it."""

    model_config = ConfigDict(extra="forbid")

    path: str
    sha256: str
    kind: str
    tool: str
    backend: str = ""
    role: str = ""  # what it is in the run ("video 9:16", "voiceover", "key image hook", ...)
    icon: dict[str, str] | None = None  # the icon set on a key image, with its attribution
    generation: dict[str, Any] | None = None  # a generated picture's seed and ranking scores


class Manifest(BaseModel):
    """What a run made (a campaign, or an ad cut from footage).

    Written once, by :func:`publish_manifest`, as the run folder's ``manifest.json``; the same
    object is returned in the run's state and kept on the run's record, so nothing reads the
    file back to learn what a run made.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    manifest_version: int = MANIFEST_VERSION
    run_id: str
    mode: Literal["campaign", "footage"] = "campaign"  # campaigns finished before this field have none
    status: Literal["succeeded", "needs_review"]
    created_at: str
    brief: dict[str, Any]
    plan: dict[str, Any]
    outputs: dict[str, Any]  # the final files by role: videos per aspect, captions, voiceover, images, per variant
    assets: list[ManifestEntry]
    timings: dict[str, float]
    run_files: dict[str, str] = Field(default_factory=dict)  # every file in the run folder -> sha256
    licences: list[dict[str, str]] = Field(default_factory=list)  # see adloom.agents.licences
    # A campaign's
    ad_copy: dict[str, dict[str, Any]] | None = Field(default=None, alias="copy")  # variant id -> VariantCopy
    checks: list[Check] | None = None  # the critic's last review
    notes: list[str] | None = None
    grounding: dict[str, list[dict[str, Any]]] | None = None  # variant id -> each text and what it rests on
    # An ad cut from footage's
    inputs: dict[str, Any] | None = None  # the videos given, and those rejected or screened out
    clips: list[dict[str, Any]] | None = None
    subtitle_segments: list[Any] | None = None  # each caption's words and times
    subtitle_rule_problems: list[Any] | None = None
    render_warnings: list[Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """The manifest as ``manifest.json`` holds it (and as the run's state carries it)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    @property
    def failed_checks(self) -> list[Check]:
        return [check for check in self.checks or [] if not check.passed]

    @property
    def rejected_inputs(self) -> list[dict[str, Any]]:
        """Input videos that could not be used (footage runs), each with its path and error."""
        return (self.inputs or {}).get("rejected", [])

    @property
    def screened_out(self) -> list[dict[str, Any]]:
        """Clips of the input videos left out as not footage (colour bars, slates, ...)."""
        return (self.inputs or {}).get("screened_out", [])


def publish_manifest(run_dir: Path, manifest: Manifest, settings: dict | None = None) -> Manifest:
    """Finish and write ``run_dir/manifest.json``, for a run of any kind: the sha256 of every
    file in the run folder and the licences of what made them.

    Returns:
        The manifest as written (what the run returns in its state).
    """
    run_files = {
        str(path.relative_to(run_dir)): sha256_file(path)
        for path in sorted(run_dir.rglob("*")) if path.is_file() and path.name != "manifest.json"
        and not path.name.endswith(".part")
    }
    manifest = manifest.model_copy(update={"run_files": run_files,
                                           "licences": licence_records(manifest.as_json(), settings)})
    write_json_atomic(run_dir / "manifest.json", manifest.as_json())
    return manifest


def write_manifest(
    run_id: str, brief: dict, plan: dict, variants: list[FinishedVariant], checks: list[Check],
    timings: dict[str, float], store: AssetStore, out_dir: Path, settings: dict | None = None,
) -> Manifest:
    """Write a campaign's run folder and its manifest; returns the manifest.

    Args:
        variants: each variant's finished work, in the plan's order.
        settings: the run's settings as JSON, so the licences name the configured models.
    """
    run_dir = Path(out_dir) / run_id
    copies = {work.id: work.ad_copy for work in variants if work.ad_copy is not None}
    copies_json = {variant_id: copy.model_dump(mode="json") for variant_id, copy in copies.items()}
    published = [
        _publish(run_dir / "plan.json", json.dumps(plan, indent=2).encode(), store, "json"),
        _publish(run_dir / "copy.json", json.dumps(copies_json, indent=2, ensure_ascii=False).encode(), store, "json"),
        _publish(run_dir / "copy.md", _copy_markdown(run_id, brief, copies).encode("utf-8"), store, "text"),
    ]
    outputs_by_variant: dict[str, dict] = {}
    media_entries: list[dict] = []
    for work in variants:
        outputs_by_variant[work.id], entries = _publish_media(run_dir, work)
        media_entries += entries
    first = next(iter(outputs_by_variant.values()), {"videos": {}, "images": []})
    manifest = {
        "run_id": run_id,
        "mode": "campaign",
        "status": "succeeded" if all(check.passed for check in checks) else "needs_review",
        "created_at": datetime.now(timezone.utc).isoformat(),
        "brief": brief,
        "plan": plan,
        "copy": copies_json,
        "outputs": {
            "video": next(iter(first["videos"].values()), None),
            "videos": first["videos"],
            "srt": first.get("srt"),
            "vtt": first.get("vtt"),
            "voiceover": first.get("voiceover"),
            "voice": first.get("voice"),
            **({"music": first["music"]} if "music" in first else {}),
            "images": first["images"],
            "variants": outputs_by_variant,
            "copy": str(run_dir / "copy.json"),
            "copy_markdown": str(run_dir / "copy.md"),
            "plan": str(run_dir / "plan.json"),
        },
        "checks": checks,
        "notes": list(dict.fromkeys(note for copy in copies.values() for note in copy.notes)),
        "grounding": _grounding(brief, variants),
        "assets": [*(_entry(Path(ref.path), ref, ref.metadata.get("role", "")) for ref in published), *media_entries],
        "timings": timings,
    }
    return publish_manifest(run_dir, Manifest.model_validate(manifest), settings)
