"""Writing the live graph out: JSON lines, or the JupiterOne SDK's .j1-integration layout."""
