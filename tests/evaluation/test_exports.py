"""Exports that open in Excel safely: text that looks like a formula stays text (OWASP CSV
injection), numbers stay numbers."""

import csv
import io

import pytest
import time_machine
from openpyxl import load_workbook

from evaluation import exports
from tests.evaluation import answered, at

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.fixture
def formula_units(city):
    """Units whose names an administrator typed as formulas, each with one answered follow-up."""
    units = [city.labour_bureau, city.water_company, city.urban_management]
    for unit, name in zip(units, FORMULAS[:3], strict=True):
        unit.name = name
        unit.save(update_fields=["name"])
    city.haidian_gov.name = FORMULAS[3]
    city.haidian_gov.save(update_fields=["name"])
    for unit in (*units, city.haidian_gov):
        answered(unit, at(2026, 3, 9), 1)


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_text_is_prefixed_with_a_quote(value):
    assert exports.safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", [1, -2, 70.5, None, "", "市城市管理委员会", "a=b"])
def test_numbers_and_plain_text_stay_as_they_are(value):
    assert exports.safe_cell(value) == value


def test_the_excel_export_holds_no_formula(client, leader, formula_units):
    client.force_login(leader)
    with time_machine.travel(at(2026, 4, 5, 10), tick=False):
        response = client.get("/evaluation/rankings/2026-03/export.xlsx")

    workbook = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    names = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert {"'" + name for name in FORMULAS[:4]} <= names
    # The figures next to them are still numbers Excel can sum.
    departments = workbook["市级部门"]
    row = next(departments.iter_rows(min_row=3, max_row=3, values_only=True))
    assert isinstance(row[0], int) and isinstance(row[3], int | float)


def test_the_csv_export_holds_no_formula(client, leader, formula_units):
    client.force_login(leader)
    with time_machine.travel(at(2026, 4, 5, 10), tick=False):
        response = client.get("/evaluation/rankings/2026-03/export.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    names = {row[3] for row in rows[1:]}
    assert {"'" + name for name in FORMULAS[:4]} <= names
    for row in rows[1:]:
        assert not [cell for cell in row if cell[:1] in ("=", "+", "@", "\t", "\r")]
    # The figures of the units named like formulas are plain numbers, as published.
    scored = [row for row in rows[1:] if row[3].startswith("'")]
    assert len(scored) == 4
    assert all(row[1].isdigit() and float(row[4]) >= 0 for row in scored)
