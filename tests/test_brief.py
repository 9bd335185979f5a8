"""The campaign brief: the example loads, every class of bad input is reported clearly."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from adloom.agents.brief import DEFAULT_COLORS, PLATFORMS, Brief, BriefError, brand_colors, load_brief, parse_brief
from adloom.tools.colours import parse_hex
from adloom.tools.image.palette import NEAR_WHITE, contrast_ratio, saturation
from conftest import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "brief.yaml"


@pytest.fixture
def example_data() -> dict:
    return yaml.safe_load(EXAMPLE.read_text("utf-8"))


def problems_of(data: object, base_dir: Path | None = None) -> list[str]:
    with pytest.raises(BriefError) as caught:
        parse_brief(data, source="test.yaml", base_dir=base_dir)
    assert caught.value.source == "test.yaml"
    return caught.value.problems


def write_brief(folder: Path, data: dict | str) -> Path:
    path = folder / "brief.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def test_example_brief_loads():
    brief = load_brief(EXAMPLE)
    assert isinstance(brief, Brief)
    assert brief.brand.name == "Northwind Coffee"
    assert brief.product.name == "Northwind Cold Brew"
    assert "no added sugar" in brief.product.facts
    assert brief.platforms == ["tiktok", "instagram_reels", "youtube_shorts"]
    assert (brief.duration_s, brief.aspect, brief.variants, brief.language) == (15, "9:16", 1, "en")


def test_minimal_brief_gets_defaults():
    brief = parse_brief({"brand": {"name": "Acme"}, "product": {"name": "Anvil", "description": "Heavy."}})
    assert brief.platforms == ["tiktok"]
    assert brief.duration_s == 15 and brief.variants == 1 and brief.aspect == "9:16"


def test_unknown_top_level_key(example_data):
    example_data["budget"] = 1000
    assert problems_of(example_data) == ["budget: unknown key"]


def test_unknown_nested_keys(example_data):
    example_data["brand"]["slogan"] = "Cold and bold"
    example_data["product"]["sku"] = "NW-1"
    problems = problems_of(example_data)
    assert sorted(problems) == ["brand.slogan: unknown key", "product.sku: unknown key"]


def test_missing_product_name(example_data):
    del example_data["product"]["name"]
    assert problems_of(example_data) == ["product.name: is required"]


def test_missing_brand_section(example_data):
    del example_data["brand"]
    assert problems_of(example_data) == ["brand: is required"]


def test_unknown_platform_lists_the_valid_ones(example_data):
    example_data["platforms"] = ["tiktok", "myspace"]
    (problem,) = problems_of(example_data)
    assert problem.startswith("platforms.1: unknown platform 'myspace'")
    for platform in PLATFORMS:
        assert platform in problem


@pytest.mark.parametrize("duration", [4.9, 0, -5, 180.5, 600])
def test_duration_outside_5_to_180_seconds(example_data, duration):
    example_data["duration_s"] = duration
    (problem,) = problems_of(example_data)
    assert problem.startswith("duration_s: ")
    assert ("5" in problem) if duration < 5 else ("180" in problem)


@pytest.mark.parametrize("duration", [5, 180, 22.5])
def test_duration_bounds_are_inclusive(example_data, duration):
    example_data["duration_s"] = duration
    assert parse_brief(example_data).duration_s == duration


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [("brand", "logo", "logo.png"), ("brand", "font", "fonts/Brand.ttf"), ("product", "images", ["can.jpg"])],
)
def test_missing_referenced_file_is_named(example_data, tmp_path, section, key, value):
    example_data[section][key] = value
    (problem,) = problems_of(example_data, base_dir=tmp_path)
    name = value[0] if isinstance(value, list) else value
    location = f"{section}.{key}.0" if isinstance(value, list) else f"{section}.{key}"
    assert problem.startswith(f"{location}: file does not exist")
    assert str(tmp_path / name) in problem


def test_every_missing_image_is_reported_with_its_index(example_data, tmp_path):
    (tmp_path / "present.jpg").write_bytes(b"jpg")
    example_data["product"]["images"] = ["a.jpg", "present.jpg", "b.jpg"]
    problems = problems_of(example_data, base_dir=tmp_path)
    assert problems == [
        f"product.images.0: file does not exist: {tmp_path / 'a.jpg'}",
        f"product.images.2: file does not exist: {tmp_path / 'b.jpg'}",
    ]


def test_a_file_inside_an_installed_package_is_named_with_package(example_data):
    brief = load_brief(EXAMPLE)
    [photo] = brief.product.images
    assert Path(photo).is_file() and Path(photo).parts[-3:] == ("skimage", "data", "coffee.png")
    example_data["product"]["images"] = ["package:no_such_package_here/a.png", "package:skimage/../../x.png",
                                         "package:skimage/data/missing.png", "package:skimage"]
    problems = problems_of(example_data)
    assert problems[0] == ("product.images.0: package 'no_such_package_here' is not installed "
                           "(pip install it, or give the file's path)")
    assert problems[1] == "product.images.1: package:skimage/../../x.png points outside the package 'skimage'"
    assert problems[2].startswith("product.images.2: file does not exist: ") and problems[2].endswith("missing.png")
    assert problems[3] == "product.images.3: write package:<package>/<path inside it>, not package:skimage"


def test_a_brand_without_colours_takes_them_from_its_product_photo(example_data):
    assert brand_colors(parse_brief(example_data)) == example_data["brand"]["colors"]  # its own, when given
    del example_data["brand"]["colors"]
    taken = brand_colors(parse_brief(example_data))  # the espresso cup of the example
    ground, surface, accent = (parse_hex(color) for color in taken)
    assert contrast_ratio(ground, NEAR_WHITE) >= 10 and contrast_ratio(surface, ground) >= 10
    assert saturation(accent) >= 0.5 and contrast_ratio(accent, ground) >= 4
    assert ground[0] > ground[2]  # a coffee brown, not a grey or a blue
    example_data["product"]["images"] = []
    assert brand_colors(parse_brief(example_data)) == list(DEFAULT_COLORS)  # nothing to take them from
    example_data["brand"]["colors"] = list(DEFAULT_COLORS)
    example_data["product"]["images"] = ["package:skimage/data/coffee.png"]
    assert brand_colors(parse_brief(example_data)) == list(DEFAULT_COLORS)  # chosen, so kept


def test_blank_fact_is_rejected(example_data):
    # A blank fact would otherwise reach the copywriter's fallback, which capitalises each fact.
    example_data["product"]["facts"] = ["no added sugar", "   "]
    (problem,) = problems_of(example_data)
    assert problem.startswith("product.facts.1: ")


def test_bad_colour_and_language(example_data):
    example_data["brand"]["colors"] = ["#2B1B17", "orange"]
    example_data["language"] = "English"
    problems = problems_of(example_data)
    assert len(problems) == 2
    assert any(p.startswith("brand.colors.1: ") for p in problems)
    assert any(p.startswith("language: ") for p in problems)


@pytest.mark.parametrize("data", [["a", "list"], "just text", 42, None])
def test_non_mapping_brief(data):
    assert problems_of(data) == ["the brief must be a mapping of keys to values"]


def test_non_mapping_yaml_file(tmp_path):
    path = write_brief(tmp_path, "- tiktok\n- instagram_reels\n")
    with pytest.raises(BriefError, match="must be a mapping") as caught:
        load_brief(path)
    assert caught.value.source == str(path)


def test_empty_yaml_file(tmp_path):
    with pytest.raises(BriefError, match="must be a mapping"):
        load_brief(write_brief(tmp_path, ""))


def test_invalid_yaml_names_the_file(tmp_path):
    path = write_brief(tmp_path, "brand: {name: Acme\nproduct: [\n")
    with pytest.raises(BriefError) as caught:
        load_brief(path)
    (problem,) = caught.value.problems
    assert problem.startswith("not valid YAML")
    assert str(path) in str(caught.value)


def test_missing_brief_file(tmp_path):
    with pytest.raises(BriefError, match="brief file does not exist"):
        load_brief(tmp_path / "absent.yaml")


def test_every_problem_is_reported_at_once_one_line_each(example_data, tmp_path):
    example_data["brand"]["logo"] = "missing-logo.png"
    example_data["brand"]["mood"] = "sunny"
    del example_data["product"]["name"]
    example_data["platforms"] = ["vine"]
    example_data["duration_s"] = 300
    example_data["variants"] = 9
    problems = problems_of(example_data, base_dir=tmp_path)
    assert len(problems) == 6, problems
    prefixes = ["brand.logo:", "brand.mood:", "product.name:", "platforms.0:", "duration_s:", "variants:"]
    for prefix in prefixes:
        assert sum(p.startswith(prefix) for p in problems) == 1, (prefix, problems)
    assert all("\n" not in problem for problem in problems)


def test_relative_paths_resolve_against_the_brief_folder(example_data, tmp_path, monkeypatch):
    brief_dir = tmp_path / "campaign"
    (brief_dir / "assets").mkdir(parents=True)
    for name in ("logo.png", "Brand.ttf", "can.jpg", "pour.jpg"):
        (brief_dir / "assets" / name).write_bytes(b"not really an image")
    data = copy.deepcopy(example_data)
    data["brand"].update(logo="assets/logo.png", font="assets/Brand.ttf")
    data["product"]["images"] = ["assets/can.jpg", "./assets/pour.jpg"]
    path = write_brief(brief_dir, data)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the working directory must not matter

    brief = load_brief(path)
    assert brief.brand.logo == str((brief_dir / "assets" / "logo.png").resolve())
    assert brief.brand.font == str((brief_dir / "assets" / "Brand.ttf").resolve())
    assert brief.product.images == [
        str((brief_dir / "assets" / "can.jpg").resolve()), str((brief_dir / "assets" / "pour.jpg").resolve()),
    ]


def test_absolute_paths_are_kept(example_data, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"png")
    example_data["brand"]["logo"] = str(logo)
    assert parse_brief(example_data, base_dir=Path("/nonexistent")).brand.logo == str(logo.resolve())


def test_duplicate_platforms_are_collapsed_in_order(example_data):
    example_data["platforms"] = ["x", "tiktok", "x"]
    assert parse_brief(example_data).platforms == ["x", "tiktok"]


def test_brief_round_trips_through_its_json_dump():
    brief = load_brief(EXAMPLE)
    assert parse_brief(brief.model_dump(mode="json")) == brief
