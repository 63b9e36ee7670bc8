"""Without marshmallow (the ``deepaas`` extra), every other model still builds and serves."""

from __future__ import annotations

import subprocess
import sys

WITHOUT_MARSHMALLOW = """
import sys
sys.modules["marshmallow"] = None  # any import of it now fails
sys.modules["webargs"] = None
from modelport.formats.detect import available_formats
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
assert "deepaas" in available_formats()
create_app(ModelSet([]))
print("ok")
"""


def test_formats_and_app_import_without_marshmallow() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", WITHOUT_MARSHMALLOW], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"
