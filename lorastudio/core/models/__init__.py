"""Model folders: find one (a path, the Hugging Face cache, a download), load it with mlx-lm,
read its facts from config.json alone, import a GGUF file, export one, fuse an adapter into its
model, the demo model and the tiny test model.

Owns: ``loading``, ``info``, ``gguf_import``, ``gguf_vocab``, ``gguf_export``, ``modelfile``,
``fuse``, ``demo_model``, ``tiny``. May import: ``base``, ``config``.
"""
