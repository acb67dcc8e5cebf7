"""Command-line subcommands beyond ``list`` and ``demo``, one module each.

Each area adds its own module instead of growing ``cli.py``: a module listed in
``TOP_LEVEL`` defines ``register(subparsers)`` and adds a top-level command
(``bench``, ``backup``…); one in ``EXPORTS`` defines ``register(subparsers)`` under
``export`` (``export eps …``); one in ``IMPORTS`` under ``import``. Each parser sets
``handler=`` (a function ``args -> exit code``) with ``set_defaults``.
"""

from __future__ import annotations

TOP_LEVEL: list[str] = [
    "pre_desktop.commands.backup",
    "pre_desktop.commands.check",
    "pre_desktop.commands.bench",
    "pre_desktop.commands.archive",
    "pre_desktop.commands.encrypt",
]
EXPORTS: list[str] = [
    "pre_desktop.commands.export_liaison",
    "pre_desktop.commands.export_eps",
    "pre_desktop.commands.export_convention",
    "pre_desktop.commands.export_partners",
    "pre_desktop.commands.export_monthly",
    "pre_desktop.commands.export_statement",
    "pre_desktop.commands.export_family",
    "pre_desktop.commands.export_annual",
    "pre_desktop.commands.export_pseudonymised",
]
IMPORTS: list[str] = [
    "pre_desktop.commands.import_partners",
    "pre_desktop.commands.import_attendance",
]
