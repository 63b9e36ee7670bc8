"""The artifact: an immutable, reproducible zip with ``modelport.yaml`` at its root.

``manifest`` is what the zip says of itself, ``writer`` makes one, ``reader`` opens and checks
one, ``sources`` lists the project files packaged, ``digests`` hashes them. The bottom layer:
every other part of modelport may use it, and it uses nothing of theirs.
"""
