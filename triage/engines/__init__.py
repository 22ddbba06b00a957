"""Classification and drafting engines: ``local`` (offline, the default) and ``openai``.

``types`` holds what they take and give; ``classify_*`` and ``draft_*`` are the engines;
``openai_client`` is the one door to an OpenAI-compatible endpoint.
"""
