"""The figure style: CJK fonts (matplotlib font manager), seaborn theme and rcParams, colours by
role, labels in Chinese and English, texts that render without a CJK font, and saving with fixed
metadata (same figure → same bytes).
"""

from __future__ import annotations

import math
import os
import warnings
from functools import cache
from pathlib import Path
from typing import IO, Any, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from qualitykit.errors import ParameterError, QualityKitWarning
from qualitykit.report import vocabulary
from qualitykit.schema import CHECK_LEVEL_ZH, ENTERPRISE_SIZE_ZH

Lang = Literal["zh", "en"]

CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)
"""CJK font families looked for, in order of preference."""
FALLBACK_FAMILY = "DejaVu Sans"
CJK_INSTALL_HINT = "sudo apt-get install fonts-noto-cjk"

FIGSIZE: tuple[float, float] = (7.0, 4.5)
PNG_COMPRESSION = 1
"""zlib level of the PNGs :func:`save_figure` writes (:func:`png_bytes`: measured sizes and times
of the levels there)."""
PALETTE = "colorblind"
# seaborn "colorblind" palette (Wong 2011), by role
_BLUE, _ORANGE, _GREEN, _RED, _GREY = "#0173b2", "#de8f05", "#029e73", "#d55e00", "#949494"
_DARK = "#333333"

LABELS: dict[str, dict[str, str]] = {k: dict(v) for k, v in vocabulary.LABELS.items()}
"""Axis, legend and title texts in Chinese and English, by key (mostly canonical column names):
the ``labels`` of the one vocabulary (:mod:`qualitykit.report.vocabulary`)."""

_VALUE_ZH: dict[str, dict[str, str]] = {
    kind: {code: entry["zh"] for code, entry in vocabulary.VALUES[kind].items()}
    for kind in ("enterprise_size", "check_level", "cause_5m1e", "controllable")
}
"""Chinese labels of coded values in figures (the vocabulary's ``values``)."""
_VALUE_ORDER: dict[str, tuple[str, ...]] = {
    "enterprise_size": tuple(ENTERPRISE_SIZE_ZH),
    "check_level": tuple(CHECK_LEVEL_ZH),
}

_STATE: dict[str, bool] = {"applied": False, "warned": False}
_APPLIED: dict[str, Any] = {}
"""The rcParams :func:`use_style` set, as it left them (what :func:`ensure_style` checks)."""
_PALETTE_RC = ("axes.prop_cycle", "patch.facecolor")


@cache
def cjk_family() -> str | None:
    """The first installed family of :data:`CJK_FAMILIES` (matplotlib font manager), or None."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((fam for fam in CJK_FAMILIES if fam in installed), None)


def cjk_available() -> bool:
    """True when a CJK font is installed, so Chinese labels render (no 'Glyph missing' boxes)."""
    return cjk_family() is not None


@cache
def _fallback_charmap() -> frozenset[int]:
    """Code points the fallback font (DejaVu Sans) has glyphs for."""
    path = font_manager.findfont(
        font_manager.FontProperties(family=FALLBACK_FAMILY), fallback_to_default=True
    )
    return frozenset(font_manager.get_font(path).get_charmap())


def _renderable(text: str) -> bool:
    """True when ``text`` renders without a CJK font."""
    charmap = _fallback_charmap()
    return all(ord(ch) in charmap or ch.isspace() for ch in text)


def style_rc() -> dict[str, Any]:
    """The rcParams qualitykit sets on top of seaborn's ``whitegrid`` theme."""
    family = cjk_family()
    fonts = [family, FALLBACK_FAMILY] if family else [FALLBACK_FAMILY]
    return {
        "figure.figsize": FIGSIZE,
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.format": "png",
        "font.family": "sans-serif",
        "font.sans-serif": fonts,
        "axes.unicode_minus": False,
        "axes.titlesize": 13,
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 9,
        "legend.title_fontsize": 9,
        "legend.frameon": True,
        "legend.framealpha": 0.85,
        "lines.linewidth": 1.6,
        "lines.markersize": 5,
        "image.cmap": "viridis",
        "svg.hashsalt": "qualitykit",
        "svg.fonttype": "path",
        "pdf.fonttype": 3,
    }


