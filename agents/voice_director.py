"""The voice director: the script spoken scene by scene, fitted to the plan's durations.

The TTS tool speeds a line up by at most 15% to fit its scene. A line that still does not
fit goes back to the copywriter once with the word count that fits; if the rewritten line
still does not fit, the run stops with an error naming the scene and both remedies.
"""

from __future__ import annotations

from adloom.agents.brief import Brief
from adloom.agents.copywriter import VariantCopy
from adloom.agents.planner import Variant
from adloom.tools.context import ToolContext
from adloom.tools.tts import ScriptTooLongError
from adloom.tools.tts.voices import PREVIEW_LINE, VoiceChoice
from adloom.tools.tts.tool import VOICEOVER, VoiceoverRequest, VoiceoverResult, VoiceScene



class ScriptFitError(ValueError):
    """A scene's voiceover line cannot fit the scene's duration, even after a rewrite."""


def voiceover_request(brief: Brief, variant: Variant, copy: VariantCopy) -> VoiceoverRequest:
    lines = {line.scene_index: line.text for line in copy.script}
    return VoiceoverRequest(
        scenes=[VoiceScene(text=lines.get(scene.index, ""), seconds=scene.seconds) for scene in variant.scenes],
        backend=brief.voiceover.backend,
        voice=brief.voiceover.voice,
    )


def shorter_line_feedback(error: ScriptTooLongError) -> dict[str, list[str]]:
    """Copywriter feedback asking for a line that fits its scene."""
    return {"script": [
        f"line {error.scene_index + 1} takes {error.needed_seconds:.1f} s to say but its scene lasts "
        f"{error.target_seconds:.1f} s: use at most {error.suggested_max_words} words"
    ]}


def speak(brief: Brief, variant: Variant, copy: VariantCopy, tools: ToolContext) -> VoiceoverResult:
    """Synthesize the variant's script (cached per scene).

    Raises:
        ScriptTooLongError: a line does not fit its scene even at the fastest allowed rate.
        tools.tts.SilentSpeechError: the voice produced silence for a line.
    """
    return VOICEOVER(voiceover_request(brief, variant, copy), tools)


def preview_voice(choice: VoiceChoice, tools: ToolContext) -> VoiceoverResult:
    """A short sample line in ``choice``'s voice, for the marketer to hear before choosing (cached)."""
    request = VoiceoverRequest(scenes=[VoiceScene(text=PREVIEW_LINE, seconds=5.0)], backend=choice.backend,
                               voice=choice.voice)
    return VOICEOVER(request, tools)


def script_fit_error(error: ScriptTooLongError, copy: VariantCopy) -> ScriptFitError:
    line = next((item.text for item in copy.script if item.scene_index == error.scene_index), "")
    return ScriptFitError(
        f"copy.script[{error.scene_index}] ({line!r}) needs {error.needed_seconds:.1f} s but plan scene "
        f"{error.scene_index} lasts {error.target_seconds:.1f} s, even after the copywriter rewrote it; "
        f"lengthen the ad (brief duration_s) or choose a faster voice (brief voiceover.backend)"
    )
