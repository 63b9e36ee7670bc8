"""``python -m modelport``: the same as the ``modelport`` command."""

from modelport.cli.main import run

run()
