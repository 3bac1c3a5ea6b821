"""A project that uses sphinx-gcpdeploy as any other project would: its own recipe
directory, a site-wide default, reST and MyST pages."""

project = "Another project"
extensions = ["sphinx_gcpdeploy", "myst_parser", "sphinx_tabs.tabs"]
gcpdeploy_template_dirs = ["recipes"]
gcpdeploy_defaults = {"app": "shop"}
exclude_patterns = ["recipes", "_build"]
