"""``adloom brief from-page``: a brief YAML from a product page, every value traced to the page."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Optional

import typer

from adloom.console import ConfigOption, err, fail_input, out, settings_or_exit

brief_app = typer.Typer(no_args_is_help=True, help="Make briefs.")


def default_brief_path(product_name: str) -> Path:
    """``<product-name>.brief.yaml`` in the current folder."""
    slug = re.sub(r"[^a-z0-9]+", "-", product_name.lower()).strip("-")[:60] or "product"
    return Path(f"{slug}.brief.yaml")


@brief_app.command("from-page")
def from_page(
    page: Annotated[str, typer.Argument(help="The product page: an http(s) URL or a saved HTML file.")],
    out_path: Annotated[Optional[Path], typer.Option(
        "--out", help="Brief file to write (default: <product-name>.brief.yaml here).")] = None,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow the page's host to be a private or loopback address.")] = False,
    product: Annotated[Optional[str], typer.Option(
        "--product", help="On a page with several products: its number or part of its name.")] = None,
    brand: Annotated[Optional[str], typer.Option("--brand", help="Brand name (default: the page's).")] = None,
    platforms: Annotated[Optional[list[str]], typer.Option(
        "--platform", help="Where the ad runs (repeat for several; default: tiktok).")] = None,
    audience: Annotated[Optional[str], typer.Option("--audience", help="Who the ad is for.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the brief file if it exists.")] = False,
    config: ConfigOption = None,
) -> None:
    """Read a product page into a brief: name, description, price, brand, images, selling points.

    Every value keeps where it was found on the page (the brief's ``sources``); the page's
    own claims ("best", "#1") are held back for you to decide; what the page does not say
    is defaulted and listed. Exit 2 with an ``error:`` line, and nothing written, when the
    page cannot be used.
    """
    from adloom.agents.brief import PLATFORMS
    from adloom.agents.page_brief import PageBriefError, prepare_page_brief, write_brief_file
    from adloom.storage.assets import AssetStore

    unknown = [p for p in platforms or [] if p not in PLATFORMS]
    if unknown:
        fail_input([f"--platform {p!r}: choose from {', '.join(PLATFORMS)}" for p in unknown])
    settings = settings_or_exit(config)
    # extruct logs a traceback for each JSON-LD block it cannot parse; a shop page's broken block is
    # not the marketer's problem, and what the page does give is still read.
    logging.getLogger("extruct").setLevel(logging.CRITICAL)
    try:
        prepared = prepare_page_brief(page, allow_private=allow_private, product=product, brand=brand,
                                      platforms=platforms, audience=audience)
    except PageBriefError as exc:
        fail_input(exc.problems)
    path = out_path or default_brief_path(prepared.product_name)
    if path.exists() and not force:
        fail_input([f"{path} exists; pass --force to overwrite it or --out another file"])
    result = prepared.finish(AssetStore(settings.data_dir))  # images are stored only for a brief that is written
    for note in result.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
    write_brief_file(result, path)
    sources = result.brief.sources
    out.print(f"brief:    {path}", highlight=False)
    out.print(f"product:  {result.brief.product.name} ({result.brief.brand.name})", highlight=False)
    out.print(f"facts:    {len(result.brief.product.facts)} from the page, "
              f"{len(sources.held_back) if sources else 0} of its claims held back", highlight=False)
    out.print(f"images:   {len(result.brief.product.images)}", highlight=False)
    out.print(f"run it:   adloom run {path}", highlight=False)
