"""Load prompt templates from the ``prompts`` package: the project's one way to read them.

A prompt is ``prompts/<name>.md``. Placeholders are ``$name`` or ``${name}``
(:class:`string.Template`), so JSON braces in a prompt need no escaping; a literal
dollar sign is written ``$$``.
"""

from __future__ import annotations

import importlib.resources
from string import Template

PROMPT_PACKAGE = "adloom.prompts"
PROMPT_FOLDER = "prompts"
"""Where the prompt files are in the repository, as messages name them."""


class PromptError(LookupError):
    """A prompt file is missing, or its placeholders do not match the values given."""


def load_prompt(name: str, **values: object) -> str:
    """The text of ``prompts/<name>.md`` with its ``$placeholders`` filled from ``values``.

    Args:
        name: file name without ``.md``, e.g. ``"fix_invalid_json"``.
        **values: one value per placeholder; each is inserted with ``str()``.

    Raises:
        PromptError: the file does not exist (the message lists the prompts that do), a
            placeholder has no value, a value matches no placeholder, or the file has a
            malformed ``$``.
    """
    folder = importlib.resources.files(PROMPT_PACKAGE)
    resource = folder.joinpath(f"{name}.md")
    if not resource.is_file():
        known = sorted(item.name[:-3] for item in folder.iterdir() if item.name.endswith(".md"))
        raise PromptError(
            f"no prompt file {PROMPT_FOLDER}/{name}.md; known prompts: {', '.join(known) or 'none'}"
        )
    template = Template(resource.read_text(encoding="utf-8"))
    if not template.is_valid():
        raise PromptError(
            f"{PROMPT_FOLDER}/{name}.md has a '$' that starts no valid placeholder; "
            "write a literal dollar sign as '$$'"
        )
    placeholders = set(template.get_identifiers())
    missing = sorted(placeholders - set(values))
    unused = sorted(set(values) - placeholders)
    if missing:
        raise PromptError(f"{PROMPT_FOLDER}/{name}.md needs a value for: {', '.join(missing)}")
    if unused:
        raise PromptError(
            f"{PROMPT_FOLDER}/{name}.md has no placeholder for: {', '.join(unused)} "
            f"(its placeholders: {', '.join(sorted(placeholders)) or 'none'})"
        )
    return template.substitute({key: str(value) for key, value in values.items()})
