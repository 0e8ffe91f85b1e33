"""Write ``bazhong_by_district.xlsx`` from ``bazhong_by_district.csv`` — the same numbers, laid out
as a published spreadsheet: a merged title row above the header, rates as percent-formatted cells
(0.9213 shown as 92.13%), a blank row and a source line below the table. No number is added.

    python data/examples/make_xlsx.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
SOURCE = "https://m.ryxmt.com.cn/channel/xfts/20241101/475655_2.html"


def main() -> Path:
    rows = list(csv.reader((HERE / "bazhong_by_district.csv").open(encoding="utf-8")))
    header, body = rows[0], rows[1:]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表3"
    ws.append(["巴中市产品质量监督抽查 表3 各行政区域抽查情况"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for r in body:
        cells: list[object] = []
        for j, v in enumerate(r):
            if v == "":
                cells.append(None)
            elif j in (5, 6):  # 合格率(%), 不合格率(%): a percent-formatted number cell
                cells.append(round(float(v) / 100, 6))
            elif j in (0, 2, 3, 4):
                cells.append(int(v))
            else:
                cells.append(v)
        ws.append(cells)
        for j in (6, 7):
            ws.cell(row=ws.max_row, column=j).number_format = "0.00%"
    ws.append([])
    ws.append([f"数据来源：中国质量新闻网（2024-11-01），{SOURCE}"])
    out = HERE / "bazhong_by_district.xlsx"
    wb.save(out)
    return out


if __name__ == "__main__":
    print(main())
