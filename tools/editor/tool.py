"""The ``editor.assemble`` tool agent: the final MP4(s) of a campaign from a typed timeline.

One ffmpeg run renders every requested aspect (:func:`adloom.tools.editor.render_aspects`); each
output is probed (:func:`adloom.tools.media_checks.check_streams`) and stored in the asset cache
under its own key, so a resumed run re-renders only the aspects it does not have yet.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image
from pydantic import BaseModel, Field

from adloom.storage.assets import AssetRef, cache_key, sha256_file
from adloom.storage.files import write_bytes_atomic
from adloom.tools.context import ToolContext
from adloom.tools.editor.encoding import X264Preset
from adloom.tools.editor.inputs import MediaInputError
from adloom.tools.editor.render import OutputView, render_views, view_clips
from adloom.tools.aspects import Aspect
from adloom.tools.editor.timeline import StillImage, SubtitleTrack, Timeline, VideoClip
from adloom.tools.media_checks.streams import check_streams
from adloom.tools.registry import tool_agent, tool_handle

TOOL_NAME = "editor.assemble"
BACKEND = "ffmpeg"


class AssembleRequest(BaseModel):
    timeline: Timeline
    aspects: list[Aspect] = Field(
        default_factory=list,
        description="Render at each of these aspects' sizes (the timeline's own width/height are "
        "then ignored); empty = the timeline's size only.",
    )
    subtitles_by_aspect: dict[Aspect, SubtitleTrack] = Field(
        default_factory=dict, description="An ASS file laid out for each aspect; others use timeline.subtitles."
    )
    preset: X264Preset = "veryfast"
    crf: int = Field(default=20, ge=0, le=51)


class RenderedVideo(BaseModel):
    aspect: str = Field(description="e.g. '9:16', or 'WxH' for the timeline's own size.")
    video: AssetRef
    probe: dict[str, Any] = Field(description="check_streams summary: codecs, size, duration, faststart, colours.")
    warnings: list[str] = Field(default_factory=list, description="Media cut or held to fit the timeline.")
    cached: bool


class AssembleResult(BaseModel):
    videos: list[RenderedVideo]


def _example() -> AssembleRequest:
    folder = Path(tempfile.gettempdir()) / "adloom-examples" / "editor"
    folder.mkdir(parents=True, exist_ok=True)
    picture = folder / "still.png"
    buffer = io.BytesIO()
    Image.radial_gradient("L").resize((160, 160)).convert("RGB").save(buffer, format="PNG")
    write_bytes_atomic(picture, buffer.getvalue())
    return AssembleRequest(
        timeline=Timeline(width=128, height=224, visuals=[StillImage(path=picture, seconds=0.5)])
    )


def _files(timeline: Timeline, subtitles: list[SubtitleTrack]) -> list[Path]:
    """Every input file whose content decides the render, in a fixed order."""
    files = [Path(visual.path) for visual in timeline.visuals]
    for part in (timeline.voice, timeline.music, timeline.logo, timeline.end_card):
        if part is not None:
            files.append(Path(part.path))
    if timeline.end_card is not None:
        files += [Path(path) for path in timeline.end_card.by_aspect.values()]
    files += [Path(path) for visual in timeline.visuals if isinstance(visual, VideoClip)
              for path in visual.by_aspect.values()]
    for track in subtitles:
        files.append(Path(track.path))
        if track.fonts_dir is not None and Path(track.fonts_dir).is_dir():
            files += sorted(p for p in Path(track.fonts_dir).rglob("*") if p.is_file())
    return files


def _content_hashes(files: list[Path]) -> dict[Path, str]:
    hashes = {}
    for file in files:
        if not file.is_file():
            raise MediaInputError(f"timeline: file {file} does not exist")
        hashes[file] = sha256_file(file)
    return hashes


@tool_agent(TOOL_NAME, example=_example)
def assemble(request: AssembleRequest, ctx: ToolContext) -> AssembleResult:
    """Render the final H.264/AAC MP4 of a timeline, at one size or at several aspects in one pass."""
    timeline = request.timeline
    targets: list[tuple[str, Timeline]]
    if request.aspects:
        targets = [
            (aspect, timeline.for_aspect(aspect, subtitles=request.subtitles_by_aspect.get(aspect)))
            for aspect in dict.fromkeys(request.aspects)
        ]
    else:
        targets = [(f"{timeline.width}x{timeline.height}", timeline)]
    subtitles = [t.subtitles for _, t in targets if t.subtitles is not None]
    hashes = _content_hashes(_files(timeline, subtitles))
    # Paths are replaced by content hashes so the same files elsewhere hit the same cache entry.
    by_path = {str(path): sha for path, sha in hashes.items()}

    def fingerprint(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fingerprint(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fingerprint(v) for v in value]
        return by_path.get(value, value) if isinstance(value, str) else value

    keys = {}
    for label, sized in targets:
        params = {"timeline": fingerprint(sized.model_dump(mode="json")), "preset": request.preset, "crf": request.crf}
        keys[label] = cache_key(TOOL_NAME, BACKEND, "", params, sorted(hashes.values()))

    videos: dict[str, RenderedVideo] = {}
    for label, _ in targets:
        ref = ctx.assets.lookup(keys[label])
        if ref is not None:
            videos[label] = _rendered(label, ref, cached=True)
    missing = [(label, sized) for label, sized in targets if label not in videos]
    if missing:
        scratch = ctx.assets.scratch_dir()
        try:
            views = [
                OutputView(sized.width, sized.height, scratch / f"final-{i}.mp4", sized.subtitles,
                           Path(sized.end_card.path) if sized.end_card else None, view_clips(timeline, sized))
                for i, (_, sized) in enumerate(missing)
            ]
            results = render_views(
                timeline, views, preset=request.preset, crf=request.crf, progress=ctx.progress
            )
            for (label, sized), result in zip(missing, results):
                report = check_streams(result.path, (sized.width, sized.height), result.duration_s)
                ref = ctx.assets.put_file(
                    result.path, kind="video", tool=TOOL_NAME, backend=BACKEND, move=True,
                    metadata={"aspect": label, "probe": report.summary(), "warnings": list(result.warnings)},
                )
                ctx.assets.remember(keys[label], ref)
                videos[label] = _rendered(label, ref, cached=False)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return AssembleResult(videos=[videos[label] for label, _ in targets])


def _rendered(label: str, ref: AssetRef, *, cached: bool) -> RenderedVideo:
    return RenderedVideo(
        aspect=label, video=ref, probe=ref.metadata["probe"], warnings=ref.metadata.get("warnings", []),
        cached=cached,
    )


ASSEMBLE = tool_handle(assemble)
