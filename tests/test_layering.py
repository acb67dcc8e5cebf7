"""Nothing below ui/ imports Qt: rules and documents must be testable without a screen
(and usable from the command line on a machine with no display)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    import pre_desktop.models, pre_desktop.services, pre_desktop.exports
    import pre_desktop.migrate, pre_desktop.paths, pre_desktop.cli
    for pkg in (pre_desktop.models, pre_desktop.services, pre_desktop.exports):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            importlib.import_module(info.name)
    qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))
    print("QT:" + ",".join(qt))
    """
)


def test_models_services_exports_and_cli_do_not_import_qt():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "QT:", result.stdout
