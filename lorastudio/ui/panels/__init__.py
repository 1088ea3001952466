"""The main window's pages: Model, Data, Parameters, Train, Chat, Report, Runs. GUI thread."""
