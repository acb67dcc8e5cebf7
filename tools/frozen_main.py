"""Entry point of the PyInstaller build (build.spec): the same ``main`` as ``python -m pre_desktop``.

PyInstaller runs its entry as a plain script, where the package's ``__main__`` and its
relative imports do not work; this file imports the package absolutely.
"""

import sys

from pre_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
