"""What the studio lets a marketer pick from: the voices (with a sample to hear) and their music library."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from adloom.music import MAX_CREDIT, MAX_TITLE, add_track, library
from adloom.agents.music_library import LibraryTrack
from adloom.agents.voice_director import preview_voice
from adloom.tools.tts.voices import VOICES

studio_router = APIRouter(tags=["studio"])


@studio_router.get("/voices")
def list_voices() -> list[dict]:
    """The voices an ad can speak with; one not installed here says why and how to add it."""
    return [{"id": voice.id, "name": voice.name, "description": voice.description, "gender": voice.gender,
             "licence": voice.licence, "available": voice.installed, "why_not": voice.unavailable(),
             "preview_url": f"/api/voices/{voice.id}/preview"} for voice in VOICES.values()]


@studio_router.get("/voices/{voice_id}/preview")
def hear_voice(request: Request, voice_id: str) -> FileResponse:
    """A sample line in the voice (WAV, made once and then cached)."""
    voice = VOICES.get(voice_id)
    if voice is None:
        raise HTTPException(404, f"no voice {voice_id!r}; the voices are {', '.join(VOICES)}")
    if voice.unavailable():
        raise HTTPException(409, voice.unavailable())
    sample = preview_voice(voice, request.app.state.service.tools())
    return FileResponse(sample.voiceover.path, media_type="audio/wav")


def _track_json(request: Request, track: LibraryTrack) -> dict:
    return {"id": track.id, "title": track.title, "credit": track.credit, "duration_s": round(track.duration_s, 1),
            "url": request.app.state.files.url(track.path)}


@studio_router.get("/music")
def list_music(request: Request) -> list[dict]:
    """The marketer's music library, in the order added."""
    return [_track_json(request, track) for track in library(request.app.state.service.database)]


class TrackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="The uploaded file (the path POST /api/uploads with purpose 'music' returned).")
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    credit: str = Field(min_length=1, max_length=MAX_CREDIT,
                        description="Who made it and its licence, as the ad must credit it.")


@studio_router.post("/music", status_code=201)
def add_music(request: Request, body: TrackIn) -> dict:
    """Add an uploaded track to the music library."""
    uploaded = request.app.state.files.served(body.path)
    if uploaded is None or not uploaded.is_file():
        raise HTTPException(422, f"path: {body.path!r} is not an uploaded file (upload it with POST /api/uploads)")
    service = request.app.state.service
    try:
        track = add_track(service.database, service.assets, uploaded, title=body.title, credit=body.credit)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return _track_json(request, track)
