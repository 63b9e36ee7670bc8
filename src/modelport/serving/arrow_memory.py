"""Where a serving process's Arrow buffers come from: the C library's allocator.

pyarrow's default pool (mimalloc, in its wheels) keeps the pages it has freed for reuse: after a
mix of loads (single rows, 1,000-row JSON and Arrow bodies) each worker of a pool held about
4 MiB of them, a fifth of the memory a forked worker adds to the first, and a worker recycled
for its memory (``--max-worker-memory``) counts them too. glibc's ``malloc`` reuses the heap the
interpreter has already, and hands a large block back as soon as it is freed. Request rates were
the same either way (1,000-row Arrow bodies at c=8, two workers: 920 and 930 req/s, within the
noise). pyarrow picks its pool from ``ARROW_DEFAULT_MEMORY_POOL`` when it is imported; switching
later (``pa.set_memory_pool``) sends new buffers to ``malloc`` as well, but mimalloc has set up its
heap by then, and each worker still held 4 MiB of its pages. So the serving process sets the
variable before anything imports pyarrow; a pool the user chose with it is left as it is.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

CHOSEN_BY = "ARROW_DEFAULT_MEMORY_POOL"
"""pyarrow's environment variable naming its default pool."""


def prefer_system_allocator(environ: MutableMapping[str, str] = os.environ) -> None:
    """Arrow's buffers from ``malloc`` in this process, unless ``ARROW_DEFAULT_MEMORY_POOL`` is
    set already; to take effect, before pyarrow is first imported."""
    if not environ.get(CHOSEN_BY):
        environ[CHOSEN_BY] = "system"
