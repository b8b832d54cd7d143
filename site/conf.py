"""Sphinx configuration of the course website (``make site``; sources prepared by tools/build_site.py).

Sphinx + MyST-NB render the lesson texts and the notebooks from their stored outputs
(``nb_execution_mode = "off"``: nothing is re-executed). Theme: Furo. MathJax is
served from the site itself (copied from the npm package by tools/build_site.py),
so every page works offline and the browser test can refuse any remote request.
"""

import os

project = "Convolutional neural networks with Keras 3"
author = "the course authors"
copyright = "the course authors; code MIT, lesson texts and notebook prose CC BY 4.0"

extensions = ["myst_nb", "sphinx_copybutton"]
exclude_patterns = ["_downloads_src/**", "_assets/**"]
suppress_warnings = ["myst.header"]  # lesson texts use '#### Exercise' style headings inside sections

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]
myst_heading_anchors = 3

nb_execution_mode = "off"  # stored outputs only: they come from real default-mode runs
nb_merge_streams = True
nb_code_prompt_show = "Show the solution"
nb_code_prompt_hide = "Hide the solution"

html_theme = "furo"
html_title = "CNNs with Keras 3"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "source_repository": os.environ.get("COURSE_REPOSITORY", ""),
    "navigation_with_keys": True,
}
# MathJax 3 from this site (tools/build_site.py copies it into _static/mathjax).
mathjax_path = "mathjax/tex-chtml.js"
