"""modelport's stand-in for the JFrog ML SDK (``frogml``, Qwak's renamed SDK): ``FrogMlModel``,
``frogml.api`` and the logging functions."""

from qwak.model.base import QwakModel as FrogMlModel

from modelport.formats.qwak.api import api
from modelport.formats.qwak.logged import log_data, log_metric, log_param

__all__ = ["FrogMlModel", "api", "log_data", "log_metric", "log_param"]
