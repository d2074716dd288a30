"""The command-line tools: each `python -m explorer.<name>` runs the ``main`` of its module here."""
