"""Engines: one module per engine behind :class:`lingoflow.engines.base.Engine`."""
