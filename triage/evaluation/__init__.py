"""Evaluation: labelled CSVs offline, and replays of production's cases."""
