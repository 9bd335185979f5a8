"""The ``[server]`` settings section and the rule for which addresses may listen without a token."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field, SecretStr

UPLOAD_CAP_BYTES = 10 * 1024 * 1024
FOOTAGE_CAP_BYTES = 500 * 1024 * 1024
MULTIPART_OVERHEAD_BYTES = 256 * 1024  # form fields and part headers around an uploaded file


class ServerSettings(BaseModel):
    """``[server]`` in adloom.toml (``ADLOOM_SERVER__TOKEN`` and so on)."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(default="127.0.0.1", description="Address to listen on; not loopback needs a token.")
    port: int = Field(default=8000, ge=1, le=65535)
    token: SecretStr | None = Field(default=None, min_length=16, description="Bearer token every request must carry.")
    max_body_bytes: int = Field(default=UPLOAD_CAP_BYTES + 256 * 1024, ge=1024, description="Largest request body.")
    max_upload_bytes: int = Field(default=UPLOAD_CAP_BYTES, ge=1024, description="Largest uploaded file.")
    max_footage_bytes: int = Field(
        default=FOOTAGE_CAP_BYTES, ge=1024,
        description="Largest raw footage file (POST /api/footage/uploads, the only route whose body may be this big).",
    )
    rate_limit_per_minute: int = Field(default=240, ge=1, description="Requests per client address per minute.")
    failed_logins_per_minute: int = Field(
        default=10, ge=1,
        description="Wrong tokens per client address per minute; past it every request is refused (429) "
                    "before the token is even compared.",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names (besides loopback and the listen address) the server answers to, "
                    "e.g. the name of a reverse proxy in front of it.",
    )
    allow_private_pages: bool = Field(
        default=False,
        description="Let briefs be read from pages on private or loopback addresses (POST /api/briefs/from-page "
                    "with allow_private, links pasted in the chat); off, callers cannot make the server reach them.",
    )

    @property
    def max_footage_body_bytes(self) -> int:
        """The body limit of the footage upload route: one file of ``max_footage_bytes`` plus the form."""
        return self.max_footage_bytes + MULTIPART_OVERHEAD_BYTES


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")


def allowed_host_names(server: ServerSettings) -> frozenset[str] | None:
    """The Host names requests may carry, or None when any is accepted.

    Loopback names always; the listen address and ``allowed_hosts`` too. A server on a
    wildcard address with a token and no ``allowed_hosts`` cannot know the names it is
    reached by, so it accepts any: the token protects it (and a cookie set for one host
    name is never sent to another, which is what DNS rebinding needs).
    """
    if server.host in WILDCARD_ADDRESSES and server.token is not None and not server.allowed_hosts:
        return None
    names = {*LOOPBACK_NAMES, *(name.lower() for name in server.allowed_hosts)}
    if server.host not in WILDCARD_ADDRESSES:
        names.add(server.host.lower())
    return frozenset(names)


class InsecureListenError(ValueError):
    """Listening beyond loopback without a token."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen_address(host: str, server: ServerSettings) -> None:
    """Refuse to serve on a non-loopback address without a configured token.

    Raises:
        InsecureListenError: naming the setting to add.
    """
    if not is_loopback(host) and server.token is None:
        raise InsecureListenError(
            f"refusing to listen on {host}: set a token of 16+ characters in [server] token "
            "(or ADLOOM_SERVER__TOKEN) to serve beyond loopback; every request must then carry it"
        )
