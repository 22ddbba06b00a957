"""Text as the pipeline reads it: cleaning, personal data, language, sentiment, signal patterns.

Plain functions: no models, no database, no settings. Used by ``triage`` and by ``knowledge``.
"""
