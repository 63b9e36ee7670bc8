"""The schema revision this modelport's registry tables are at (the newest migration), apart from
the engine code so that a reader needing only the number imports no SQLAlchemy."""

HEAD_REVISION = "0008_pipeline_deployments"
"""The newest migration; a unit test checks it matches alembic's head."""