def use_style() -> None:
    """Set the qualitykit style: seaborn whitegrid, colour-blind palette, CJK font, fixed sizes.

    Sets global rcParams (``seaborn.set_theme`` with :func:`style_rc`). Without a CJK font it
    warns once (:class:`QualityKitWarning`) and figures use English labels.
    """
    import seaborn as sns

    rc = style_rc()
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, rc=rc)
    _remember_font_heights()
    _remember_text_layouts()
    keys = {*rc, *sns.axes_style("whitegrid"), *sns.plotting_context("notebook"), *_PALETTE_RC}
    _APPLIED.clear()
    _APPLIED.update({k: mpl.rcParams[k] for k in sorted(keys)})
    _STATE["applied"] = True
    if not cjk_available() and not _STATE["warned"]:
        _STATE["warned"] = True
        warnings.warn(
            "no CJK font found (looked for " + ", ".join(CJK_FAMILIES) + "): figures use "
            f"English labels and region codes instead of Chinese names; install one with "
            f"`{CJK_INSTALL_HINT}` and restart the kernel",
            QualityKitWarning,
            stacklevel=2,
        )


_HEIGHTS: dict[tuple[Any, float, tuple[Any, ...]], tuple[Any, Any, Any]] = {}
_FONT_RC = ("font.family", "font.sans-serif", "font.serif", "font.monospace", "font.cursive",
            "font.fantasy", "font.style", "font.weight", "font.size", "font.stretch")  # fmt: skip


def _font_rc() -> tuple[Any, ...]:
    """The rcParams a font lookup depends on (the font a generic family resolves to)."""
    rc = mpl.rcParams
    return tuple(tuple(v) if isinstance(v := rc[k], list) else v for k in _FONT_RC)


_HEIGHT_TABLES = (
    ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
    ("hhea", "lineGap", "ascent", "descent"),
)


def _font_height_metrics(renderer: Any, prop: Any) -> tuple[Any, Any, Any]:
    """A font's ascent, descent and line gap at the renderer's dpi, remembered per font, dpi and
    font settings:
    the numbers matplotlib's ``Text._get_layout`` reads from the font's OS/2 or hhea table on
    every text measurement (two table reads from the CJK font each time: about a tenth of a
    district brief's figures). Same formula, same numbers; ``(None, None, None)`` lets
    matplotlib measure the font itself."""
    key = (prop.copy(), float(renderer.dpi), _font_rc())
    hit = _HEIGHTS.get(key)
    if hit is None:
        hit = (None, None, None)
        font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(prop))
        for table_name, gap, ascent, descent in _HEIGHT_TABLES:
            table = font.get_sfnt_table(table_name)
            if table is None:
                continue
            units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
            scale = 1 / units_per_em * prop.get_size_in_points() * renderer.dpi / 72
            hit = (table[ascent] * scale, -table[descent] * scale, table[gap] * scale)
            break
        _HEIGHTS[key] = hit
    return hit


def _remember_font_heights() -> None:
    """Give the Agg renderer :func:`_font_height_metrics` (matplotlib asks a renderer for them
    when it has the method; only its PDF/PS renderers do). Not where matplotlib has its own."""
    from matplotlib.backends.backend_agg import RendererAgg

    if not hasattr(RendererAgg, "_get_font_height_metrics"):
        RendererAgg._get_font_height_metrics = _font_height_metrics  # type: ignore[attr-defined]


_TEXT_CACHE_SIZE = 4096
_EXTENTS: dict[tuple[Any, ...], tuple[float, float, float]] = {}
_GLYPHS: dict[tuple[Any, ...], Any] = {}


def _text_key(renderer: Any, s: str, prop: Any, *extra: Any) -> tuple[Any, ...]:
    from matplotlib.backends.backend_agg import get_hinting_flag

    rc = mpl.rcParams  # (what matplotlib's get_font reads besides the font files)
    fonts = (rc["text.hinting_factor"], rc["text.kerning_factor"], rc["font.enable_last_resort"])
    return (s, prop.copy(), float(renderer.dpi), get_hinting_flag(), _font_rc(), fonts, *extra)


