"""``qwak.testing``: the fixtures of a project's integration tests."""
