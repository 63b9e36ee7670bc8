"""The registry over HTTP: the JSON shape of its entities (``wire``), shared by ``modelport
server`` and the REST store (``store``) that talks to it, opened for ``http(s)://`` URIs."""
