"""PRE Desktop: offline case management for Programmes de réussite éducative."""

__version__ = "0.1.0"
APP_NAME = "PRE Desktop"
