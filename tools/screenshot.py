"""Render the main window on a database to a PNG, to look at it as a user would.

    python tools/screenshot.py DB.sqlite OUT.png [--search TEXT] [--size 1000x620]

Runs offscreen, so it works on a machine with no display (CI, a server).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--area", default="children", help="key of the area to show (ui/areas.py)")
    parser.add_argument("--search", default="")
    parser.add_argument("--size", default="1200x720")
    # A tool on the file, like the command line: no password; the window acts as that account.
    parser.add_argument("--user", default=None, help="login of the account the window acts as (default: a coordinator)")
    parser.add_argument("--lock", action="store_true", help="render the window locked (idle lock)")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings

    from pre_desktop.app import ensure_application
    from pre_desktop.migrate import open_database
    from pre_desktop.ui.main_window import MainWindow

    app = ensure_application()
    engine, factory = open_database(args.db, create=False)
    settings = QSettings(str(args.out.with_suffix(".ini")), QSettings.Format.IniFormat)
    user = None
    if args.user:
        from sqlalchemy import select

        from pre_desktop.models import User
        from pre_desktop.services.users import user_row

        with factory() as session:
            user_id = session.scalar(select(User.id).where(User.login == args.user))
            user = user_row(session, user_id) if user_id is not None else None
        if user is None:
            parser.error(f"no account with login {args.user!r}")
    window = MainWindow(args.db, engine, factory, settings=settings, user=user)
    width, height = (int(v) for v in args.size.lower().split("x"))
    window.resize(width, height)
    window.show()
    window.show_area(args.area)
    screen = window.screen(args.area)
    if hasattr(screen, "wait_loaded"):  # an area that reads in the background: its figures, not "Calcul…"
        screen.wait_loaded()
    if args.search:
        screen = window.screen("children")
        screen.search.setText(args.search)
        screen.apply_search()
    if args.lock:
        window.idle_lock.lock(by_idle=True)
    app.processEvents()
    window.grab().save(str(args.out))
    window.close()
    engine.dispose()
    args.out.with_suffix(".ini").unlink(missing_ok=True)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
