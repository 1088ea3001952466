"""The desktop app: PySide6 windows and panels over ``lorastudio.core``.

Widgets receive their model (``AppState``, a controller) in the constructor
and subscribe to its signals; no training or generation logic lives here.
Everything in this package runs on the GUI thread unless a module says
otherwise (the training watcher and the chat engine thread).
"""
