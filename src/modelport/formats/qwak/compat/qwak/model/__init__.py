"""``qwak.model``: the model base class, schema, adapters and local tools."""
