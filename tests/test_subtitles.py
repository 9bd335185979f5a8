"""Captions: SRT/WebVTT files (shared fixtures), script alignment, segmentation rules, burn-in."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from adloom.tools.ffmpeg import run_ffmpeg
from adloom.tools.image.frame_zones import caption_band
from adloom.tools.subtitles import (
    LINE_LIMIT_BY_ASPECT,
    Caption,
    CaptionColors,
    CaptionRules,
    Cue,
    ScriptScene,
    SubtitleParseError,
    TimedWord,
    align_script,
    burn_captions,
    caption_rule_violations,
    find_overlaps,
    format_srt,
    format_vtt,
    parse_srt,
    parse_vtt,
    read_srt,
    read_vtt,
    scenes_from_durations,
    segment_captions,
    time_script_evenly,
    write_ass,
)
from adloom.tools.subtitles.ass import ass_color

PRODUCT = "Northwind Cold Brew"


# --- SRT / WebVTT against the shared fixtures -------------------------------------------------


@pytest.fixture(scope="module")
def subs(shared_data: Path) -> Path:
    return shared_data / "subtitles"


@pytest.fixture(scope="module")
def expected(subs: Path) -> dict:
    data = json.loads((subs / "EXPECTED.json").read_text("utf-8"))
    return {name: facts for source, files in data.items() if source != "_note" for name, facts in files.items()}


def _read(path: Path, encoding: str | None = None):
    return (read_srt if path.suffix == ".srt" else read_vtt)(path, encoding=encoding)


def test_sample_vtt_matches_expectations(subs: Path, expected: dict):
    facts = expected["webvtt-py/sample.vtt"]
    cues = read_vtt(subs / "webvtt-py" / "sample.vtt").cues
    assert len(cues) == facts["captions"]
    first = facts["first_caption"]
    assert (cues[0].start_ms, cues[0].end_ms) == (500, 7000)
    assert format_vtt(cues[:1]).split("\n")[2].split(" --> ") == [first["start"], first["end"]]
    assert list(cues[0].lines) == first["lines"]
    assert format_vtt(cues[2:3]).split("\n")[2] == f"{facts['caption[2]']['start']} --> {facts['caption[2]']['end']}"


def test_srt_fixtures_match_expectations(subs: Path, expected: dict):
    sample = read_srt(subs / "webvtt-py" / "sample.srt")
    assert int(sample.cues[-1].end) == expected["webvtt-py/sample.srt"]["total_length_seconds"]
    missing_text = read_srt(subs / "webvtt-py" / "missing_caption_text.srt")
    assert len(missing_text.cues) == expected["webvtt-py/missing_caption_text.srt"]["captions_after_dropping_empty"]
    assert any("no text; dropped" in issue for issue in missing_text.issues)
    for name in ("missing_timeframe.srt", "invalid_timeframe.srt"):
        assert expected[f"webvtt-py/{name}"]["error"] == "MalformedCaptionError"
        with pytest.raises(SubtitleParseError, match=rf"{name}: line \d+"):
            read_srt(subs / "webvtt-py" / name)


def test_moviepy_srts_parse_like_moviepy(subs: Path, expected: dict):
    facts = expected["moviepy_subtitles.srt"]["file_to_subtitles"]
    cues = read_srt(subs / "moviepy_subtitles.srt").cues
    assert [([c.start, c.end], c.text) for c in cues] == [(list(times), text) for times, text in facts]
    unicode = read_srt(subs / "moviepy_subtitles-unicode.srt").cues
    [[times, text]] = expected["moviepy_subtitles-unicode.srt"]["file_to_subtitles(encoding='utf-8')"]
    assert [(c.start, c.end, c.text) for c in unicode] == [(times[0], times[1], text)]


def test_cdown_srts_keep_their_indices_and_need_their_encoding(subs: Path):
    ascii_doc = read_srt(subs / "cdown-srt" / "ascii.srt")
    assert [c.identifier for c in ascii_doc.cues] == ["2", "4", "6"]
    assert format_srt(ascii_doc.cues, renumber=False).startswith("2\n00:00:27,000 --> 00:00:30,730\nascii\n")
    with pytest.raises(SubtitleParseError, match="save the file as UTF-8"):
        read_srt(subs / "cdown-srt" / "gb2312.srt")
    chinese = read_srt(subs / "cdown-srt" / "gb2312.srt", encoding="gb2312").cues
    assert len(chinese) == 3 and chinese[2].text == "轻轻一跳就能飞跃高楼"


def test_webvtt_headers_comments_styles_tags_and_settings(subs: Path):
    bom = read_vtt(subs / "webvtt-py" / "captions_with_bom.vtt")
    assert len(bom.cues) == 4 and bom.header == ["WEBVTT"]
    comments = read_vtt(subs / "webvtt-py" / "comments.vtt")
    assert len(comments.cues) == 3 and len(comments.notes) == 2
    assert comments.cues[0].lines == ("- Ta en kopp varmt te.", "- Det är inte varmt.")
    assert read_vtt(subs / "webvtt-py" / "metadata_headers.vtt").header == ["WEBVTT", "Kind: captions", "Language: en"]
    styles = read_vtt(subs / "webvtt-py" / "styles.vtt")
    assert len(styles.styles) == 2 and styles.cues[0].plain_text == "- Hello world."
    tags = read_vtt(subs / "webvtt-py" / "cue_tags.vtt").cues
    assert tags[0].start_ms == 16_500 and tags[2].plain_text == "That's amore"
    identifiers = read_vtt(subs / "webvtt-py" / "using_identifiers.vtt").cues
    assert identifiers[1].identifier == "second caption" and identifiers[3].identifier == "4"
    youtube = read_vtt(subs / "webvtt-py" / "youtube_dl.vtt").cues
    assert len(youtube) == 4 and youtube[0].settings == "align:start position:0%"
    assert youtube[1].plain_text == "yeah\nwhat"  # ends where the next timing line starts, no blank line
    assert youtube[2].plain_text == "this will happen is I'm telling"


ROUND_TRIP = [
    "webvtt-py/sample.vtt", "webvtt-py/captions_with_bom.vtt", "webvtt-py/comments.vtt", "webvtt-py/cue_tags.vtt",
    "webvtt-py/metadata_headers.vtt", "webvtt-py/styles.vtt", "webvtt-py/using_identifiers.vtt",
    "webvtt-py/youtube_dl.vtt", "webvtt-py/sample.srt", "webvtt-py/one_caption.srt",
    "webvtt-py/missing_caption_text.srt", "moviepy_subtitles.srt", "moviepy_subtitles-unicode.srt",
    "cdown-srt/ascii.srt",
]


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_fixture_round_trips(subs: Path, name: str):
    document = _read(subs / name)
    if name.endswith(".vtt"):
        again = parse_vtt(format_vtt(document.cues, header=document.header, styles=document.styles))
        assert again.header == document.header and again.styles == document.styles
    else:
        again = parse_srt(format_srt(document.cues, renumber=False))
    assert again.cues == document.cues
    # and across formats: SRT -> WebVTT -> SRT keeps times and text
    crossed = parse_srt(format_srt(parse_vtt(format_vtt(document.cues)).cues)).cues
    def essentials(cues):
        return [(c.start_ms, c.end_ms, c.lines) for c in cues]

    assert essentials(crossed) == essentials(document.cues)


def test_canonical_files_are_rewritten_byte_for_byte(subs: Path):
    for name in ("webvtt-py/sample.vtt", "webvtt-py/sample.srt"):
        original = (subs / name).read_text("utf-8")
        document = _read(subs / name)
        written = format_vtt(document.cues) if name.endswith(".vtt") else format_srt(document.cues)
        assert written == original.rstrip("\n") + "\n"


def test_crlf_bom_and_no_final_newline_parse_the_same(subs: Path):
    text = (subs / "webvtt-py" / "sample.srt").read_text("utf-8")
    messy = "\ufeff" + text.replace("\n", "\r\n").rstrip()
    assert parse_srt(messy).cues == parse_srt(text).cues


def test_one_caption_srt_converts_to_vtt(subs: Path):
    cues = read_srt(subs / "webvtt-py" / "one_caption.srt").cues
    assert format_vtt(cues) == "WEBVTT\n\n1\n00:00:00.500 --> 00:00:07.000\nCaption text #1\n"
    assert parse_vtt(format_vtt(cues)).cues[0].lines == ("Caption text #1",)


def test_overlapping_cues_are_reported():
    text = "1\n00:00:01,000 --> 00:00:03,000\nA\n\n2\n00:00:02,500 --> 00:00:04,000\nB\n"
    document = parse_srt(text, "clip.srt")
    assert find_overlaps(document.cues) == [(0, 1, 500)]
    assert document.issues == ["clip.srt: cues 1 and 2 overlap by 0.500 s"]


def test_vtt_without_header_is_rejected():
    with pytest.raises(SubtitleParseError, match="line 1: a WebVTT file starts with 'WEBVTT'"):
        parse_vtt("00:00.000 --> 00:01.000\nHi\n")


# --- segmentation rules -----------------------------------------------------------------------


def timed(text: str, start: float = 0.0, cps: float = 13.0, scene: int = 0, pause: float = 0.25) -> list[TimedWord]:
    """Words spoken at ``cps`` characters a second, pausing after punctuation."""
    words, clock = [], start
    for token in text.split():
        length = (len(token) + 1) / cps
        words.append(TimedWord(token, clock, clock + length, scene))
        clock += length + (pause if token[-1] in ".,!?" else 0.0)
    return words


def assert_complies(captions: list[Caption], words: list[TimedWord], rules: CaptionRules) -> None:
    assert caption_rule_violations(captions, rules) == []
    assert [w for c in captions for w in c.words] == list(words)  # every word once, in order
    for caption in captions:
        assert 1 <= len(caption.lines) <= rules.max_lines
        assert all(len(line) <= rules.max_chars_per_line for line in caption.lines)
        assert rules.min_seconds - 0.0015 <= caption.duration <= rules.max_seconds + 0.0015
        assert len(caption.text) <= caption.duration * rules.max_chars_per_second + 0.03
        assert len({w.scene_index for w in caption.words}) == 1
    for before, after in zip(captions, captions[1:]):
        assert before.end <= after.start + 1e-9


def test_long_sentence_is_cut_at_punctuation_within_limits():
    words = timed("Meet Northwind Cold Brew, steeped for eighteen hours from single-origin Colombian beans. "
                  "Smooth, naturally sweet, and ready when you are.")
    rules = CaptionRules(protected_phrases=[PRODUCT])
    captions = segment_captions(words, rules)
    assert_complies(captions, words, rules)
    assert len(captions) >= 3
    assert captions[0].text.endswith(("Brew,", "hours", "beans."))
    assert any(c.text.endswith("beans.") for c in captions)


def test_protected_phrase_is_never_split_even_where_a_line_would_break_it():
    # Unprotected, the most balanced two-line layout breaks inside the product name.
    words = timed(f"Say hello to the new {PRODUCT} cans for summer")
    protected = CaptionRules(protected_phrases=[PRODUCT])
    unprotected_layout = segment_captions(words, CaptionRules())
    assert caption_rule_violations(unprotected_layout, protected) == [
        f"protected phrase '{PRODUCT}' is split across lines of caption 1"
    ]
    captions = segment_captions(words, protected)
    assert_complies(captions, words, protected)
    assert any(PRODUCT in line for c in captions for line in c.lines)
    across = [Caption(0.0, 2.0, tuple(words[:6]), (6,)), Caption(2.0, 4.0, tuple(words[6:]), (len(words) - 6,))]
    assert any("split across captions [1, 2]" in p for p in caption_rule_violations(across, protected))


def test_line_limit_follows_the_aspect():
    words = timed("Fresh cold brew for the long commute, smooth and naturally sweet every single morning.")
    vertical, wide = CaptionRules.for_aspect("9:16"), CaptionRules.for_aspect("16:9")
    assert vertical.max_chars_per_line < wide.max_chars_per_line
    for rules in (vertical, wide):
        assert_complies(segment_captions(words, rules), words, rules)
    assert max(len(l) for c in segment_captions(words, wide) for l in c.lines) > vertical.max_chars_per_line


def test_short_caption_is_held_for_a_second_and_captions_never_cross_a_scene_cut():
    words = timed("Hi.", start=0.1) + timed("Cold brew, done right.", start=1.6, scene=1)
    rules = CaptionRules()
    captions = segment_captions(words, rules, scene_windows=[(0.0, 1.5), (1.5, 4.0)])
    assert_complies(captions, words, rules)
    assert captions[0].text == "Hi." and captions[0].end <= 1.5
    assert captions[1].start >= 1.5


def test_fast_speech_is_reported_not_hidden():
    words = timed("Unbelievably smooth single-origin refreshment, instantly.", cps=30.0)
    rules = CaptionRules()
    violations = caption_rule_violations(segment_captions(words, rules, scene_windows=[(0.0, 2.0)]), rules)
    assert any("reading speed" in v for v in violations)


VOCAB = (
    "coffee smooth bold morning fresh brew beans today with and the your steeped hours crafted naturally "
    "sweet recyclable cans commute energy flavour single-origin Colombian perfect every sip ready when you "
    "are extraordinarily a of to"
).split()


def random_script(rng: random.Random) -> tuple[list[TimedWord], list[tuple[float, float]]]:
    words, windows, clock = [], [], 0.0
    for scene in range(rng.randint(1, 5)):
        tokens = [rng.choice(VOCAB) for _ in range(rng.randint(1, 16))]
        if rng.random() < 0.5:
            position = rng.randint(0, len(tokens))
            tokens[position:position] = PRODUCT.split()
        tokens = [t + "," if rng.random() < 0.15 else t for t in tokens]
        tokens[-1] = tokens[-1].rstrip(",") + rng.choice([".", "!", "?", ""])
        start = clock + rng.uniform(0.0, 0.3)
        scene_words = timed(" ".join(tokens), start=start, cps=rng.uniform(9.0, 15.0), scene=scene)
        end = max(clock + 1.2, scene_words[-1].end + rng.uniform(0.2, 1.5))
        words += scene_words
        windows.append((clock, end))
        clock = end
    return words, windows


def test_rules_hold_for_many_random_scripts():
    rng = random.Random(20240611)
    for _ in range(300):
        words, windows = random_script(rng)
        aspect = rng.choice(["9:16", "16:9"])
        rules = CaptionRules.for_aspect(aspect, protected_phrases=[PRODUCT, "single-origin beans"])
        captions = segment_captions(words, rules, scene_windows=windows)
        assert_complies(captions, words, rules)
        for caption in captions:
            scene_start, scene_end = windows[caption.words[0].scene_index]
            assert scene_start - 1e-9 <= caption.start and caption.end <= scene_end + 1e-9


def test_rules_validate_their_limits():
    with pytest.raises(ValueError, match="min_seconds"):
        CaptionRules(min_seconds=7.0, max_seconds=6.0)
    with pytest.raises(ValueError, match="unknown aspect"):
        CaptionRules.for_aspect("3:2")


# --- alignment --------------------------------------------------------------------------------


class Heard:
    def __init__(self, text: str, start: float, end: float):
        self.text, self.start, self.end = text, start, end


def test_script_words_survive_recognition_errors():
    scenes = [ScriptScene("Meet Northwind Cold Brew, smooth and bold.", 0.0, 3.0),
              ScriptScene("Only $3.49 today!", 3.0, 5.0)]
    heard = [Heard("Meet", 0.1, 0.3), Heard("North", 0.3, 0.55), Heard("wind", 0.55, 0.8), Heard("Gold", 0.8, 1.0),
             Heard("Brew,", 1.0, 1.3), Heard("smooth", 1.4, 1.7), Heard("bold.", 1.9, 2.3),  # "and" missed
             Heard("Only", 3.1, 3.3), Heard("3.49", 3.3, 3.9), Heard("today", 3.9, 4.3), Heard("uh", 4.35, 4.4)]
    words = align_script(scenes, heard)
    assert [w.text for w in words] == "Meet Northwind Cold Brew, smooth and bold. Only $3.49 today!".split()
    by_text = {w.text: w for w in words}
    assert (by_text["Northwind"].start, by_text["Northwind"].end) == (0.3, 0.8)  # joined "North wind"
    assert by_text["Cold"].source == "asr" and by_text["Cold"].start == 1.0 - 0.2
    assert by_text["and"].source == "interpolated" and 1.7 <= by_text["and"].start <= by_text["and"].end <= 1.9
    assert by_text["$3.49"].start == 3.3
    for before, after in zip(words, words[1:]):
        assert before.end <= after.start + 1e-9
    assert all(scenes[w.scene_index].start <= w.start <= w.end <= scenes[w.scene_index].end for w in words)


def test_words_outside_their_scene_are_clamped_and_unheard_scenes_are_spread():
    scenes = scenes_from_durations(["Hello there.", "Nothing heard here at all."], [2.0, 3.0], [1.0, 2.5])
    heard = [Heard("Hello", 0.0, 0.4), Heard("there.", 0.4, 2.6)]  # runs past the cut
    words = align_script(scenes, heard)
    assert words[1].end == 2.0
    second = [w for w in words if w.scene_index == 1]
    assert second[0].start == pytest.approx(2.0) and second[-1].end == pytest.approx(4.5)
    assert [w.source for w in second] == ["interpolated"] * 5


def test_script_timing_without_audio_spreads_words_over_each_scene():
    scenes = scenes_from_durations(["One two three.", "Four."], [3.0, 2.0])
    words = time_script_evenly(scenes)
    assert words[0].start == 0.0 and words[2].end == pytest.approx(3.0) and words[3].start == pytest.approx(3.0)


# --- real voice -> recognition -> captions -----------------------------------------------------


@pytest.mark.slow
def test_voiceover_to_captions_carries_the_exact_script(tool_context):
    """TTS -> ASR -> alignment through the tools: captions show the script even where ASR errs."""
    from adloom.tools.registry import load_tools

    tools = load_tools(plugins=False)
    lines = [("Meet Northwind Cold Brew.", 2.5), ("Steeped for eighteen hours from Colombian beans.", 4.5),
             ("No added sugar. Grab a can today!", 3.5)]
    voice = tools["tts.voiceover"].run(
        {"scenes": [{"text": t, "seconds": s} for t, s in lines], "backend": "hibari"}, tool_context
    )
    result = tools["subtitles.build"].run({
        "scenes": [{"text": t, "seconds": s, "speech_seconds": v.speech_seconds}
                   for (t, s), v in zip(lines, voice.scenes)],
        "voiceover": voice.voiceover.model_dump(), "product_name": PRODUCT, "brand_name": "Northwind",
    }, tool_context)
    script_words = " ".join(t for t, _ in lines).split()
    assert [w.text for c in result.captions for w in c.words] == script_words
    srt_words = " ".join(c.plain_text for c in read_srt(result.srt.path).cues).split()
    assert srt_words == script_words  # whatever ASR heard ("18", "North Wing"), captions read the script
    assert " ".join(c.plain_text for c in read_vtt(result.vtt.path).cues).split() == script_words
    assert result.timing == "asr" and result.rule_violations == []
    times = [(w.start, w.end) for c in result.captions for w in c.words]
    assert all(a[1] <= b[0] + 1e-9 for a, b in zip(times, times[1:]))
    assert 0.0 <= times[0][0] and times[-1][1] <= voice.duration_s
    assert all(0.0 <= c.start < c.end <= voice.duration_s for c in result.captions)
    assert set(result.ass) == {"classic", "highlight"}
    heard_words = result.recognised_text.lower().split()
    matched = sum(w.source == "asr" for c in result.captions for w in c.words)
    assert matched >= 0.7 * len(script_words) and heard_words


# --- burned-in styles -------------------------------------------------------------------------


def _frame(video: Path, at: float, size: tuple[int, int], scratch: Path) -> np.ndarray:
    raw = scratch / f"{video.stem}-{at}.rgb"
    run_ffmpeg(["-ss", str(at), "-i", str(video), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", str(raw)])
    return np.frombuffer(raw.read_bytes(), dtype=np.uint8).reshape(size[1], size[0], 3).astype(int)


@pytest.mark.parametrize("style", ["classic", "highlight"])
def test_ass_styles_render_with_libass(style: str, tmp_path: Path, shared_data: Path):
    size = (270, 480)
    background = tmp_path / "background.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=0x204060:s={size[0]}x{size[1]}:d=2:r=10",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", str(background)])
    words = timed(f"Meet {PRODUCT} today.", start=0.2, cps=12.0)
    rules = CaptionRules(protected_phrases=[PRODUCT])
    captions = segment_captions(words, rules, scene_windows=[(0.0, 2.0)])
    font = shared_data / "brand" / "fonts" / "OpenSans-Bold.ttf"
    accent = "#FF2020"
    ass = write_ass(captions, style=style, video_size=size, out_path=tmp_path / f"{style}.ass", font_path=font,
                    colors=CaptionColors(highlight=accent))
    text = ass.read_text("utf-8")
    assert "PlayResX: 270" in text and "Open Sans" in text
    assert (ass_color(accent) in text.split("[Events]")[1]) == (style == "highlight")
    burned = burn_captions(background, ass, tmp_path / f"{style}.mp4", fonts_dir=font.parent)
    before = _frame(background, 1.0, size, tmp_path)
    after = _frame(burned, 1.0, size, tmp_path)
    changed = np.abs(after - before).sum(axis=2) > 60
    rows = np.nonzero(changed.any(axis=1))[0]
    assert changed.sum() > 200  # text was drawn
    assert rows.min() > size[1] * 0.4 and rows.max() < size[1] * 0.9  # in the lower safe area, above the UI bar
    reddish = (after[..., 0] > 170) & (after[..., 1] < 110) & (after[..., 2] < 110)
    assert (reddish.sum() > 20) == (style == "highlight")


def test_ass_writer_checks_its_inputs(tmp_path: Path):
    captions = segment_captions(timed("Hello."), CaptionRules())
    with pytest.raises(ValueError, match="unknown caption style"):
        write_ass(captions, style="karaoke",  # type: ignore[arg-type]
                  video_size=(100, 100), out_path=tmp_path / "x.ass")
    with pytest.raises(ValueError, match="#RRGGBB"):
        ass_color("red")
    assert ass_color("#D9822B") == "&H002B82D9"


def test_subtitles_tool_without_audio_times_captions_from_the_script(tool_context):
    from adloom.tools.registry import load_tools

    result = load_tools(plugins=False)["subtitles.build"].run({
        "scenes": [{"text": f"Meet {PRODUCT}, smooth and bold.", "seconds": 3.0},
                   {"text": "Grab a can today!", "seconds": 2.0}],
        "product_name": PRODUCT, "aspect": "16:9", "styles": ["classic"],
    }, tool_context)
    assert result.timing == "script" and set(result.ass) == {"classic"}
    cues = read_srt(result.srt.path).cues
    assert " ".join(" ".join(c.plain_text for c in cues).split()) == f"Meet {PRODUCT}, smooth and bold. Grab a can today!"
    assert cues[-1].end <= 5.0 and result.rule_violations == []
    assert "PlayResX: 1920" in Path(result.ass["classic"].path).read_text("utf-8")


def test_cue_helpers():
    cue = Cue(1500, 2750, ("<b>Hi</b> &amp; bye",))
    assert (cue.start, cue.end, cue.plain_text) == (1.5, 2.75, "Hi & bye")


@pytest.mark.parametrize("keep_clear", [True, False])
def test_burned_captions_move_off_the_text_the_video_shows(keep_clear: bool, tmp_path: Path, shared_data: Path):
    """A band of the scene's own text where the captions would sit: they burn above or below it."""
    size = (270, 480)
    default = caption_band("9:16", *size)  # where the captions sit by default
    band = (0.05, default.y0 / size[1], 0.95, default.y1 / size[1])
    background = tmp_path / "scene.mp4"
    top, bottom = round(band[1] * size[1]), round(band[3] * size[1])
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=0x204060:s={size[0]}x{size[1]}:d=2:r=10",
                "-vf", f"drawbox=x=0:y={top}:w={size[0]}:h={bottom - top}:color=0x000000:t=fill",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", str(background)])
    captions = segment_captions(timed(f"Meet {PRODUCT} today.", start=0.2, cps=12.0),
                                CaptionRules(protected_phrases=[PRODUCT]), scene_windows=[(0.0, 2.0)])
    font = shared_data / "brand" / "fonts" / "OpenSans-Bold.ttf"
    ass = write_ass(captions, style="highlight", video_size=size, out_path=tmp_path / "captions.ass", font_path=font,
                    keep_clear=[(0.0, 2.0, band)] if keep_clear else [])
    burned = burn_captions(background, ass, tmp_path / "burned.mp4", fonts_dir=font.parent)
    after = _frame(burned, 1.0, size, tmp_path)
    white = (after > 200).all(axis=2)
    rows = np.nonzero(white.any(axis=1))[0]
    assert white.sum() > 80  # the captions were drawn
    inside = ((rows >= top) & (rows < bottom)).any()
    assert inside != keep_clear  # off the band when told where it is; on it otherwise
    if keep_clear:
        assert rows.max() < size[1] * 0.8  # and still above the platform's bottom controls


