"""Hugging Face pipelines uploaded to Wallaroo: a folder written by ``save_pretrained``, zipped,
built with ``--framework hugging-face-<kind>`` and served by transformers' ``pipeline`` (the
``huggingface`` extra, with torch)."""
