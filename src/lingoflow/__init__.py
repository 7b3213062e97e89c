"""lingoflow: a self-hosted multilingual translation workflow engine."""

__version__ = "0.1.0"
