"""The command line over ``lorastudio.core``: ``lorastudio COMMAND``.

``main`` parses and dispatches; each command module (train, runs, data,
model, chat, report, fuse) adds its own subcommands and imports the core
lazily, so ``lorastudio --help`` starts fast. May import ``lorastudio.core``
(and ``lorastudio.ui`` only to open the app); nothing imports it but
``lorastudio.__main__``. Runs on the main thread.
"""
