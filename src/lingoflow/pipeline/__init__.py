"""The translation pipeline, one module per stage.

segment → protect → lookup (cache/TM) → engine → restore → QA → store. Each stage is a
small unit with typed input and output and no I/O of its own; import the stage you need from
its module (``lingoflow.pipeline.segment``, ``lingoflow.pipeline.protect``).
"""
