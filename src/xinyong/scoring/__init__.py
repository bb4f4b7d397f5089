"""Scoring: rulebooks compiled to SQL, engines, explanations."""
