"""modelport's stand-in for the Qwak SDK's documented surface (used when ``qwak`` is not
installed): ``qwak.api``, ``qwak.log_param``, ``qwak.log_metric``, ``qwak.log_data``,
``qwak.QwakModel``."""

from modelport.formats.qwak.api import api
from modelport.formats.qwak.logged import log_data, log_metric, log_param
from qwak.model.base import QwakModel

__all__ = ["QwakModel", "api", "log_data", "log_metric", "log_param"]
