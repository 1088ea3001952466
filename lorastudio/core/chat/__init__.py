"""The chat engine: one loaded model, any adapter of any run attached and switched without
reloading, chat templates, sampling settings, streamed and stoppable answers. Everything MLX
here runs on the thread that loaded the model.

Owns: ``engine``, ``adapters``, ``settings``, ``template``.
May import: ``base``, ``config``, ``models``, ``runs``.
"""
