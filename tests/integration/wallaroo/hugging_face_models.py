"""Tiny Hugging Face pipelines made here from configs (random weights), with tokenizers and
processors built from vocabularies written here: nothing is downloaded.

Each maker returns a pipeline; ``saved_zip`` saves it with ``save_pretrained`` and zips the
folder as Wallaroo's users do (`zip -r model.zip model/`).
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

# As the servable does: pipelines on PyTorch, whether TensorFlow is installed or not (transformers
# reads this once, when it is first imported: here, lazily, inside the builders below).
os.environ.setdefault("USE_TF", "0")

WORDS = [
    "the",
    "a",
    "cat",
    "dog",
    "sat",
    "on",
    "mat",
    "is",
    "good",
    "bad",
    "film",
    "movie",
    "what",
    "where",
    "who",
    "sits",
    "summary",
    "text",
    "hello",
    "world",
    "red",
    "green",
    "blue",
    "this",
    "that",
    "it",
    "was",
    "very",
    "not",
]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
IMAGE_SIZE = 32
SMALL = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2}
SPEECH_RATE = 400
"""The tiny speech recognizer's samples per second."""


def bert_tokenizer(work: Path, **options: Any) -> Any:
    """A WordPiece tokenizer of the words above."""
    from transformers import BertTokenizerFast

    vocab = work / "vocab.txt"
    vocab.write_text("\n".join([*SPECIALS, *WORDS]) + "\n")
    return BertTokenizerFast(vocab_file=str(vocab), **options)


