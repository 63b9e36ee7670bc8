"""Batch inference: a model's answers for every row of Parquet, CSV or Arrow files, chunk by chunk.

``modelport batch NAME@ALIAS INPUT -o OUTPUT`` (a ``job.BatchJob``) reads its input in chunks of
a fixed number of rows (``files`` and ``chunks``), as ``plan`` decided from the model's
signature, has each chunk validated and predicted as a request to the online route is
(``predictor.ChunkPredictor``: decoded table -> ``InputValidator`` -> ``ModelRuntime.predict``),
writes each chunk's answer as a part file (``answering``) and notes it in a small manifest
(``manifest``), then joins the parts into the output (``runner``). A run that was killed starts
again where it stopped: the manifest says which chunks are done, for the same inputs.
``worker`` runs a job in the model's own environment when that is not the command's; with
``--workers N``, ``pool`` answers N chunks at once in N ``chunk_worker`` processes, which it
speaks to as ``pool_wire`` says.

``ChunkPredictor`` is the one per-chunk function, an Arrow table in and an Arrow table out, so a
distributed engine's map over batches (Ray Data's ``map_batches``) can call it as it is.
"""
