"""Converting CTranslate2 Whisper weights into an openai-whisper ``.pt`` checkpoint, offline.

A CTranslate2 ``model.bin`` holds the same tensors as the original checkpoint under
other names (attention projections fused: ``q|k|v`` in self-attention, ``k|v`` in
cross-attention, with a zero key bias, which Whisper does not have). This module reads
the binary format (``ctranslate2/specs/model_spec.py``, binary version 6), renames and
splits the tensors, infers the model dimensions from their shapes and writes the
``{"dims": ..., "model_state_dict": ...}`` checkpoint ``whisper.load_model`` reads,
plus the alignment heads from ``config.json`` (used for word timestamps).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import struct
import tempfile
from pathlib import Path

import numpy as np
import torch

from adloom.tools.asr.whisper_files import MODEL_BIN_SHA256, packaged_whisper_base

SUPPORTED_BINARY_VERSION = 6
_NUMPY_TYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: np.uint16}
_BFLOAT16 = 5
PACKAGED_CHECKPOINT = f"whisper-base-openai-{MODEL_BIN_SHA256[:16]}.pt"


class WhisperConversionError(ValueError):
    """The folder is not a CTranslate2 Whisper model this converter understands."""


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def unpack(self, fmt: str) -> int:
        (value,) = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return value

    def string(self) -> str:
        length = self.unpack("H")  # includes the trailing NUL
        text = self.data[self.pos:self.pos + length - 1].decode("utf-8")
        self.pos += length
        return text

    def take(self, size: int) -> bytes:
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk


def read_ctranslate2_model(path: Path) -> tuple[str, dict[str, torch.Tensor]]:
    """The spec name and every variable (aliases resolved) of a CTranslate2 ``model.bin``.

    Raises:
        WhisperConversionError: an unknown binary version or a truncated file.
    """
    reader = _Reader(Path(path).read_bytes())
    version = reader.unpack("I")
    if version != SUPPORTED_BINARY_VERSION:
        raise WhisperConversionError(f"{path}: CTranslate2 binary version {version}; only {SUPPORTED_BINARY_VERSION} is read")
    spec = reader.string()
    reader.unpack("I")  # spec revision
    variables: dict[str, torch.Tensor] = {}
    try:
        for _ in range(reader.unpack("I")):
            name = reader.string()
            shape = [reader.unpack("I") for _ in range(reader.unpack("B"))]
            type_id = reader.unpack("B")
            raw = reader.take(reader.unpack("I"))
            array = np.frombuffer(raw, dtype=_NUMPY_TYPES[type_id]).reshape(shape)
            tensor = torch.from_numpy(array.copy())
            variables[name] = tensor.view(torch.bfloat16) if type_id == _BFLOAT16 else tensor
        for _ in range(reader.unpack("I")):
            alias, target = reader.string(), reader.string()
            variables[alias] = variables[target]
    except (struct.error, KeyError, ValueError) as exc:
        raise WhisperConversionError(f"{path}: not a readable CTranslate2 model ({exc})") from exc
    return spec, variables


def _split(tensor: torch.Tensor, parts: int) -> list[torch.Tensor]:
    return list(torch.chunk(tensor, parts, dim=0))


def _attention(state: dict, target: str, variables: dict, source: str, *, cross: bool) -> None:
    if cross:  # query alone, then fused key|value, then the output projection
        state[f"{target}.query.weight"] = variables[f"{source}/linear_0/weight"]
        state[f"{target}.query.bias"] = variables[f"{source}/linear_0/bias"]
        key_w, value_w = _split(variables[f"{source}/linear_1/weight"], 2)
        _, value_b = _split(variables[f"{source}/linear_1/bias"], 2)
        out = "linear_2"
    else:  # fused query|key|value, then the output projection
        query_w, key_w, value_w = _split(variables[f"{source}/linear_0/weight"], 3)
        query_b, _, value_b = _split(variables[f"{source}/linear_0/bias"], 3)
        state[f"{target}.query.weight"], state[f"{target}.query.bias"] = query_w, query_b
        out = "linear_1"
    state[f"{target}.key.weight"] = key_w
    state[f"{target}.value.weight"], state[f"{target}.value.bias"] = value_w, value_b
    state[f"{target}.out.weight"] = variables[f"{source}/{out}/weight"]
    state[f"{target}.out.bias"] = variables[f"{source}/{out}/bias"]


def _norm(state: dict, target: str, variables: dict, source: str) -> None:
    state[f"{target}.weight"] = variables[f"{source}/gamma"]
    state[f"{target}.bias"] = variables[f"{source}/beta"]


def _block(state: dict, target: str, variables: dict, source: str, *, decoder: bool) -> None:
    _norm(state, f"{target}.attn_ln", variables, f"{source}/self_attention/layer_norm")
    _attention(state, f"{target}.attn", variables, f"{source}/self_attention", cross=False)
    if decoder:
        _norm(state, f"{target}.cross_attn_ln", variables, f"{source}/attention/layer_norm")
        _attention(state, f"{target}.cross_attn", variables, f"{source}/attention", cross=True)
    _norm(state, f"{target}.mlp_ln", variables, f"{source}/ffn/layer_norm")
    for index, part in (("0", "linear_0"), ("2", "linear_1")):
        state[f"{target}.mlp.{index}.weight"] = variables[f"{source}/ffn/{part}/weight"]
        state[f"{target}.mlp.{index}.bias"] = variables[f"{source}/ffn/{part}/bias"]


def _layer_count(variables: dict, side: str) -> int:
    pattern = re.compile(rf"^{side}/layer_(\d+)/")
    return 1 + max(int(match.group(1)) for name in variables if (match := pattern.match(name)))


def whisper_checkpoint(folder: Path) -> dict:
    """The openai-whisper checkpoint (``dims``, ``model_state_dict``, ``alignment_heads``) for a CTranslate2 folder.

    Raises:
        WhisperConversionError: the folder has no Whisper ``model.bin``.
    """
    folder = Path(folder)
    if not (folder / "model.bin").is_file():
        raise WhisperConversionError(f"{folder} has no model.bin: not a CTranslate2 model folder")
    spec, variables = read_ctranslate2_model(folder / "model.bin")
    if spec != "WhisperSpec":
        raise WhisperConversionError(f"{folder / 'model.bin'} holds a {spec}, not a Whisper model")
    encoder_layers, decoder_layers = _layer_count(variables, "encoder"), _layer_count(variables, "decoder")
    state: dict[str, torch.Tensor] = {
        "encoder.conv1.weight": variables["encoder/conv1/weight"], "encoder.conv1.bias": variables["encoder/conv1/bias"],
        "encoder.conv2.weight": variables["encoder/conv2/weight"], "encoder.conv2.bias": variables["encoder/conv2/bias"],
        "encoder.positional_embedding": variables["encoder/position_encodings/encodings"],
        "decoder.token_embedding.weight": variables["decoder/embeddings/weight"],
        "decoder.positional_embedding": variables["decoder/position_encodings/encodings"],
    }
    _norm(state, "encoder.ln_post", variables, "encoder/layer_norm")
    _norm(state, "decoder.ln", variables, "decoder/layer_norm")
    for i in range(encoder_layers):
        _block(state, f"encoder.blocks.{i}", variables, f"encoder/layer_{i}", decoder=False)
    for i in range(decoder_layers):
        _block(state, f"decoder.blocks.{i}", variables, f"decoder/layer_{i}", decoder=True)
    audio_ctx, audio_state = state["encoder.positional_embedding"].shape
    text_ctx, text_state = state["decoder.positional_embedding"].shape
    dims = {
        "n_mels": int(state["encoder.conv1.weight"].shape[1]), "n_audio_ctx": int(audio_ctx),
        "n_audio_state": int(audio_state), "n_audio_head": int(variables["encoder/num_heads"]),
        "n_audio_layer": encoder_layers, "n_vocab": int(state["decoder.token_embedding.weight"].shape[0]),
        "n_text_ctx": int(text_ctx), "n_text_state": int(text_state),
        "n_text_head": int(variables["decoder/num_heads"]), "n_text_layer": decoder_layers,
    }
    heads = torch.zeros(decoder_layers, dims["n_text_head"], dtype=torch.bool)
    config = folder / "config.json"
    pairs = json.loads(config.read_text("utf-8")).get("alignment_heads") if config.is_file() else None
    if pairs:
        for layer, head in pairs:
            heads[layer, head] = True
    else:  # openai-whisper's own default: every head of the upper half of the decoder
        heads[decoder_layers // 2:] = True
    return {"dims": dims, "model_state_dict": {k: v.contiguous() for k, v in state.items()}, "alignment_heads": heads}


def alignment_heads_dump(mask: torch.Tensor) -> bytes:
    """The mask in the base85(gzip) form ``Whisper.set_alignment_heads`` takes."""
    return base64.b85encode(gzip.compress(mask.numpy().astype(bool).tobytes()))


def convert_ctranslate2_whisper(folder: Path, target: Path) -> Path:
    """Write the openai-whisper checkpoint of a CTranslate2 Whisper folder to ``target`` atomically."""
    checkpoint = whisper_checkpoint(folder)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        torch.save(checkpoint, staging)
        os.replace(staging, target)
    finally:
        Path(staging).unlink(missing_ok=True)
    return target


def packaged_openai_whisper(models_dir: Path) -> Path:
    """The packaged Whisper base weights as an openai-whisper checkpoint under ``models_dir``, converted once.

    Raises:
        WhisperFilesError: the weight packages are missing or changed.
    """
    target = Path(models_dir) / PACKAGED_CHECKPOINT
    if not target.is_file():
        convert_ctranslate2_whisper(packaged_whisper_base(models_dir), target)
    return target
