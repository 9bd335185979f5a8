"""Clip descriptions from any OpenAI-compatible multimodal endpoint (vLLM, Ollama, OpenAI).

The spatial frame and the temporal frames are sent as ``image_url`` content parts (JPEG
data URLs) in one user message through LangChain's :class:`ChatOpenAI`; the reply is the
description. The same loopback guard as the LLM tool applies: with
``adloom.tools.llm.openai_compatible.ALLOW_MODEL_REQUESTS`` False only a loopback endpoint is
called.
"""

from __future__ import annotations

import base64
from pathlib import Path

from pydantic import SecretStr

from adloom.tools.config import FootageSettings
from adloom.tools.llm import openai_compatible
from adloom.tools.llm.backend import LLMError
from adloom.tools.llm.prompts import load_prompt
from adloom.tools.vision.description import ClipDescription, ClipInput

_UNUSED_LOCAL_KEY = "unused-local-key"
_MAX_DESCRIPTION_CHARS = 600


def _data_url(path: str) -> str:
    encoded = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f"data:image/jpeg;base64,{encoded}"


class OpenAIVisionDescriber:
    """Describes a clip by showing its frames to a multimodal chat model."""

    name = "openai"

    def __init__(self, *, model: str, base_url: str | None, api_key: SecretStr | None = None, timeout_s: float = 120.0):
        """Prepare the client; nothing is sent until :meth:`describe`.

        Raises:
            ValueError: no model name.
            tools.llm.openai_compatible.LLMAuthenticationError: no key for a non-loopback endpoint.
        """
        if not model:
            raise ValueError("[footage] vlm_model: the openai describer needs the multimodal model name the "
                             "endpoint serves (ADLOOM_FOOTAGE__VLM_MODEL)")
        self.base_url = (base_url or openai_compatible.DEFAULT_BASE_URL).rstrip("/")
        if api_key is None or not api_key.get_secret_value():
            if not openai_compatible.is_loopback_url(self.base_url):
                raise openai_compatible.LLMAuthenticationError(
                    f"no API key for the vision endpoint {self.base_url}: set ADLOOM_FOOTAGE__VLM_API_KEY"
                )
            api_key = SecretStr(_UNUSED_LOCAL_KEY)
        from langchain_openai import ChatOpenAI

        self.model_id = model
        self._chat = ChatOpenAI(
            model=model, base_url=self.base_url, api_key=api_key, timeout=timeout_s, max_retries=2,
            use_responses_api=False, temperature=0.2, max_tokens=160,
        )

    @classmethod
    def from_settings(cls, settings: FootageSettings) -> OpenAIVisionDescriber:
        return cls(model=settings.vlm_model, base_url=settings.vlm_base_url, api_key=settings.vlm_api_key)

    def describe(self, clip: ClipInput) -> ClipDescription:
        """Send the clip's frames and return the model's description.

        Raises:
            openai_compatible.RemoteModelRequestBlocked: the guard is on and the endpoint is remote.
            LLMError: the endpoint failed or replied with nothing.
        """
        if not openai_compatible.ALLOW_MODEL_REQUESTS and not openai_compatible.is_loopback_url(self.base_url):
            raise openai_compatible.RemoteModelRequestBlocked(
                f"request to {self.base_url} blocked: ALLOW_MODEL_REQUESTS is False"
            )
        from langchain_core.messages import HumanMessage

        content: list[dict] = [
            {"type": "text", "text": load_prompt("footage_describe_clip", temporal_count=len(clip.temporal))},
            {"type": "image_url", "image_url": {"url": _data_url(clip.spatial.path), "detail": "high"}},
            *(
                {"type": "image_url", "image_url": {"url": _data_url(ref.path), "detail": "low"}}
                for ref in clip.temporal
            ),
        ]
        try:
            reply = self._chat.invoke([HumanMessage(content=content)])
        except Exception as exc:  # openai's exception family; re-raised with the endpoint named
            raise LLMError(f"vision endpoint {self.base_url} (model {self.model_id}) failed: {exc}") from exc
        text = reply.content if isinstance(reply.content, str) else " ".join(
            part.get("text", "") for part in reply.content if isinstance(part, dict)
        )
        text = " ".join(text.split())[:_MAX_DESCRIPTION_CHARS]
        if not text:
            raise LLMError(f"vision endpoint {self.base_url} returned an empty description for clip {clip.clip_id}")
        return ClipDescription(clip_id=clip.clip_id, text=text, basis=["vlm"], backend=f"openai:{self.model_id}")
