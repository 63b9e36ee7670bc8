"""Hugging Face pipelines uploaded to Wallaroo: a folder written by ``save_pretrained``, zipped,
built with ``--framework hugging-face-<kind>`` and served by transformers' ``pipeline`` (diffusers'
for stable diffusion; the ``huggingface`` extra, with torch)."""
