"""A training run as a child process: ``start_training`` makes the run folder and starts the
child, ``TrainingJob`` streams its events and steers it (stop, pause, resume, kill); the child
itself (``worker``) runs the tuner, then evaluates the adapter against the base model and writes
the reports; a run on several processes or Macs (``distributed``: MLX's launcher starts the
child once per rank; ``hostcheck``: can these Macs train together?); the demo's choices.

Owns: ``jobs``, ``worker``, ``evaluation``, ``distributed``, ``distributed_messages``, ``hostcheck``, ``demo``. May import every other core package.
"""
