"""A training run as a child process: ``start_training`` makes the run folder and starts the
child, ``TrainingJob`` streams its events and steers it (stop, pause, resume, kill); the child
itself (``worker``) runs the tuner, then evaluates the adapter against the base model and writes
the reports; the demo's choices.

Owns: ``jobs``, ``worker``, ``evaluation``, ``demo``. May import every other core package.
"""
