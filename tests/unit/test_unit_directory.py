"""The unit directory (DISCHARGE_UNIT_DIRECTORY): validated line by line at start, names on the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from discharge.settings import SettingsError, load_settings
from discharge.units import UnitDirectoryError, load_unit_directory, parse_unit_directory
from workers.stack.web import DEMO_UNIT_DIRECTORY, with_demo_units
from workers.web.names import person_text, unit_html

CENTRUM = "SE2321000131-E000000000101"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "units.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_directory_names_every_unit_and_person_of_the_demo() -> None:
    directory = parse_unit_directory(DEMO_UNIT_DIRECTORY)
    assert directory.name(CENTRUM) == "Vårdcentralen Centrum"
    assert directory.units[CENTRUM].kind == "vardcentral"
    assert directory.name("SE2321000131-E000000000201") == "Lars LMV-läkare"
    assert directory.name("SE2321000131-E999") == "SE2321000131-E999"  # unknown: as it is


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("id,name\n", "line 1: the header must be hsa_id,name,kind"),
        (
            f"hsa_id,name,kind\n{CENTRUM},Centrum,vardcentral\nSE12-X,Bad,ward\n",
            "line 3: hsa_id: String should",
        ),
        (f"hsa_id,name,kind\n{CENTRUM},Centrum,clinic\n", "line 2: kind: Input should be"),
        (f"hsa_id,name,kind\n{CENTRUM},,vardcentral\n", "line 2: name: String should have at least 1"),
        (f"hsa_id,name,kind\n{CENTRUM},Centrum\n", "line 2: expected 3 columns"),
        (f"hsa_id,name,kind\n{CENTRUM},A,vardcentral\n{CENTRUM},B,vardcentral\n", "line 3: " + CENTRUM),
    ],
)
def test_a_wrong_line_is_named_with_its_number_and_why(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(UnitDirectoryError, match=re.escape(problem)):
        parse_unit_directory(write(tmp_path, text))


def test_a_wrong_directory_stops_a_process_at_start_naming_the_setting_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, f"hsa_id,name,kind\n{CENTRUM},Centrum,clinic\n")
    with pytest.raises(SettingsError, match=r"DISCHARGE_UNIT_DIRECTORY: .*units.csv line 2: kind"):
        load_settings(discharge_unit_directory=path)
    with pytest.raises(SettingsError, match=r"DISCHARGE_UNIT_DIRECTORY: .*cannot read"):
        load_settings(discharge_unit_directory=tmp_path / "missing.csv")


def test_discharge_dev_uses_the_demos_directory_unless_one_is_set(tmp_path: Path) -> None:
    assert with_demo_units(load_settings()).discharge_unit_directory == DEMO_UNIT_DIRECTORY
    own = write(tmp_path, f"hsa_id,name,kind\n{CENTRUM},VC Centrum Halmstad,vardcentral\n")
    assert with_demo_units(load_settings(discharge_unit_directory=own)).discharge_unit_directory == own
    assert load_unit_directory(own).name(CENTRUM) == "VC Centrum Halmstad"


def test_a_unit_is_shown_by_name_with_its_hsa_id_beside_it() -> None:
    directory = parse_unit_directory(DEMO_UNIT_DIRECTORY)
    cell = str(unit_html(directory, CENTRUM))
    assert "Vårdcentralen Centrum" in cell and f'title="{CENTRUM}"' in cell and "visually-hidden" in cell
    assert (
        str(unit_html(directory, CENTRUM, full=True))
        == f'Vårdcentralen Centrum <small class="hsa">{CENTRUM}</small>'
    )
    assert "mono" in str(unit_html(directory, "SE2321000131-E999"))
    assert person_text(directory, "urn:hsa:SE2321000131-E000000000300") == "Karin Koordinator"
    assert person_text(directory, "urn:hl7:PAS.HALLAND") == "urn:hl7:PAS.HALLAND"
