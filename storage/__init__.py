"""Persistence: SQLAlchemy models, repository functions and Alembic migrations.

Only this package talks SQL; others call :mod:`storage.repository` with plain arguments.
"""

from . import repository
from .database import Database, normalise_url
from .migrate import upgrade, upgrade_database

__all__ = ["Database", "normalise_url", "repository", "upgrade", "upgrade_database"]
