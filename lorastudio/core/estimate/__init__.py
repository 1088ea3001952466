"""Before training: the peak memory a run will need, term by term (weights, adapters, optimizer,
gradients, activations, logits), the seconds a step will take, and the verdict against this
machine's memory.

Owns: ``forecast``, ``memory``, ``speed``, ``plan`` ("make it fit": settings that fit, result-preserving first),
``messages`` and ``plan_messages`` (their sentences in English and Chinese).
May import: ``base``, ``config``, ``data``, ``models``, ``tuner`` (the training's own batches).
"""
