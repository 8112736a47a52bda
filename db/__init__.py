"""Persistence: typed models, the engine factory and Alembic migrations. No business rules."""
