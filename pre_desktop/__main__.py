"""``python -m pre_desktop`` and the ``pre-desktop`` launcher (see pre_desktop.cli)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
