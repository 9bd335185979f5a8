"""The VC-LLM clip representation: one spatial frame and a few temporal frames per clip.

The *spatial* input is the clip's middle frame at high resolution (long side at most
:data:`SPATIAL_LONG_SIDE`), for detail; the *temporal* input is up to
:data:`TEMPORAL_FRAMES` frames sampled uniformly across the clip at low resolution
(long side :data:`TEMPORAL_LONG_SIDE`), for motion and change. Both are stored as JPEG
assets, so the graph state carries only references.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from PIL import Image

from adloom.storage.assets import AssetRef, AssetStore, cache_key
from adloom.tools.media_checks.frames import extract_frames
from adloom.tools.scenes.detect import Clip

SPATIAL_LONG_SIDE = 1280
TEMPORAL_LONG_SIDE = 256
TEMPORAL_FRAMES = 5
TOOL_NAME = "scenes.detect"
_FRAMES_VERSION = 1


@dataclass(frozen=True)
class ClipFrames:
    """Stored frames of one clip: ``spatial`` (middle, high resolution) and ``temporal`` (uniform, low)."""

    spatial: AssetRef
    temporal: tuple[AssetRef, ...]


def clip_frame_times(clip: Clip, fps: float, count: int = TEMPORAL_FRAMES) -> tuple[float, list[float]]:
    """The middle time and up to ``count`` uniformly spread times inside the clip.

    Each temporal time is the centre of one of ``count`` equal parts of the clip, so the
    frames cover it evenly and none sits on a cut; a clip with fewer frames than ``count``
    gets one time per frame.
    """
    frames_in_clip = max(1, round(clip.duration_s * fps))
    count = max(1, min(count, frames_in_clip))
    step = clip.duration_s / count
    temporal = [round(clip.start_s + (index + 0.5) * step, 4) for index in range(count)]
    return round(clip.start_s + clip.duration_s / 2, 4), temporal


def _jpeg(image: Image.Image, long_side: int) -> bytes:
    image = image.convert("RGB")
    scale = long_side / max(image.size)
    if scale < 1:
        image = image.resize((max(2, round(image.width * scale)), max(2, round(image.height * scale))), Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def represent_clip(clip: Clip, fps: float, assets: AssetStore, *, source_sha256: str) -> ClipFrames:
    """Extract and store the spatial and temporal frames of ``clip`` (cached by source hash and times).

    Raises:
        tools.editor.inputs.MediaInputError: the frames cannot be decoded.
    """
    key = cache_key(
        TOOL_NAME, "frames", "", {"start": clip.start_s, "end": clip.end_s, "fps": fps, "v": _FRAMES_VERSION},
        [source_sha256],
    )
    stored = assets.lookup(key)
    if stored is not None:
        return ClipFrames(
            spatial=AssetRef.model_validate(stored.metadata["spatial"]),
            temporal=tuple(AssetRef.model_validate(ref) for ref in stored.metadata["temporal"]),
        )
    middle, temporal_times = clip_frame_times(clip, fps)
    images = extract_frames(clip.source, [middle, *temporal_times])
    common = {"kind": "image", "tool": TOOL_NAME, "backend": "frames"}
    spatial = assets.put_bytes(
        _jpeg(images[0], SPATIAL_LONG_SIDE), ".jpg",
        metadata={"role": "spatial", "clip": clip.clip_id, "time_s": middle}, **common,
    )
    temporal = tuple(
        assets.put_bytes(
            _jpeg(image, TEMPORAL_LONG_SIDE), ".jpg",
            metadata={"role": "temporal", "clip": clip.clip_id, "time_s": time_s}, **common,
        )
        for image, time_s in zip(images[1:], temporal_times)
    )
    listing = {"spatial": spatial.model_dump(mode="json"), "temporal": [r.model_dump(mode="json") for r in temporal]}
    # The listing itself is an asset so the cache index can point at it.
    index = assets.put_bytes(
        json.dumps(listing, sort_keys=True).encode("utf-8"), ".json", kind="json", tool=TOOL_NAME,
        backend="frames", metadata=listing,
    )
    assets.remember(key, index)
    return ClipFrames(spatial=spatial, temporal=temporal)
