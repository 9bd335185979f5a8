"""What the ASR capability raises."""


class ASRBackendError(RuntimeError):
    """The configured ASR backend or model cannot be used here."""