def _remember(cache: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> Any:
    if len(cache) >= _TEXT_CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


def _remember_text_layouts() -> None:
    """Let the Agg renderer remember, per process, a plain text's extent and glyph layout (by
    text, font, size, dpi, hinting and font settings). matplotlib measures and lays out each text
    again in every new figure (its metrics cache is per renderer, one per figure and save) with
    FreeType and the CJK font's fallback chain: the same tick labels, axis labels and legend
    texts of every district brief, about a fifth of a figure's drawing; the glyphs' bitmaps are
    remembered too (:func:`_draw_glyphs`). The numbers, glyphs and bitmaps are those FreeType
    gives (same pixels); mathtext and TeX are left to matplotlib."""
    from matplotlib import ft2font
    from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
    from matplotlib.ft2font import FT2Font

    if getattr(RendererAgg, "_qk_text_cache", False):
        return
    if mpl.__version__.split(".")[:2] != ["3", "11"]:
        return  # the private methods used below are matplotlib 3.11's: others draw texts themselves
    if (
        not hasattr(RendererAgg, "_draw_text_glyphs_and_boxes")
        or not all(
            hasattr(FT2Font, name) for name in ("_layout", "_set_transform", "_render_glyph")
        )
        or not hasattr(ft2font, "RenderMode")
    ):
        return  # another matplotlib: it measures, lays out and draws texts itself
    modes = (ft2font.RenderMode.NORMAL, ft2font.RenderMode.MONO)  # antialiased or not
    measure, draw = RendererAgg.get_text_width_height_descent, RendererAgg.draw_text

    def get_text_width_height_descent(self: Any, s: str, prop: Any, ismath: Any) -> Any:
        if ismath:
            return measure(self, s, prop, ismath)
        key = _text_key(self, s, prop)
        hit = _EXTENTS.get(key)
        return hit if hit is not None else _remember(_EXTENTS, key, measure(self, s, prop, ismath))

    def draw_text(self: Any, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                  ismath: Any = False, mtext: Any = None) -> None:  # fmt: skip
        if ismath:
            return draw(self, gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        key = _text_key(self, s, prop, None if features is None else tuple(features), language)
        items = _GLYPHS.get(key)
        if items is None:
            font = self._prepare_font(prop)
            items = _remember(_GLYPHS, key, font._layout(s, flags=get_hinting_flag(),
                                                          features=features, language=language))  # fmt: skip
        size = prop.get_size_in_points()
        _draw_glyphs(self, gc, x, y, angle, items, size, get_hinting_flag(), modes)
        return None

    RendererAgg.get_text_width_height_descent = get_text_width_height_descent  # type: ignore[method-assign]
    RendererAgg.draw_text = draw_text  # type: ignore[method-assign]
    RendererAgg._qk_text_cache = True  # type: ignore[attr-defined]


_BITMAP_CACHE_SIZE = 16384
_BITMAPS: dict[tuple[Any, ...], tuple[Any, int, int]] = {}


def _draw_glyphs(
    renderer: Any,
    gc: Any,
    x: float,
    y: float,
    angle: float,
    items: Any,
    size: float,
    flags: Any,
    modes: tuple[Any, Any],
) -> None:
    """Draw a laid-out plain text's glyphs as matplotlib 3.11's
    ``RendererAgg._draw_text_glyphs_and_boxes`` does, with each glyph's bitmap remembered per
    process by font, size, dpi, hinting, antialiasing, rotation and the fraction of a pixel
    (in FreeType's 1/64 units) at which the glyph starts. FreeType renders a glyph moved by
    whole pixels as the same bitmap moved by as many pixels (its outline is moved exactly, in
    integer 26.6 units), so a remembered bitmap drawn at the glyph's whole-pixel offset gives the
    pixels FreeType gives. The tick labels, axis labels and legend texts of the district briefs
    start at the same fractions figure after figure: about three glyphs in four are drawn from
    the cache (``tests/test_figures_text.py`` compares the bytes with matplotlib's own).
    ``flags``: FreeType's load flags (``backend_agg.get_hinting_flag()``); ``modes``: the
    ``ft2font.RenderMode`` of antialiased and of other text."""
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
    rotation = tuple(matrix.ravel().tolist())
    antialiased = bool(gc.get_antialiased())
    dpi, height = renderer.dpi, renderer.height
    for item in items:
        font, dx, dy = item.ft_object, item.x, item.y  # dy is upwards, as FreeType's y
        whole_x, frac_x = divmod(round(0x40 * (x + dx * cos - dy * sin)), 0x40)
        whole_y, frac_y = divmod(round(0x40 * (height - y + dx * sin + dy * cos)), 0x40)
        key = (font, size, dpi, item.glyph_index, flags, antialiased, rotation, frac_x, frac_y)
        hit = _BITMAPS.get(key)
        if hit is None:
            font.set_size(size, dpi)
            font._set_transform(matrix, [frac_x, frac_y])
            mode = modes[0] if antialiased else modes[1]
            bitmap = font._render_glyph(item.glyph_index, flags, mode)
            buffer = np.array(bitmap.buffer, copy=True)
            if not antialiased:
                buffer *= 0xFF
            if len(_BITMAPS) >= _BITMAP_CACHE_SIZE:
                _BITMAPS.clear()
            hit = _BITMAPS[key] = (buffer, bitmap.left, bitmap.top)
        buffer, left, top = hit
        # draw_text_image's y is downwards and names the bitmap's bottom row
        renderer._renderer.draw_text_image(
            buffer, left + whole_x, int(height) - (top + whole_y) + buffer.shape[0], 0, gc
        )


def ensure_style() -> None:
    """Apply the style (:func:`use_style`) unless it is fully in effect: applied before and
    every rcParam it sets still has the value it set (a comparison of some 60 rcParams; the
    theme is not set again). What :func:`qualitykit.report.framework.start` calls for each
    report: the same rcParams as :func:`use_style` each time, at a fraction of its cost."""
    if not _STATE["applied"] or not _style_in_effect():
        use_style()


def _style_in_effect() -> bool:
    rc = mpl.rcParams
    try:
        return all(rc[k] == v for k, v in _APPLIED.items())
    except (KeyError, ValueError):  # pragma: no cover - an rcParam removed or not comparable
        return False


def _ensure_style() -> None:
    """What each figure function calls: apply the style when it was never applied or has been
    lost since — ``svg.hashsalt`` (set only by the style) or the CJK font no longer what it set,
    as after leaving a ``matplotlib.rc_context`` inside which the style was first applied, or
    after ``matplotlib.rcdefaults()``. A user's own change of a single rcParam (a larger tick
    label in an ``rc_context``, say) is kept, as matplotlib users expect."""
    if not _STATE["applied"] or _style_lost():
        use_style()


def _style_lost() -> bool:
    rc = mpl.rcParams
    if rc["svg.hashsalt"] != _APPLIED.get("svg.hashsalt"):
        return True
    family = cjk_family()
    return family is not None and family not in rc["font.sans-serif"]


def _lang(lang: str) -> Lang:
    if lang not in ("zh", "en"):
        raise ParameterError(f"lang must be 'zh' or 'en', got {lang!r}")
    if lang == "zh" and not cjk_available():
        return "en"
    return lang  # type: ignore[return-value]


def label(key: str, lang: Lang = "zh") -> str:
    """The text of ``key`` in :data:`LABELS`, then the vocabulary's terms (English without a CJK
    font); the key if unknown."""
    entry = LABELS.get(key) or vocabulary.TERMS.get(key)
    if entry is None:
        return key
    return entry[_lang(lang)]


def _text(value: object, fallback: object = None) -> str:
    """A data text (region or item name) that renders: without a CJK font, the fallback."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if cjk_available() or _renderable(text):
        return text
    alt = "" if fallback is None else str(fallback)
    if alt and _renderable(alt):
        return alt
    return "".join(c for c in text if _renderable(c)).strip() or "?"


def _texts(values: pd.Series, fallback: pd.Series | None = None) -> list[str]:
    fb = [None] * len(values) if fallback is None else fallback.tolist()
    return [_text(v, f) for v, f in zip(values.tolist(), fb, strict=True)]


def save_figure(
    fig: Figure,
    target: str | os.PathLike[str] | IO[bytes],
    *,
    format: str | None = None,
    dpi: float | None = None,
) -> None:
    """Save with fixed metadata (no date, no software version), so the same figure gives the
    same PNG / SVG / PDF bytes. ``format`` defaults to the file suffix, else PNG. The figure's
    layout is computed once and frozen first
    (:func:`qualitykit.report.figures.layout.settle_layout`: the same layout, measured once, or
    re-used from a figure with the same texts around its axes). A PNG is matplotlib's RGBA
    pixels written by :func:`png_bytes` (see there; with ``savefig.bbox = "tight"`` matplotlib
    writes it)."""
    from qualitykit.report.figures.layout import (
        best_legend_found_once,
        settle_layout,
        titles_in_place,
    )

    settle_layout(fig)
    fmt = format
    if fmt is None:
        fmt = (
            Path(os.fspath(target)).suffix.lstrip(".")
            if isinstance(target, str | os.PathLike)
            else ""
        )
        fmt = fmt or "png"
    fmt = fmt.lower()
    metadata: dict[str, Any] = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
    }.get(fmt, {})
    extra: dict[str, Any] = (
        {"pil_kwargs": {"compress_level": PNG_COMPRESSION}} if fmt == "png" else {}
    )
    with (
        mpl.rc_context({"svg.hashsalt": "qualitykit"}),
        titles_in_place(fig),
        best_legend_found_once(fig),
    ):
        if fmt == "png" and mpl.rcParams["savefig.bbox"] != "tight":
            data = _png_of(fig, dpi)
            if data is not None:
                if isinstance(target, str | os.PathLike):
                    Path(os.fspath(target)).write_bytes(data)
                else:
                    target.write(data)
                return
        fig.savefig(target, format=fmt, dpi=dpi, metadata=metadata or None, **extra)


def _png_of(fig: Figure, dpi: float | None) -> bytes | None:
    """The figure saved as a PNG by :func:`png_bytes` (matplotlib draws the RGBA pixels, with
    every other setting of ``savefig``); None if the pixels are not the figure's size."""
    import io

    res = mpl.rcParams["savefig.dpi"] if dpi is None else dpi
    if res == "figure":
        res = getattr(fig, "_original_dpi", fig.dpi)
    res = float(res)
    width, height = int(fig.get_figwidth() * res), int(fig.get_figheight() * res)
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=res)
    raw = buf.getbuffer()
    if raw.nbytes != width * height * 4:
        return None
    return png_bytes(np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 4), res)


