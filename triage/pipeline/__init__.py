"""The pipeline: ``run`` is the spine; one module per stage."""
