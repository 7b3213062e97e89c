"""Tests of lingoflow.storage against SQLite and PostgreSQL."""
