"""The greeter convention: a folder with ``greeting.yaml`` (``greeting: Hello``) is a model that
greets each name it is given, on modelport's routes and on its own ``GET /greet/{name}``; its one
build option, ``punctuation``, ends each greeting (``modelport build --option punctuation=?``).

Written as a package outside modelport would write one, with the files a convention needs:
``format.py`` (the adapter), ``servable.py``, ``operations.py`` and ``routes.py``, and one
entry-point line (``greeter = greeter_format.format:GreeterFormat``)."""
