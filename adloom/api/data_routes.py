"""Read and write the stored data over HTTP: brands, products, campaigns, runs, assets,
trends, schedules, uploads, file downloads and own-media assembly."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from adloom.api.uploads import UploadError, UploadPurpose, store_upload
from adloom.agents.brief import Brand as BriefBrand
from adloom.agents.brief import Product as BriefProduct
from adloom.agents.manifest import Manifest
from adloom.storage import models, records
from adloom.storage.files import campaign_zip
from adloom.tools.context import ToolContext
from adloom.tools.editor.inputs import MediaInputError
from adloom.tools.editor.own_media import OwnMedia, assemble_own_media

data_router = APIRouter()

MAX_ROW_ID = 2**63 - 1
"""The largest id a database row can have (a signed 64-bit integer in SQLite and Postgres)."""
RowId = Annotated[int, PathParam(ge=1, le=MAX_ROW_ID, description="A row id (1 to 2^63-1).")]


def _db(request: Request):
    return request.app.state.service.database


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _brand_json(brand: models.Brand) -> dict:
    return {"id": brand.id, "name": brand.name, "voice": brand.voice, "colors": brand.colors,
            "products": [_product_json(p) for p in brand.products]}


def _product_json(product: models.Product) -> dict:
    return {"id": product.id, "brand_id": product.brand_id, "name": product.name, "description": product.description,
            "facts": product.facts, "price": product.price, "url": product.url}


def _asset_json(request: Request, asset: models.Asset) -> dict:
    return {"id": asset.id, "run_id": asset.run_id, "sha256": asset.sha256, "kind": asset.kind, "tool": asset.tool,
            "backend": asset.backend, "url": request.app.state.files.url(asset.path),
            "role": (asset.meta or {}).get("role")}


class BrandIn(BaseModel):
    """A brand and one product, as in a brief (files are uploaded separately)."""

    model_config = ConfigDict(extra="forbid")

    brand: dict[str, Any]
    product: dict[str, Any]


@data_router.get("/brands", tags=["brands"])
def list_brands(request: Request) -> list[dict]:
    with _db(request).session() as session:
        return [_brand_json(b) for b in records.list_brands(session)]


@data_router.post("/brands", tags=["brands"], status_code=201)
def create_brand(request: Request, body: BrandIn) -> dict:
    """Create or update a brand and one of its products (validated like a brief's)."""
    problems: list[str] = []
    validated: dict[str, dict] = {}
    for name, model, data in (("brand", BriefBrand, {**body.brand, "logo": None, "font": None}),
                              ("product", BriefProduct, {**body.product, "images": []})):
        try:
            validated[name] = model.model_validate(data).model_dump(mode="json")
        except ValidationError as exc:
            problems += [f"{name}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    if problems:
        raise HTTPException(422, "; ".join(problems))
    brand, product = validated["brand"], validated["product"]
    with _db(request).session() as session:
        stored, _ = records.upsert_brand_and_product(session, brand, product)
        return _brand_json(stored)


@data_router.get("/brands/{brand_id}", tags=["brands"])
def get_brand(request: Request, brand_id: RowId) -> dict:
    with _db(request).session() as session:
        brand = session.get(models.Brand, brand_id)
        if brand is None:
            raise HTTPException(404, f"no brand with id {brand_id}")
        return _brand_json(brand)


@data_router.get("/products", tags=["brands"])
def list_products(request: Request) -> list[dict]:
    with _db(request).session() as session:
        return [_product_json(p) for p in session.scalars(select(models.Product).order_by(models.Product.id))]


@data_router.get("/campaigns", tags=["campaigns"])
def list_campaigns(request: Request, limit: int = Query(50, ge=1, le=500)) -> list[dict]:
    with _db(request).session() as session:
        rows = session.scalars(select(models.Campaign).order_by(models.Campaign.id.desc()).limit(limit))
        return [{"id": c.id, "brand": c.brand.name, "product": c.product.name, "created_at": _when(c.created_at),
                 "runs": [r.id for r in c.runs]} for c in rows]


@data_router.get("/campaigns/{campaign_id}", tags=["campaigns"])
def get_campaign(request: Request, campaign_id: RowId) -> dict:
    with _db(request).session() as session:
        campaign = session.get(models.Campaign, campaign_id)
        if campaign is None:
            raise HTTPException(404, f"no campaign with id {campaign_id}")
        return {"id": campaign.id, "brief": campaign.brief, "runs": [r.id for r in campaign.runs]}


def _run_summary(run: models.Run) -> dict:
    product = (run.campaign.brief or {}).get("product", {}).get("name", "") if run.campaign else ""
    return {"id": run.id, "status": run.shown_status(), "product": product, "created_at": _when(run.created_at),
            "finished_at": _when(run.finished_at), "error": run.error}


@data_router.get("/runs", tags=["runs"])
def list_runs(request: Request, limit: int = Query(50, ge=1, le=500)) -> list[dict]:
    with _db(request).session() as session:
        return [_run_summary(r) for r in records.list_runs(session, limit=limit)]


@data_router.get("/runs/{run_id}", tags=["runs"])
def get_run(request: Request, run_id: str) -> dict:
    """A run with its node events, assets and (when written) manifest outputs as URLs."""
    files = request.app.state.files
    with _db(request).session() as session:
        run = records.get_run(session, run_id)
        if run is None:
            raise HTTPException(404, f"no run with id {run_id!r}")
        result = _run_summary(run)
        result["events"] = [{"node": e.node, "event": e.event, "at": _when(e.at), "label": (e.detail or {}).get("label")}
                            for e in run.events]
        result["assets"] = [_asset_json(request, a) for a in run.assets]
        made = run.manifest
    outputs: dict[str, Any] = {}
    rejected: list[dict] = []
    screened_out: list[dict] = []
    if made is not None:
        manifest = Manifest.model_validate(made)
        raw = manifest.outputs
        outputs = {
            "videos": {aspect: files.url(path) for aspect, path in raw.get("videos", {}).items()},
            "images": [files.url(path) for path in raw.get("images", [])],
            **{key: files.url(raw[key]) for key in ("video", "srt", "vtt", "voiceover", "copy", "copy_markdown")
               if raw.get(key)},
            "zip": f"/api/runs/{run_id}/campaign.zip",
            # Each version's videos, to compare them side by side.
            "variants": {variant_id: {aspect: files.url(path) for aspect, path in variant.get("videos", {}).items()}
                         for variant_id, variant in raw.get("variants", {}).items()},
        }
        result["manifest_status"] = manifest.status
        result["copy"] = {  # what the marketer pastes into each platform, and the voiceover's words
            variant_id: {
                "platforms": {platform: {key: item.get(key) for key in ("headline", "primary_text", "hashtags", "cta")}
                              for platform, item in copy.get("platforms", {}).items()},
                "script": [line.get("text", "") for line in copy.get("script", [])],
            }
            for variant_id, copy in (manifest.ad_copy or {}).items()
        }
        result["checks"] = [check.model_dump(include={"variant_id", "name", "passed", "detail"})
                            for check in manifest.checks or []]
        # What must be credited where the ad is published (the music's licence, the icons').
        result["credits"] = [{"role": licence["role"], "credit": licence["credit"]}
                             for licence in manifest.licences if licence.get("credit")]
        rejected = manifest.rejected_inputs  # footage runs: unusable input videos
        screened_out = manifest.screened_out  # and clips that are not footage
    result["outputs"] = outputs
    result["rejected"] = rejected
    result["screened_out"] = screened_out
    return result


@data_router.get("/runs/{run_id}/campaign.zip", tags=["runs"])
def download_campaign(request: Request, run_id: str) -> FileResponse:
    """Every file of a finished run (videos, images, captions, copy, manifest) in one zip."""
    with _db(request).session() as session:
        run = records.get_run(session, run_id)
        if run is None:
            raise HTTPException(404, f"no run with id {run_id!r}")
        product = (run.campaign.brief or {}).get("product", {}).get("name", "") if run.campaign else ""
        run_dir = Path(run.out_dir or "") / run.id
        made = run.manifest
    if made is None:
        raise HTTPException(409, f"run {run_id!r} has no finished campaign to download yet")
    names = [*Manifest.model_validate(made).run_files, "manifest.json"]
    archive = campaign_zip(run_dir, names, request.app.state.settings.data_dir / "downloads" / f"{run.id}.zip")
    slug = "-".join("".join(c if c.isalnum() else " " for c in product.lower()).split()) or "campaign"
    return FileResponse(archive, media_type="application/zip", filename=f"adloom-{slug}-{run.id[:8]}.zip")


@data_router.get("/assets", tags=["assets"])
def list_assets(request: Request, run_id: str | None = None, limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
    with _db(request).session() as session:
        query = select(models.Asset).order_by(models.Asset.id.desc()).limit(limit)
        if run_id is not None:
            query = query.where(models.Asset.run_id == run_id)
        return [_asset_json(request, a) for a in session.scalars(query)]


@data_router.get("/assets/{asset_id}/content", tags=["assets"])
def download_asset(request: Request, asset_id: RowId) -> FileResponse:
    with _db(request).session() as session:
        asset = session.get(models.Asset, asset_id)
        if asset is None:
            raise HTTPException(404, f"no asset with id {asset_id}")
        path = asset.path
    url = request.app.state.files.url(path)
    if url is None:
        raise HTTPException(404, f"asset {asset_id} is not inside the data directory")
    return FileResponse(request.app.state.files.resolve(url.removeprefix("/api/files/")))


@data_router.get("/files/{relative:path}", tags=["assets"])
def download_file(request: Request, relative: str) -> FileResponse:
    """A file under the data directory (previews, run outputs); nothing outside it."""
    return FileResponse(request.app.state.files.resolve(relative))


@data_router.post("/uploads", tags=["assets"], status_code=201)
async def upload(request: Request, purpose: UploadPurpose = Form(...), file: UploadFile = File(...)) -> dict:
    """Store a product photo, logo, music, font, clip or voice recording (checked by content)."""
    settings = request.app.state.settings
    cap = settings.server.max_upload_bytes
    data = await file.read(cap + 1)
    try:
        ref = store_upload(data, file.filename or "", purpose, request.app.state.service.assets, max_bytes=cap)
    except UploadError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return {"sha256": ref.sha256, "kind": ref.kind, "path": ref.path, "url": request.app.state.files.url(ref.path),
            "purpose": purpose}


class AssembleIn(BaseModel):
    """Own-media assembly from uploaded files (paths as returned by ``POST /api/uploads``)."""

    model_config = ConfigDict(extra="forbid")

    clips: list[str] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)
    voice: str | None = None
    music: str | None = None
    logo: str | None = None
    font: str | None = None
    aspect: str = "9:16"
    duration_s: float | None = Field(default=None, gt=0, le=600)


@data_router.post("/assemble", tags=["assets"])
def assemble(request: Request, body: AssembleIn) -> dict:
    """Cut an ad from uploaded media with the campaign's editor (cached by content)."""
    files = request.app.state.files

    def inside(path: str | None, field: str) -> str | None:
        if path is None:
            return None
        if files.url(path) is None:
            raise HTTPException(422, f"{field}: {path!r} is not an uploaded file in the data directory")
        return path

    fields = body.model_dump()
    for name in ("voice", "music", "logo", "font"):
        fields[name] = inside(fields[name], name)
    for name in ("clips", "images"):
        fields[name] = [inside(p, f"{name}[{i}]") for i, p in enumerate(fields[name])]
    try:
        media = OwnMedia.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        raise HTTPException(422, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    service = request.app.state.service
    context = ToolContext(settings=service.settings, assets=service.assets, models=service.models)
    try:
        result = assemble_own_media(media, context)
    except (MediaInputError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None
    return {"video": files.url(result.video.path), "sha256": result.video.sha256, "warnings": result.warnings,
            "notes": result.notes, "cached": result.cached}


@data_router.get("/trends", tags=["trends"])
def list_trends(request: Request, limit: int = Query(50, ge=1, le=500)) -> dict:
    """Scored trends and the newest crawled items."""
    with _db(request).session() as session:
        trends = session.scalars(select(models.Trend).order_by(models.Trend.fetched_at.desc()).limit(limit))
        items = session.scalars(select(models.TrendItem).order_by(models.TrendItem.fetched_at.desc()).limit(limit))
        return {
            "trends": [{"id": t.id, "brand_id": t.brand_id, "topic": t.topic, "score": t.score, "source": t.source,
                        "url": t.url, "fetched_at": _when(t.fetched_at)} for t in trends],
            "items": [{"id": i.id, "brand_id": i.brand_id, "kind": i.kind, "title": i.title, "url": i.url,
                       "engagement": i.engagement, "fetched_at": _when(i.fetched_at)} for i in items],
        }


@data_router.get("/schedules", tags=["trends"])
def list_schedules(request: Request) -> list[dict]:
    with _db(request).session() as session:
        rows = session.scalars(select(models.Schedule).order_by(models.Schedule.id))
        result = []
        for schedule in rows:
            ticks = session.scalars(select(models.ScheduleRun).where(models.ScheduleRun.schedule_id == schedule.id)
                                    .order_by(models.ScheduleRun.fire_time.desc()).limit(20))
            result.append({
                "id": schedule.id, "brand_id": schedule.brand_id, "cron": schedule.cron, "enabled": schedule.enabled,
                "last_tick_at": _when(schedule.last_tick_at),
                "runs": [{"fire_time": _when(t.fire_time), "status": t.status, "run_id": t.run_id, "topic": t.topic}
                         for t in ticks],
            })
        return result
