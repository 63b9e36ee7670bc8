"""The OpenAPI 3.1 document of a server's routes (``document``), the request and answer bodies of
each route (``bodies``), the shared schemas (``components``) and the examples drawn from each
model's signature (``examples``)."""
