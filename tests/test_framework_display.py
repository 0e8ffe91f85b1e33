"""``qualitykit.report.display._display`` (what the report framework shows through) gives a report's Markdown and tables the display data IPython's own
formatters give them (issue 14: computed directly instead of asking every formatter), and leaves
anything else — or a type a user registered a printer for — to IPython."""

from __future__ import annotations

import pandas as pd
import pytest
from IPython.display import Image, Markdown, display

from qualitykit.report import display as qkdisplay


@pytest.fixture
def published():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    out: list[dict] = []
    shell.display_pub.publish = lambda data, metadata=None, **kw: out.append(
        {"data": data, "metadata": metadata or {}}
    )
    yield shell, out
    InteractiveShell.clear_instance()


def _table() -> pd.DataFrame:
    long = "不合格项目：" + "甲醛含量超过标准限值，" * 12  # longer than pandas' max_colwidth
    return pd.DataFrame(
        {
            "区县": ["龙湾区", "<b>鹿城区</b> & 瓯海区"],
            "说明": [long, "–"],
            "批次合格率": ["95.1%", "–"],
        },
        index=range(1, 3),
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: Markdown("## 趋势\n\n> 注：**95%** 区间 <script>x</script> & 1 < 2"),
        _table,
        lambda: pd.DataFrame({"a": [1.5, None]}),
    ],
)
def test_display_data_are_ipythons(published, make):
    shell, out = published
    with pd.option_context("display.max_colwidth", None):
        display(make())  # IPython's formatters (the report's column width)
    qkdisplay._display(make())
    assert len(out) == 2
    assert out[1] == out[0]
    assert qkdisplay._display_data(shell, make()) is not None


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.mark.parametrize("alt", [None, "杭州市 <趋势> & 目标"])
def test_figures_display_data_are_ipythons(published, alt):
    shell, out = published
    display(Image(data=PNG, format="png", alt=alt))
    qkdisplay._display(Image(data=PNG, format="png", alt=alt))
    assert len(out) == 2
    assert out[1] == out[0]
    assert set(out[1]["data"]) == {"image/png", "text/plain"}
    assert qkdisplay._png_display_data(shell, Image(data=PNG, format="png", alt=alt)) is not None


def test_other_images_are_left_to_ipython(published):
    shell, out = published
    assert qkdisplay._png_display_data(shell, Image(data=PNG, format="png", width=100)) is None
    assert qkdisplay._png_display_data(shell, Image(data=b"\xff\xd8\xff", format="jpeg")) is None
    png = shell.display_formatter.formatters["image/png"]
    png.for_type(Image, lambda img: "bWluZQ==")
    try:
        assert qkdisplay._png_display_data(shell, Image(data=PNG, format="png")) is None
    finally:
        png.pop(Image)


def test_other_objects_and_registered_printers_are_left_to_ipython(published):
    shell, out = published
    png = Image(data=b"\x89PNG\r\n\x1a\n", format="png")
    assert qkdisplay._display_data(shell, png) is None
    html = shell.display_formatter.formatters["text/html"]
    html.for_type(pd.DataFrame, lambda df: "<p>mine</p>")
    try:
        assert qkdisplay._display_data(shell, _table()) is None
        qkdisplay._display(_table())
        assert out[-1]["data"]["text/html"] == "<p>mine</p>"
    finally:
        html.pop(pd.DataFrame)


def test_outside_ipython_markdown_is_printed(capsys):
    qkdisplay._display(Markdown("**x**"))
    assert capsys.readouterr().out == "**x**\n"
