"""What the video capability raises; each message names the setting or field to change."""


class VideoBackendError(ValueError):
    """The ``[video]`` settings or a request cannot be used; the message names the field."""


class VideoBackendNotSelected(VideoBackendError):
    """A tool was called for a ``[video] backend`` it does not serve."""
