"""The tabs of a child's file (dossier enfant), one small class per module.

Every tab is a ``ChildTab`` (``base.py``): it knows the app context and the child's
id, has a toolbar row ``actions_row`` at its top and a ``refresh()`` that reads its
section again from the services. To give a tab a new action (e.g. "Orienter vers un
partenaire" on ``OrientationsTab``, "Saisir une séance" on ``SessionsTab``):

    button = QPushButton("Orienter vers un partenaire…")
    button.clicked.connect(...)          # open a dialog, one service call in ctx.write()
    tab.add_action(button)               # in the tab's __init__, or from outside

and after a successful write emit ``ctx.data_changed``: the file reloads the visible
tab now and the others when shown (and every other open window does the same).
``tab.selected()`` gives the selected row of the tab's main list where it has one.

The window (``ui/child_file.py``) lists its tabs in ``TABS``; the two tabs with
fields the user edits (identity, pathway) share the window's ``FieldErrors`` and are
saved together by Ctrl+S.
"""
