"""Deployments: a registered version run as a long-lived service, by Ray Serve on a cluster
(``ray_target``, replicas from ``ray_app``) or by a supervised local process (``local_target``),
recorded so that ``modelport deploy ls``, ``status`` and ``rm`` find them (``records``)."""
