"""Sphinx configuration: the user guide, the derivation pages and the API reference.

Build offline with warnings as errors:
``python -m sphinx -W -b html docs docs/_build/html``.
"""

import sys
from pathlib import Path

# Document this checkout's package, not whichever copy is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import modelcollapse

project = "modelcollapse"
author = "the modelcollapse authors"
copyright = "2023-2026, the modelcollapse authors"
release = modelcollapse.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

numpydoc_show_class_members = False
numpydoc_validation_checks = set()
autodoc_member_order = "bysource"

html_theme = "alabaster"
html_static_path = []
