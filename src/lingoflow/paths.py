"""Where lingoflow keeps its state when no home folder is configured."""

from __future__ import annotations

from pathlib import Path

import platformdirs

__all__ = ["default_home", "models_dir"]


def default_home() -> Path:
    """The per-user state folder (``~/.local/share/lingoflow`` on Linux); not created here."""
    return platformdirs.user_data_path("lingoflow")


def models_dir(home: str | Path | None) -> Path:
    """The folder for assembled model files under ``home`` (or the default home)."""
    return Path(home) / "models" if home else default_home() / "models"
