"""Briefs over HTTP: ``POST /api/briefs/from-page`` reads a product page into a brief to review."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from adloom.agents.brief import Platform

brief_router = APIRouter()


class PageBriefIn(BaseModel):
    """A product page to read (an http or https URL: the server reads no local files for a caller)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://", max_length=2000)
    allow_private: bool = Field(
        default=False, description="The page's own host may be private or loopback (needs [server] allow_private_pages).")
    product: str | None = Field(default=None, max_length=200, description="On a page with several: number or name.")
    brand: str | None = Field(default=None, max_length=80)
    platforms: list[Platform] | None = None
    audience: str | None = Field(default=None, max_length=500)


@brief_router.post("/briefs/from-page", tags=["briefs"])
def brief_from_page_route(request: Request, body: PageBriefIn) -> JSONResponse:
    """The brief a product page gives, its YAML, and what to review (defaults, held-back claims, left-out images).

    422 with ``problems`` when the page cannot be used (not a product page, refused address, too large, ...).
    """
    from adloom.agents.page_brief import PageBriefError, brief_from_page

    service = request.app.state.service
    if body.allow_private and not service.settings.server.allow_private_pages:
        raise HTTPException(403, "this server does not read pages on private addresses; set [server] "
                                 "allow_private_pages = true (ADLOOM_SERVER__ALLOW_PRIVATE_PAGES) to allow it")
    try:
        result = brief_from_page(body.url, assets=service.assets, allow_private=body.allow_private,
                                 product=body.product, brand=body.brand, platforms=body.platforms,
                                 audience=body.audience)
    except PageBriefError as exc:
        return JSONResponse({"detail": "the page cannot be read into a brief", "problems": exc.problems},
                            status_code=422)
    files = request.app.state.files
    return JSONResponse({
        "brief": result.brief.model_dump(mode="json"),
        "yaml": result.yaml_text(),
        "notes": result.notes,
        "images": [files.url(path) for path in result.brief.product.images],
    })
