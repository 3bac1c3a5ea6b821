"""``python -m sphinx_gcpdeploy``: the same command line as ``sphinx-gcpdeploy``."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
