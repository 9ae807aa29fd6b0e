"""Sphinx configuration of the Masakari documentation."""
# masakari switches oslo.service to its threading backend when imported; it
# must come before the configuration extension loads oslo.messaging's options.
import masakari  # noqa: F401

project = 'Masakari'
copyright = 'Masakari contributors'
extensions = [
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
    'reno.sphinxext',
]
exclude_patterns = ['_build']
html_theme = 'alabaster'
