"""The publish stage: turning executed report notebooks into the report files (HTML, Word, PDF).

Its one public name is the :mod:`~pss_analysis.publish.render` subpackage (the
renderers: Quarto, or the built-in nbconvert and pandoc ones; ``render`` and
``choose_renderer`` are imported from it). ``templates/`` holds their templates.
"""

from pss_analysis.publish import render

__all__ = ["render"]
