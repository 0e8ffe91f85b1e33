"""How a report's outputs reach IPython: the display data IPython's own formatters would give a
report's Markdown, tables and figures, built directly (issue 14: a report shows a dozen of them,
and IPython otherwise asks each of its ten formatters about each object); anything else — or a
type a user registered a printer for — is left to IPython. ``tests/test_framework_display.py``
compares with IPython's formatters."""

from __future__ import annotations

from typing import Any

import pandas as pd


def _display(obj: Any) -> None:
    """IPython's display (with the display data built directly where the module says); outside
    IPython (a script, a test) Markdown is printed as text."""
    from IPython import get_ipython
    from IPython.display import Markdown, display

    ip = get_ipython()
    if ip is None and isinstance(obj, Markdown):
        print(obj.data)
        return
    data = None if ip is None else _display_data(ip, obj)
    if data is not None:
        display(data, raw=True)
        return
    shown = None if ip is None else _png_display_data(ip, obj)
    if shown is not None:
        display(shown[0], metadata=shown[1], raw=True)
        return
    with pd.option_context("display.max_colwidth", None):  # sentences whole, never cut with …
        display(obj)


def _display_data(ip: Any, obj: Any) -> dict[str, str] | None:
    """What IPython's display formatters make of a plain :class:`~IPython.display.Markdown` or
    :class:`pandas.DataFrame` (``text/plain`` and ``text/markdown`` / ``text/html``, each
    table cell whole), or None — let IPython format it — for anything else, or when a
    formatter was changed for its type (a user's table renderer, say)."""
    from IPython.display import Markdown

    if type(obj) is Markdown and not obj.metadata and isinstance(obj.data, str):
        kinds = ("text/plain", "text/markdown")
    elif type(obj) is pd.DataFrame and pd.get_option("styler.render.repr") == "html":
        kinds = ("text/plain", "text/html")
    else:
        return None
    if not _formatters_as_shipped(ip, obj, kinds):
        return None
    if kinds[1] == "text/markdown":
        return {"text/plain": repr(obj), "text/markdown": obj.data}
    with pd.option_context("display.max_colwidth", None):  # sentences whole, never cut with …
        html = obj._repr_html_()
        return {"text/plain": repr(obj)} | ({} if html is None else {"text/html": html})


def _png_display_data(ip: Any, obj: Any) -> tuple[dict[str, str], dict[str, Any] | None] | None:
    """The display data and metadata IPython's formatters make of a plain embedded PNG
    :class:`~IPython.display.Image` (a report's figure: ``image/png`` base64, its ``alt`` as
    metadata, ``text/plain`` the object's repr), or None — let IPython format it — for any other
    image or when the PNG or text formatter was changed (see :func:`_display_data`)."""
    import binascii

    from IPython.display import Image

    if (
        type(obj) is not Image
        or not obj.embed
        or obj.format != "png"
        or not isinstance(obj.data, bytes)
        or obj.metadata
        or obj.width
        or obj.height
        or obj.unconfined
        or not _formatters_as_shipped(ip, obj, ("text/plain", "image/png"))
    ):
        return None
    data = {
        "image/png": binascii.b2a_base64(obj.data, newline=False).decode("ascii"),
        "text/plain": repr(obj),
    }
    return data, ({"image/png": {"alt": obj.alt}} if obj.alt else None)


def _formatters_as_shipped(ip: Any, obj: Any, kinds: tuple[str, ...]) -> bool:
    """IPython's formatters are the usual ones, those of ``kinds`` enabled and none with a
    printer registered for ``obj``'s type (a user's own table renderer, say)."""
    formatter = getattr(ip, "display_formatter", None)
    if formatter is None or set(formatter.active_types) != _ACTIVE_TYPES:
        return False
    for kind in kinds:
        if not formatter.formatters[kind].enabled:
            return False
        try:
            formatter.formatters[kind].lookup(obj)
        except KeyError:
            continue
        return False  # a printer registered for its type
    return True


_ACTIVE_TYPES = {
    "text/plain",
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "image/png",
    "application/pdf",
    "image/jpeg",
    "text/latex",
    "application/json",
    "application/javascript",
}
"""IPython's display formatters (:func:`_display_data` computes their data only with these)."""
