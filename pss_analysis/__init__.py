"""pss-analysis: measurement and evaluation for the Public Sector Scorecard."""

__version__ = "0.5.0"
