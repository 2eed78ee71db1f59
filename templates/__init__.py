"""The proposal's Jinja2 templates and stylesheet, installed as the package ``xlcompute.templates``.

This folder stays at the top of the source tree; pyproject.toml maps it into the package
(``[tool.setuptools.package-dir]``), so a wheel carries it and an editable install finds it here.
This file makes it a regular package in both cases, which ``importlib.resources`` can locate.
"""
