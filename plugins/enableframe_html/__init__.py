"""Built-in plugin: the ``html`` renderer, one self-contained file a CSO reads.

The page answers "where are we, what moved, what next" on its first screen, then gives the
QBR follow-up (targets agreed and their status, requests delivered, what moved since the last
stored run and why, what is next) and the trend over the stored runs (a small multiple per
CSO metric, the levels per period), then the five Ps, every criterion with its evidence,
charter health, which programs reach the CSO metrics, the road map, the data-quality account
and an appendix for the consultant. Charts
are inline SVG drawn by small templates; nothing loads from the network, no script runs, and
it prints to A4.

Uses only enableframe's public API (``hookimpl`` and the assessment's JSON shape). Jinja2
and the templates are loaded on the first render, not when the plugin is registered.
"""

from __future__ import annotations

from typing import Any

from enableframe import hookimpl


class HtmlRenderer:
    name = "html"
    extensions = (".html", ".htm")

    def render(self, result: dict[str, Any]) -> str:
        from enableframe_html.page import render_page

        return render_page(result)


@hookimpl
def enableframe_register_renderers(register) -> None:
    register(HtmlRenderer())