def png_bytes(rgba: Any, dpi: float, level: int = PNG_COMPRESSION) -> bytes:
    """An 8-bit RGBA PNG of ``rgba`` (height × width × 4 ``uint8``) with its resolution (a
    ``pHYs`` chunk, as Pillow writes it) and no other metadata: the chunks matplotlib's PNG has
    (IHDR, pHYs, IDAT, IEND), the same pixels.

    Each row is stored unfiltered (PNG filter type 0) and the whole image compressed by zlib
    at ``level`` in one call. Pillow, which matplotlib uses, chooses a filter for each row,
    which costs more than the compression itself for these flat-coloured figures. Measured on
    the district brief's trend and funnel figures (700 × 450 px at the report's 100 dpi, six
    figures, median CPU per figure, a loaded 2-core machine, load average 5–10 — indicative):

    ==================================  ===========  =========
    encoder                             CPU/figure   size
    ==================================  ===========  =========
    Pillow, zlib level 0 (no deflate)   ≈ 10 ms      1,231 KiB
    Pillow, level 1 (was used)          ≈ 15 ms      54 KiB
    Pillow, level 3                     ≈ 12–14 ms   52 KiB
    Pillow, level 6 (matplotlib's)      ≈ 18–23 ms   53 KiB
    Pillow, level 9                     ≈ 60 ms      51 KiB
    unfiltered, level 1 (this, RGBA)    ≈ 6 ms       55 KiB
    unfiltered, level 6                 ≈ 12 ms      45 KiB
    unfiltered, level 1, RGB (no alpha) ≈ 7–10 ms    49 KiB
    ==================================  ===========  =========

    Level 1 is chosen for the review page: the fastest with files within 2 % of Pillow's (a
    report's two figures are ≈ 110 KiB of its page either way).

    ISA-L (the ``isal`` package) was tried and rejected: its deflate of these rows is ≈ 7 times
    faster than zlib's level 1 (0.39 against 2.61 ms per figure) and 7 % smaller, but not
    deterministic — two runs of ``tests/test_run_update.py`` gave a funnel figure whose pixels
    were equal and whose deflate streams differed in one byte (an equivalent match chosen
    differently), so an ``--update`` no longer equalled a full re-run byte for byte. The same
    inputs must give the same outputs; zlib does."""
    import struct
    import zlib

    height, width = int(rgba.shape[0]), int(rgba.shape[1])
    rows = np.empty((height, 1 + 4 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type: none
    rows[:, 1:] = np.asarray(rgba, dtype=np.uint8).reshape(height, 4 * width)
    ppm = int(dpi / 0.0254 + 0.5)  # pixels per metre, as Pillow writes the dpi

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
            chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
            chunk(b"IDAT", zlib.compress(rows.tobytes(), level)),
            chunk(b"IEND", b""),
        )
    )
