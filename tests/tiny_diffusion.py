"""Tiny random-weight models built from config and saved with ``save_pretrained``.

The diffusers test recipe: real classes at toy sizes under a fixed seed, written to a
folder, so the backends' real loading code runs by path with no downloaded weights. The
tokenizers are built from a byte-level vocabulary (no merges) for the same reason.
"""

from __future__ import annotations

from pathlib import Path

import torch

SEED = 0
TEXT_HIDDEN = 32


def _clip_tokenizer(max_length: int = 77):
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import CLIPTokenizer

    symbols = sorted(set(ByteLevel.alphabet()))
    vocab = {symbol: i for i, symbol in enumerate(symbols)}
    for symbol in symbols:
        vocab[symbol + "</w>"] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=max_length)


def _clip_text_encoder(tokenizer):
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(SEED)
    config = CLIPTextConfig(
        hidden_size=TEXT_HIDDEN, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
        vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, max_position_embeddings=77, projection_dim=TEXT_HIDDEN,
    )
    return CLIPTextModel(config)


def _unet(sample_size: int = 16):
    from diffusers import UNet2DConditionModel

    torch.manual_seed(SEED)
    return UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=sample_size, in_channels=4, out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=TEXT_HIDDEN, norm_num_groups=2, attention_head_dim=2,
    )


def _vae():
    from diffusers import AutoencoderKL

    torch.manual_seed(SEED)
    return AutoencoderKL(
        block_out_channels=(8, 16), in_channels=3, out_channels=3, latent_channels=4, norm_num_groups=2,
        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
    )


def build_stable_diffusion(folder: Path) -> Path:
    """An SD 1.5-shaped pipeline (UNet, VAE, CLIP text encoder) at 32 px native size."""
    from diffusers import EulerDiscreteScheduler, StableDiffusionPipeline

    tokenizer = _clip_tokenizer()
    pipe = StableDiffusionPipeline(
        unet=_unet(), vae=_vae(), text_encoder=_clip_text_encoder(tokenizer), tokenizer=tokenizer,
        scheduler=EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear"),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )
    pipe.save_pretrained(folder)
    return folder


def build_clip(folder: Path) -> Path:
    """A CLIP model (text + vision towers) with its tokenizer and image processor."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    tokenizer = _clip_tokenizer()
    torch.manual_seed(SEED)
    config = CLIPConfig(
        text_config={"hidden_size": TEXT_HIDDEN, "intermediate_size": 37, "num_attention_heads": 4,
                     "num_hidden_layers": 2, "vocab_size": len(tokenizer), "bos_token_id": tokenizer.bos_token_id,
                     "eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id},
        vision_config={"hidden_size": TEXT_HIDDEN, "intermediate_size": 37, "num_attention_heads": 4,
                       "num_hidden_layers": 2, "image_size": 32, "patch_size": 8},
        projection_dim=16,
    )
    CLIPModel(config).save_pretrained(folder)
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
        tokenizer=tokenizer,
    )
    processor.save_pretrained(folder)
    return folder


def build_motion_adapter(folder: Path) -> Path:
    """An AnimateDiff motion adapter matching :func:`build_stable_diffusion`'s UNet."""
    from diffusers import MotionAdapter

    torch.manual_seed(SEED)
    MotionAdapter(
        block_out_channels=(8, 16), motion_layers_per_block=1, motion_norm_num_groups=2,
        motion_num_attention_heads=2, motion_max_seq_length=32,
    ).save_pretrained(folder)
    return folder


def _t5_text_encoder():
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    letters = "abcdefghijklmnopqrstuvwxyz0123456789▁"
    tokenizer = T5Tokenizer(
        vocab=[("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + [(char, -1.0) for char in letters], extra_ids=0
    )
    torch.manual_seed(SEED)
    encoder = T5EncoderModel(T5Config(
        vocab_size=len(tokenizer), d_model=TEXT_HIDDEN, d_kv=8, d_ff=37, num_layers=1, num_heads=4,
        decoder_start_token_id=0, pad_token_id=0, eos_token_id=1,
    ))
    return tokenizer, encoder


def build_cogvideox(folder: Path, *, image_to_video: bool = False) -> Path:
    """A CogVideoX pipeline (3D transformer, causal 3D VAE, T5) at 32 px and 9 frames."""
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXImageToVideoPipeline,
        CogVideoXPipeline,
        CogVideoXTransformer3DModel,
    )

    tokenizer, text_encoder = _t5_text_encoder()
    torch.manual_seed(SEED)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=16, in_channels=8 if image_to_video else 4, out_channels=4,
        time_embed_dim=2, text_embed_dim=TEXT_HIDDEN, num_layers=1, sample_width=4, sample_height=4,
        sample_frames=9, patch_size=2, temporal_compression_ratio=4, max_text_seq_length=16,
        use_rotary_positional_embeddings=image_to_video,
    )
    torch.manual_seed(SEED)
    vae = AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, block_out_channels=(8, 8, 8, 8), latent_channels=4, layers_per_block=1,
        norm_num_groups=2, temporal_compression_ratio=4,
        down_block_types=("CogVideoXDownBlock3D",) * 4, up_block_types=("CogVideoXUpBlock3D",) * 4,
    )
    pipeline_class = CogVideoXImageToVideoPipeline if image_to_video else CogVideoXPipeline
    pipe = pipeline_class(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
        scheduler=CogVideoXDDIMScheduler(),
    )
    pipe.save_pretrained(folder)
    return folder
