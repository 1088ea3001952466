"""The training report of a run, written from its folder alone: the facts, the wording (English
and Chinese), advice derived from the numbers, SVG charts, Markdown and HTML.

Owns: ``writer``, ``facts``, ``text``, ``closing``, ``advice``, ``i18n``, ``doc``, ``svg_plot``.
May import: ``base``, ``config``, ``models``, ``runs``, ``estimate``.
"""