def word_tokenizer() -> Any:
    """A word-level tokenizer with beginning, end and padding tokens (for generating models)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {word: index for index, word in enumerate(["<s>", "<pad>", "</s>", "<unk>", *WORDS])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
    )


def bert_config(labels: list[str] | None = None) -> Any:
    from transformers import BertConfig

    named = {}
    if labels:
        named = {
            "num_labels": len(labels),
            "id2label": dict(enumerate(labels)),
            "label2id": {label: index for index, label in enumerate(labels)},
        }
    return BertConfig(vocab_size=len(SPECIALS) + len(WORDS), intermediate_size=37, **SMALL, **named)


def text_classifier(work: Path) -> Any:
    from transformers import BertForSequenceClassification, pipeline

    model = BertForSequenceClassification(bert_config(["NEGATIVE", "POSITIVE"]))
    return pipeline("text-classification", model=model, tokenizer=bert_tokenizer(work))


def feature_extractor(work: Path) -> Any:
    from transformers import BertModel, pipeline

    model = BertModel(bert_config())
    return pipeline("feature-extraction", model=model, tokenizer=bert_tokenizer(work))


def zero_shot_classifier(work: Path) -> Any:
    from transformers import BertForSequenceClassification, pipeline

    labels = ["contradiction", "neutral", "entailment"]
    model = BertForSequenceClassification(bert_config(labels))
    return pipeline("zero-shot-classification", model=model, tokenizer=bert_tokenizer(work))


def question_answerer(work: Path) -> Any:
    from transformers import BertForQuestionAnswering, pipeline

    model = BertForQuestionAnswering(bert_config())
    return pipeline("question-answering", model=model, tokenizer=bert_tokenizer(work))


def _seq2seq(task: str) -> Any:
    from transformers import BartConfig, BartForConditionalGeneration, pipeline

    tokenizer = word_tokenizer()
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=37,
        decoder_ffn_dim=37,
        max_position_embeddings=64,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=None,
        forced_eos_token_id=None,
    )
    model = BartForConditionalGeneration(config)
    made = pipeline(task, model=model, tokenizer=tokenizer)
    _generates(model, task, max_new_tokens=6, num_beams=1)  # after: kept for the saved one
    return made


def summarizer(work: Path) -> Any:
    return _seq2seq("summarization")


def translator(work: Path) -> Any:
    return _seq2seq("translation")


def text_generator(work: Path) -> Any:
    from transformers import GPT2Config, GPT2LMHeadModel, pipeline

    tokenizer = word_tokenizer()
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=32,
        n_layer=2,
        n_head=2,
        n_positions=64,
        bos_token_id=0,
        eos_token_id=2,
        pad_token_id=1,
    )
    model = GPT2LMHeadModel(config)
    _generates(model, "text-generation", max_new_tokens=5, pad_token_id=1)
    return pipeline("text-generation", model=model, tokenizer=tokenizer)


def _generates(model: Any, task: str, **settings: Any) -> None:
    """Generation ``settings`` the saved pipeline keeps (as the model config's parameters for
    the task: a generation config made from a model config is not read back by the pipeline)."""
    model.config.task_specific_params = {task: settings}


def _image_processor() -> Any:
    from transformers import ViTImageProcessor

    return ViTImageProcessor(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE})


def _vit_config(**extra: Any) -> Any:
    from transformers import ViTConfig

    return ViTConfig(image_size=IMAGE_SIZE, patch_size=8, intermediate_size=37, **SMALL, **extra)


def image_classifier(work: Path) -> Any:
    from transformers import ViTForImageClassification, pipeline

    labels = ["cat", "dog"]
    config = _vit_config(
        num_labels=2,
        id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)},
    )
    model = ViTForImageClassification(config)
    return pipeline("image-classification", model=model, image_processor=_image_processor())


def image_captioner(work: Path) -> Any:
    from transformers import (
        GPT2Config,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        pipeline,
    )

    tokenizer = word_tokenizer()
    decoder = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=32,
        n_layer=1,
        n_head=2,
        n_positions=64,
        bos_token_id=0,
        eos_token_id=2,
        pad_token_id=1,
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(_vit_config(), decoder)
    config.decoder_start_token_id = 0
    config.pad_token_id = 1
    config.eos_token_id = 2
    model = VisionEncoderDecoderModel(config)
    _generates(model, "image-to-text", max_new_tokens=4)
    return pipeline(
        "image-to-text", model=model, tokenizer=tokenizer, image_processor=_image_processor()
    )


def object_detector(work: Path) -> Any:
    from transformers import YolosConfig, YolosForObjectDetection, YolosImageProcessor, pipeline

    labels = ["cat", "dog"]
    config = YolosConfig(
        image_size=[IMAGE_SIZE, IMAGE_SIZE],
        patch_size=8,
        intermediate_size=37,
        num_detection_tokens=3,
        num_labels=2,
        id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)},
        **SMALL,
    )
    processor = YolosImageProcessor(size={"shortest_edge": IMAGE_SIZE, "longest_edge": IMAGE_SIZE})
    model = YolosForObjectDetection(config)
    return pipeline("object-detection", model=model, image_processor=processor)


def zero_shot_image_classifier(work: Path) -> Any:
    from transformers import CLIPConfig, CLIPModel, pipeline

    config = CLIPConfig(
        text_config={
            "vocab_size": len(SPECIALS) + len(WORDS),
            "max_position_embeddings": 32,
            "intermediate_size": 37,
            "eos_token_id": 2,
            **SMALL,
        },
        vision_config={
            "image_size": IMAGE_SIZE,
            "patch_size": 8,
            "intermediate_size": 37,
            **SMALL,
        },
        projection_dim=16,
    )
    model = CLIPModel(config)
    return pipeline(
        "zero-shot-image-classification",
        model=model,
        tokenizer=bert_tokenizer(work, model_input_names=["input_ids", "attention_mask"]),
        image_processor=_image_processor(),
    )


def zero_shot_object_detector(work: Path) -> Any:
    from transformers import (
        OwlViTConfig,
        OwlViTForObjectDetection,
        OwlViTImageProcessor,
        pipeline,
    )

    config = OwlViTConfig(
        text_config={
            "vocab_size": len(SPECIALS) + len(WORDS),
            "max_position_embeddings": 16,
            "intermediate_size": 37,
            **SMALL,
        },
        vision_config={
            "image_size": IMAGE_SIZE,
            "patch_size": 8,
            "intermediate_size": 37,
            **SMALL,
        },
        projection_dim=SMALL["hidden_size"],
    )
    side = {"height": IMAGE_SIZE, "width": IMAGE_SIZE}
    return pipeline(
        "zero-shot-object-detection",
        model=OwlViTForObjectDetection(config),
        tokenizer=bert_tokenizer(work, model_input_names=["input_ids", "attention_mask"]),
        image_processor=OwlViTImageProcessor(size=side, crop_size=side),
    )


def image_segmenter(work: Path) -> Any:
    from transformers import (
        SegformerConfig,
        SegformerForSemanticSegmentation,
        SegformerImageProcessor,
        pipeline,
    )

    labels = ["background", "cat"]
    config = SegformerConfig(
        num_encoder_blocks=2,
        depths=[1, 1],
        sr_ratios=[2, 1],
        hidden_sizes=[8, 16],
        patch_sizes=[7, 3],
        strides=[4, 2],
        num_attention_heads=[1, 1],
        mlp_ratios=[2, 2],
        decoder_hidden_size=16,
        num_labels=2,
        id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)},
    )
    processor = SegformerImageProcessor(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE})
    model = SegformerForSemanticSegmentation(config)
    return pipeline("image-segmentation", model=model, image_processor=processor)


def speech_recognizer(work: Path) -> Any:
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2CTCTokenizer,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForCTC,
        pipeline,
    )

    letters = ["<pad>", "<unk>", "|", *"abcdefghijklmnopqrstuvwxyz"]
    vocab = json_file(work / "letters.json", {letter: i for i, letter in enumerate(letters)})
    tokenizer = Wav2Vec2CTCTokenizer(str(vocab), word_delimiter_token="|")
    # A low sampling rate keeps long audio (over 30 s, transcribed in chunks) a short request.
    extractor = Wav2Vec2FeatureExtractor(sampling_rate=SPEECH_RATE, do_normalize=True)
    config = Wav2Vec2Config(
        vocab_size=len(letters),
        conv_dim=(8, 8),
        conv_stride=(5, 4),
        conv_kernel=(10, 8),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        intermediate_size=37,
        pad_token_id=0,
        **SMALL,
    )
    model = Wav2Vec2ForCTC(config)
    return pipeline(
        "automatic-speech-recognition",
        model=model,
        tokenizer=tokenizer,
        feature_extractor=extractor,
    )


def image_generator(work: Path) -> Any:
    """A stable diffusion pipeline (diffusers) of a tiny UNet, VAE and CLIP text encoder."""
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    unet = UNet2DConditionModel(
        sample_size=8,
        layers_per_block=1,
        block_out_channels=(32, 64),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
        norm_num_groups=8,
    )
    vae = AutoencoderKL(
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        block_out_channels=(8, 16),
        latent_channels=4,
        norm_num_groups=8,
    )
    text = CLIPTextConfig(
        vocab_size=len(SPECIALS) + len(WORDS),
        max_position_embeddings=16,
        intermediate_size=37,
        eos_token_id=2,
        **SMALL,
    )
    return StableDiffusionPipeline(
        vae=vae,
        text_encoder=CLIPTextModel(text),
        tokenizer=bert_tokenizer(
            work, model_input_names=["input_ids", "attention_mask"], model_max_length=16
        ),
        unet=unet,
        scheduler=DDIMScheduler(steps_offset=1, clip_sample=False),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


MAKERS: dict[str, Callable[[Path], Any]] = {
    "text-classification": text_classifier,
    "feature-extraction": feature_extractor,
    "zero-shot-classification": zero_shot_classifier,
    "question-answering": question_answerer,
    "summarization": summarizer,
    "translation": translator,
    "text-generation": text_generator,
    "image-classification": image_classifier,
    "image-to-text": image_captioner,
    "object-detection": object_detector,
    "zero-shot-image-classification": zero_shot_image_classifier,
    "zero-shot-object-detection": zero_shot_object_detector,
    "image-segmentation": image_segmenter,
    "automatic-speech-recognition": speech_recognizer,
    "stable-diffusion-text-2-img": image_generator,
}


def saved_zip(pipe: Any, folder: Path) -> Path:
    """``pipe.save_pretrained(folder)``, zipped under the folder's name."""
    pipe.save_pretrained(folder)
    dest = folder.with_suffix(".zip")
    with zipfile.ZipFile(dest, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent).as_posix())
    return dest


def json_file(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value))
    return path
