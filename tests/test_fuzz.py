"""Generated malformed inputs (Hypothesis): every one is refused with the module's own
error, one line per problem; the API never answers 500; nothing partial is written.

Each property names the one exception type a bad input may raise; anything else (a
RecursionError, a KeyError, an OverflowError from the database) fails the test with the
input that caused it.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from adloom.api.app import create_app
from adloom.api.security import host_name
from adloom.api.settings import LOOPBACK_NAMES
from adloom.config import ConfigError, Settings, load_settings
from adloom.agents.brief import BriefError, load_brief, parse_brief
from adloom.tools.editor.inputs import MediaInputError, probe_input, require_image
from adloom.tools.editor.user_captions import read_subtitle_file
from adloom.tools.image.inputs import ImageInputError, load_image
from adloom.tools.scrape.feeds import parse_feed
from adloom.tools.scrape.items import ParseError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])

# --- values that break parsers ----------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["", "\x00", "../../etc/passwd", "🚀" * 3, "9:16", "tiktok", "#FFFFFF", "x" * 3000]),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=20)
BRIEF_KEYS = ["brand", "product", "audience", "platforms", "duration_s", "aspect", "variants", "language",
              "trend", "voiceover", "media"]
brief_like = st.fixed_dictionaries({}, optional={
    "brand": st.one_of(json_values, st.fixed_dictionaries({"name": st.text(max_size=90)}, optional={
        "colors": st.lists(st.text(max_size=8), max_size=3), "logo": st.text(max_size=20),
        "font": st.text(max_size=20)})),
    "product": st.one_of(json_values, st.fixed_dictionaries(
        {"name": st.text(max_size=130), "description": st.text(max_size=50)},
        optional={"facts": st.lists(st.text(max_size=30), max_size=5), "images": st.lists(st.text(max_size=10))})),
    **{key: json_values for key in BRIEF_KEYS[2:]},
})


def one_line_problems(problems: list[str]) -> None:
    assert problems, "a refusal without a reason"
    for problem in problems:
        assert problem.strip() and "\n" not in problem and "Traceback" not in problem, problem


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*")}


# --- briefs ------------------------------------------------------------------------------------


@FUZZ
@given(data=brief_like)
@example(data={"brand": {"\n": None}})  # found by this test: the key split the problem line
@example(data={"product": {"name": "P", "description": "d", "images": ["~0"]}})  # found: RuntimeError
@example(data={"brand": {"name": "a\x00b"}, "product": {"name": "P", "description": "d\x00"}})
def test_generated_brief_data_is_valid_or_refused_line_by_line(data):
    try:
        parse_brief(data, base_dir=Path(tempfile.gettempdir()))
    except BriefError as exc:
        one_line_problems(exc.problems)


@FUZZ
@given(text=st.one_of(
    st.text(max_size=400),
    st.builds(lambda data: yaml.safe_dump(data, allow_unicode=True), brief_like),
    st.builds(lambda depth, opener: "brand: " + opener * depth, st.integers(1, 3000), st.sampled_from(["[", "{", "- "])),
    st.builds(lambda key, n: "".join(f"{key}: {i}\n" for i in range(n)), st.sampled_from(BRIEF_KEYS), st.integers(2, 4)),
    st.sampled_from(["a: &a [*a]", "x: !!python/object/apply:os.system ['true']", "duration_s: .nan",
                     "? [a, b]\n: 1", "brand: {name: A}\nproduct: {name: P, description: d}\nduration_s: 1e400"]),
))
@example(text="x: " + "[" * 1000 + "]" * 1000)
def test_generated_brief_files_are_valid_or_refused_line_by_line(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "brief.yaml"
        path.write_text(text, encoding="utf-8")
        before = files_under(Path(folder))
        try:
            load_brief(path)
        except BriefError as exc:
            one_line_problems(exc.problems)
        assert files_under(Path(folder)) == before  # reading a brief writes nothing


@FUZZ
@given(data=st.binary(max_size=300))
def test_brief_bytes_that_are_not_text_are_refused(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "brief.yaml"
        path.write_bytes(data)
        try:
            load_brief(path)
        except BriefError as exc:
            one_line_problems(exc.problems)


# --- configuration -----------------------------------------------------------------------------

toml_lines = st.lists(st.one_of(
    st.sampled_from(['data_dir = ""', 'database_url = "mysql://x"', "[llm]", "[server]", "port = 70000",
                     "port = 0", 'backend = "nope"', "[tts]", "[video]", 'model = "\\u0000"', "[runs]",
                     "lease_s = -1", "lease_s = nan", "context_size = 1e309", "x = " + "[" * 2000,
                     "[[server]]", "token = 'short'", "a = 1\na = 2", 'host = "0.0.0.0"']),
    st.text(max_size=30),
), max_size=8)


@FUZZ
@given(lines=toml_lines)
def test_generated_configs_load_or_are_refused_line_by_line(lines, monkeypatch):
    for name in [name for name in os.environ if name.startswith("ADLOOM_")]:
        monkeypatch.delenv(name)
    with tempfile.TemporaryDirectory() as folder:
        monkeypatch.setenv("ADLOOM_DATA_DIR", folder)
        path = Path(folder) / "adloom.toml"
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            load_settings(path)
        except ConfigError as exc:
            for line in str(exc).splitlines():
                assert "Traceback" not in line and line.strip()


# --- subtitle files, media, feeds ----------------------------------------------------------------

srt_like = st.builds(
    lambda cues: "\n\n".join(cues),
    st.lists(st.builds(lambda n, a, b, text: f"{n}\n{a} --> {b}\n{text}",
                       st.one_of(st.integers(-5, 10**20).map(str), st.text(max_size=5)),
                       st.one_of(st.sampled_from(["00:00:00,000", "99:99:99,999", "00:00:01.500", "-1:00:00,000"]),
                                 st.text(max_size=12)),
                       st.one_of(st.sampled_from(["00:00:02,000", "00:00:00,000", "10:00:00,000"]), st.text(max_size=12)),
                       st.text(max_size=60)), max_size=6),
)


@FUZZ
@given(content=st.one_of(srt_like, st.builds(lambda body: "WEBVTT\n\n" + body, srt_like), st.binary(max_size=200)),
       suffix=st.sampled_from([".srt", ".vtt", ".txt"]))
def test_generated_subtitle_files_parse_or_are_refused(content, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"captions{suffix}"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        try:
            read_subtitle_file(path)
        except MediaInputError as exc:
            one_line_problems([str(exc).splitlines()[0]])


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


@FUZZ
@given(data=st.one_of(st.binary(max_size=400), st.builds(lambda head, cut: head[:cut], st.just(_png((40, 30))),
                                                        st.integers(0, 200)),
                      st.builds(lambda tail: b"\x89PNG\r\n\x1a\n" + tail, st.binary(max_size=300))))
def test_generated_image_bytes_decode_or_are_refused(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "photo.png"
        path.write_bytes(data)
        try:
            load_image("product.images[0]", path)
        except ImageInputError as exc:
            assert str(exc).startswith("product.images[0]: ")
        try:
            require_image(path, "images[0]")
        except MediaInputError as exc:
            assert str(exc).startswith("images[0]: ")


@FUZZ
@given(data=st.binary(max_size=400))
def test_generated_media_bytes_probe_or_are_refused(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        path.write_bytes(b"\x00\x00\x00\x18ftypisom" + data)
        try:
            probe_input(path, "clips[0]")
        except MediaInputError as exc:
            assert str(exc).startswith("clips[0]: ")


@FUZZ
@given(body=st.one_of(
    st.binary(max_size=300),
    st.builds(lambda items: ("<?xml version='1.0'?><rss version='2.0'><channel>" + "".join(
        f"<item><title>{t}</title><link>{link}</link></item>" for t, link in items) + "</channel></rss>").encode(
        "utf-8", "surrogatepass"), st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20)), max_size=3)),
    st.builds(lambda doc: json.dumps(doc).encode(), json_values),
))
@example(body=b"")  # found by this test: AttributeError
def test_generated_feeds_parse_or_are_refused(body):
    try:
        entries = parse_feed(body, "https://example.com/feed")
    except ParseError as exc:
        assert str(exc).strip()
        return
    assert all(entry.title for entry in entries)


# --- API requests --------------------------------------------------------------------------------

path_segments = st.one_of(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#"), max_size=12),
                          st.integers(-(2**70), 2**70).map(str),
                          st.sampled_from(["..", "%2e%2e", "%00", "adloom.db", "checkpoints.sqlite", "scratch",
                                           str(2**63), str(2**64), "-1", "0", "1e3"]))
ROUTES = ["/api/runs/{}", "/api/brands/{}", "/api/campaigns/{}", "/api/assets/{}/content", "/api/files/{}",
          "/api/files/assets/{}", "/api/runs/{}/events?after={}", "/api/threads/{}", "/api/assets?run_id={}",
          "/api/runs?limit={}"]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    data = tmp_path_factory.mktemp("fuzz") / "data"
    app = create_app(Settings(data_dir=data, server={"rate_limit_per_minute": 100000}))
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        yield client, data


def assert_client_error(response) -> None:
    assert response.status_code < 500, (response.request.method, response.request.url, response.text[:300])
    if response.status_code >= 400:
        detail = response.json().get("detail")
        assert isinstance(detail, str) and detail.strip() and "Traceback" not in detail, response.text[:300]


@FUZZ
@given(route=st.sampled_from(ROUTES), first=path_segments, second=path_segments)
@example(route="/api/brands/{}", first=str(2**63), second="")
@example(route="/api/files/{}", first="%00", second="")
def test_generated_get_requests_never_answer_500(api, route, first, second):
    client, _ = api
    from urllib.parse import quote

    url = route.format(quote(first, safe="%"), quote(second, safe="%"))
    if not url.startswith("/api/threads/") or first:
        assert_client_error(client.get(url))


@FUZZ
@given(route=st.sampled_from(["/api/assemble", "/api/brands", "/api/threads", "/api/footage", "/api/session"]),
       body=json_values)
def test_generated_json_bodies_never_answer_500(api, route, body):
    client, data = api
    if route == "/api/threads":  # a valid message would start a chat turn; keep to what is refused
        body = {"message": body} if not isinstance(body, str) else {"message": "", "attachments": [body]}
    response = client.post(route, content=json.dumps(body), headers={"content-type": "application/json"})
    assert_client_error(response)


@FUZZ
@given(content=st.one_of(st.binary(max_size=500), st.builds(lambda tail: b"\x89PNG\r\n\x1a\n" + tail,
                                                           st.binary(max_size=400))),
       name=st.one_of(st.text(max_size=20), st.sampled_from(["a.png", "../a.png", "a\x00.png", ".a.png"])),
       purpose=st.sampled_from(["product_photo", "logo", "music", "font", "clip", "voice", "nope"]))
def test_generated_uploads_never_answer_500_and_leave_no_partial_file(api, content, name, purpose):
    client, data = api
    response = client.post("/api/uploads", data={"purpose": purpose}, files={"file": (name, content, "image/png")})
    assert_client_error(response)
    leftovers = [path for path in (data / "assets").rglob("*") if path.name.startswith(".")] \
        if (data / "assets").exists() else []
    assert leftovers == []
    scratch = data / "scratch"
    assert not scratch.exists() or not any(scratch.iterdir())


HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30)


@FUZZ
@given(host=st.one_of(HEADER_TEXT, st.sampled_from(["attacker.example", "127.0.0.1.evil", "[::1", "localhost:x"])),
       origin=st.one_of(st.none(), HEADER_TEXT, st.sampled_from(["null", "http://evil.example", "http://127.0.0.1"])))
def test_generated_hosts_and_origins_never_answer_500(api, host, origin):
    client, _ = api
    headers = {"host": host}
    if origin is not None:
        headers["origin"] = origin
    response = client.post("/api/brands", json={"brand": {}, "product": {}}, headers=headers)
    assert_client_error(response)
    if host_name(host) not in LOOPBACK_NAMES:
        assert response.status_code == 400 and "is not served here" in response.json()["detail"]
