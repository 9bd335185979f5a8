"""``adloom models …``: preparing local model files offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from adloom.console import ConfigOption, err, fail_input, out, settings_or_exit

models_app = typer.Typer(no_args_is_help=True, help="Prepare local model files (offline).")

@models_app.command("convert-whisper")
def convert_whisper(
    folder: Annotated[
        Optional[Path],
        typer.Argument(help="A CTranslate2 Whisper folder (model.bin, config.json); default: the packaged Whisper base."),
    ] = None,
    target: Annotated[
        Optional[Path], typer.Option("--out", help="The .pt checkpoint to write (default: <data_dir>/models/).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Convert CTranslate2 Whisper weights into an openai-whisper checkpoint for [asr] backend = 'openai-whisper'."""
    from adloom.tools.asr.whisper_conversion import (
        PACKAGED_CHECKPOINT,
        WhisperConversionError,
        convert_ctranslate2_whisper,
    )
    from adloom.tools.asr.whisper_files import WhisperFilesError, packaged_whisper_base

    settings = settings_or_exit(config)
    models_dir = settings.data_dir / "models"
    if folder is not None and not (folder / "model.bin").is_file():
        fail_input([f"{folder}: not a CTranslate2 Whisper folder (no model.bin in it)"])
    if target is not None and target.suffix != ".pt":
        fail_input([f"--out {target}: the checkpoint file name must end in .pt"])
    if target is None:
        target = models_dir / (PACKAGED_CHECKPOINT if folder is None else f"{folder.resolve().name}.pt")
    try:
        with err.status("converting Whisper weights…"):
            source = packaged_whisper_base(models_dir) if folder is None else folder
            convert_ctranslate2_whisper(source, target)
    except WhisperConversionError as exc:
        fail_input([str(exc)])
    except (WhisperFilesError, OSError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    out.print(f"checkpoint: {target}", highlight=False)
    out.print(f'use it with: [asr] backend = "openai-whisper", model = "{target}"', markup=False, highlight=False)
