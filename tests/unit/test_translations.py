"""Swedish first, through gettext catalogues: every word of the code and templates is in the Swedish
catalogue and translated, with the same placeholders; the page and the report speak Swedish by default."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from discharge.i18n import catalogue_path, gettext, language, local_time, ngettext, number
from workers.web.present import relative

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}")


def extracted() -> set[str | tuple[str, ...]]:
    """What `make translations` extracts (babel.cfg), read the same way here."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def swedish() -> dict[str | tuple[str, ...], str | tuple[str, ...]]:
    with catalogue_path("sv").open("rb") as po:
        catalogue = read_po(po)
    return {
        (m.id if isinstance(m.id, str) else tuple(m.id)): (
            m.string if isinstance(m.string, str) else tuple(m.string or ())
        )
        for m in catalogue
        if m.id and not m.fuzzy
    }


def test_every_word_of_the_pages_and_the_report_is_translated_to_swedish() -> None:
    words, catalogue = extracted(), swedish()
    assert len(words) > 200  # the extraction found the templates and the code
    missing = sorted(str(word) for word in words if not catalogue.get(word))
    assert not missing, f"run `make translations` and translate: {missing}"


def test_each_translation_keeps_its_placeholders() -> None:
    for source, translated in swedish().items():
        sources = (source,) if isinstance(source, str) else source
        translations = (translated,) if isinstance(translated, str) else translated
        for text in translations:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(sources[0])), source


def test_swedish_is_the_default_and_english_is_a_choice() -> None:
    assert gettext("Inbox") == "Inkorg"
    assert ngettext("The chain is whole: %(num)s line, none deleted or edited.", "x", 2).startswith("Kedjan")
    with language("en"):
        assert gettext("Inbox") == "Inbox"
    with language("fi"):  # not ours: the default
        assert gettext("Inbox") == "Inkorg"


def test_numbers_and_spans_are_written_as_each_language_writes_them() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert number(1234.5) == "1\xa0234,5"
    assert relative(now - timedelta(hours=3), now) == "försenad med 3 h 0 min"
    assert local_time(now) == "2026-03-02 13:00"  # Stockholm, winter time
    with language("en"):
        assert number(1234.5) == "1,234.5"
        assert relative(now + timedelta(days=2), now) == "in 2 d 0 h"
