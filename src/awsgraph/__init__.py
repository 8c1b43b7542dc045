"""awsgraph: map an AWS estate into a local, JupiterOne-shaped security graph."""

__version__ = "0.1.0"