@pytest.mark.parametrize("font_name", [None, "OpenSans-Bold.ttf"])
def test_captions_burn_at_the_em_size_the_layout_chose(font_name: str | None, tmp_path: Path, shared_data: Path):
    """libass sizes a face by its winAscent + winDescent, taller than its em: the writer makes up the
    difference, so a capital letter stands its cap height times the aspect's caption size."""
    from adloom.tools.image.frame_zones import caption_font_px

    size = (540, 960)
    background = tmp_path / "background.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=black:s={size[0]}x{size[1]}:d=1:r=10",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", str(background)])
    captions = segment_captions(timed("HEH HEH.", start=0.0, cps=4.0), CaptionRules(), scene_windows=[(0.0, 1.0)])
    font = shared_data / "brand" / "fonts" / font_name if font_name else None
    ass = write_ass(captions, style="classic", video_size=size, out_path=tmp_path / "c.ass", font_path=font,
                    max_chars_per_line=LINE_LIMIT_BY_ASPECT["9:16"])
    burned = burn_captions(background, ass, tmp_path / "c.mp4", fonts_dir=font.parent if font else None)
    lit = _frame(burned, 0.5, size, tmp_path).min(axis=2) > 200  # the white fill, not the dark outline
    rows = np.nonzero(lit.any(axis=1))[0]
    em = caption_font_px("9:16", size[1])
    cap_height = {None: 1493 / 2048, "OpenSans-Bold.ttf": 1462 / 2048}[font_name]  # the fonts' OS/2 sCapHeight
    assert rows.max() - rows.min() + 1 == pytest.approx(cap_height * em, abs=2)
