"""PoDocument: the format contract on a real Django catalogue, plus gettext specifics."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from lingoflow.errors import FormatError
from lingoflow.formats.po import PLURAL_SUFFIX, PoDocument
from lingoflow.languages import resolve
from tests.formats.contract import FormatContract

DATA = Path(__file__).parent / "data" / "po"
SAMPLES = sorted([*DATA.glob("*.po"), *DATA.glob("*.pot")])


@pytest.fixture(params=SAMPLES, ids=[p.name for p in SAMPLES])
def sample(request: pytest.FixtureRequest) -> bytes:
    path: Path = request.param
    return path.read_bytes()


class TestPoContract(FormatContract):
    document_class = PoDocument
    monolingual = False

    def read_back(self, output: bytes) -> dict[str, str]:
        return PoDocument.parse(output, name="output").targets


def _shop() -> tuple[bytes, PoDocument]:
    data = (DATA / "shop.de.po").read_bytes()
    return data, PoDocument.parse(data, name="shop.de.po")


def _polib(output: bytes) -> polib.POFile:
    return polib.pofile(output.decode("utf-8"))


def test_unit_ids_follow_gettext_keys() -> None:
    _, document = _shop()
    ids = [u.id for u in document.units]
    assert ids[:4] == [
        "Your cart",
        "Your cart is empty. Browse our catalogue and add something you like to get started.",
        "%(count)d item",
        "%(count)d item" + PLURAL_SUFFIX,
    ]
    assert "email subject\x04Your order" in ids
    assert "Old checkout" not in ids  # obsolete entries are not units


def test_context_carries_msgctxt_and_extracted_comments() -> None:
    _, document = _shop()
    contexts = {u.id: u.context for u in document.units}
    assert contexts["email subject\x04Your order"] == "email subject"
    assert contexts[document.units[1].id] == "TRANSLATORS: shown when the cart has no items."


def test_filled_entry_is_flagged_fuzzy_and_only_its_msgstr_and_flags_change() -> None:
    data, document = _shop()
    output = document.write({"Your cart": "Dein Warenkorb"})
    expected = data.replace(
        b'#: templates/cart.html:12\nmsgid "Your cart"\nmsgstr "Ihr Warenkorb"\n',
        b'#: templates/cart.html:12\n#, fuzzy\nmsgid "Your cart"\nmsgstr "Dein Warenkorb"\n',
    )
    assert output == expected


def test_existing_flags_are_kept_after_fuzzy() -> None:
    _, document = _shop()
    output = document.write({'Tab\there and a "quote"': "Tab\thier"})
    entry = _polib(output).find('Tab\there and a "quote"')
    assert entry is not None
    assert entry.flags == ["fuzzy"]
    assert entry.msgstr == "Tab\thier"
    output = document.write({"%(count)d item": "%(count)d Artikel"})
    assert b'#, fuzzy, python-format\nmsgid "%(count)d item"' in output


def test_mark_fuzzy_can_be_switched_off() -> None:
    data, document = _shop()
    document.mark_fuzzy = False
    output = document.write({"Your cart": "Dein Warenkorb"})
    assert output == data.replace(b'"Ihr Warenkorb"', b'"Dein Warenkorb"')


def test_comments_wrapping_and_obsolete_entries_are_kept() -> None:
    data, document = _shop()
    output = document.write({u.id: "X" for u in document.units}).decode()
    assert output.startswith(data.decode().split('msgid ""')[0])
    assert '"Your cart is empty. Browse our catalogue and add something you like to get "\n' in (
        output
    )
    assert '#| msgid "Order {number} placed"\n' in output
    assert output.endswith('#~ msgctxt "button"\n#~ msgid "Pay now"\n#~ msgstr "Jetzt zahlen"\n')
    obsolete = [e.msgid for e in _polib(output.encode()) if e.obsolete]
    assert obsolete == ["Old checkout", "Pay now"]


def test_multiline_translation_is_written_one_line_per_newline() -> None:
    _, document = _shop()
    key = "Hello,\n\nthank you for your order.\n"
    output = document.write({key: "Hallo,\n\ndanke für Ihre Bestellung.\n"})
    assert 'msgstr ""\n"Hallo,\\n"\n"\\n"\n"danke für Ihre Bestellung.\\n"\n' in output.decode()


def test_plural_entry_fills_every_form_from_the_plural_source() -> None:
    data = (DATA / "django-humanize.ru.po").read_bytes()
    document = PoDocument.parse(data)
    key = "naturaltime-past\x04%d year"
    output = document.write({key: "%d год", key + PLURAL_SUFFIX: "%d лет"})
    entry = _polib(output).find("%d year", msgctxt="naturaltime-past")
    assert entry is not None
    assert entry.msgstr_plural == {0: "%d год", 1: "%d лет", 2: "%d лет", 3: "%d лет"}
    assert "fuzzy" in entry.flags


def test_plural_with_only_singular_translated_keeps_other_forms() -> None:
    _, document = _shop()
    output = document.write({"%(count)d item": "%(count)d Artikel"})
    entry = _polib(output).find("%(count)d item")
    assert entry is not None
    assert entry.msgstr_plural == {0: "%(count)d Artikel", 1: ""}


def test_single_plural_form_language_takes_the_plural_translation() -> None:
    data = (
        (DATA / "messages.pot")
        .read_bytes()
        .replace(b"nplurals=INTEGER; plural=EXPRESSION;", b"nplurals=1; plural=0;")
    )
    document = PoDocument.parse(data)
    key = "%d file removed"
    output = document.write({key: "%d Datei", key + PLURAL_SUFFIX: "%d ファイル"})
    assert 'msgstr[0] "%d ファイル"\n' in output.decode()
    assert "msgstr[1]" not in output.decode()


def test_target_sets_language_header() -> None:
    data = (DATA / "messages.pot").read_bytes()
    output = PoDocument.parse(data).write({}, target=resolve("zh-TW"))
    assert _polib(output).metadata["Language"] == "zh_TW"
    assert output.replace(b'"Language: zh_TW\\n"', b'"Language: \\n"') == data


def test_target_rewrites_wrapped_header_fields_one_per_line() -> None:
    data = (DATA / "django-humanize.ru.po").read_bytes()
    output = PoDocument.parse(data).write({}, target=resolve("uk"))
    catalogue = _polib(output)
    assert catalogue.metadata["Language"] == "uk"
    original = polib.pofile(data.decode())
    assert catalogue.metadata["Plural-Forms"] == original.metadata["Plural-Forms"]
    assert output.split(b'msgid ""')[0] == data.split(b'msgid ""')[0]  # comments kept


def test_same_target_language_keeps_bytes() -> None:
    _, document = _shop()
    data, _ = _shop()
    assert document.write({}, target=resolve("de")) == data


def test_crlf_line_endings_are_kept() -> None:
    data = b'msgid "a"\r\nmsgstr ""\r\n\r\nmsgid "b"\r\nmsgstr ""\r\n'
    output = PoDocument.parse(data).write({"b": "B"})
    assert output == b'msgid "a"\r\nmsgstr ""\r\n\r\n#, fuzzy\r\nmsgid "b"\r\nmsgstr "B"\r\n'


def test_latin1_catalogue_is_written_in_its_charset() -> None:
    data = (
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=ISO-8859-1\\n"\n\n'
        'msgid "cafe"\nmsgstr "café"\n'
    ).encode("latin-1")
    document = PoDocument.parse(data)
    assert document.write({}) == data
    assert document.write({"cafe": "crème"}).endswith('msgstr "crème"\n'.encode("latin-1"))


@pytest.mark.parametrize(
    "data", [pytest.param(b"", id="empty"), pytest.param(b"# just a comment\n", id="comment")]
)
def test_empty_file_has_no_units_and_writes_back(data: bytes) -> None:
    document = PoDocument.parse(data)
    assert document.units == []
    assert document.write({}, target=resolve("de")) == data


@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param(b'msgid "a"\nmsgstr "b"\n\nmsgid "c"\nmsgstr "d"\ngarbage\n', 6, id="garbage"),
        pytest.param(b'msgid "a"\nmsgstr "b"\nmsgfoo "x"\n', 3, id="unknown-keyword"),
        pytest.param(b'msgid "a"\nmsgstr "b\n', 2, id="unclosed-string"),
        pytest.param(b'msgid "a"\nmsgstr ""\n"one \\"two\\"\n', 3, id="unclosed-continuation"),
    ],
)
def test_invalid_po_raises_format_error_with_line(data: bytes, line: int) -> None:
    with pytest.raises(FormatError) as info:
        PoDocument.parse(data, name="bad.po")
    assert info.value.line == line
    assert info.value.name == "bad.po"


def test_entries_without_blank_lines_between_them_are_split() -> None:
    data = b'msgid "a"\nmsgstr ""\n#: x.c:1\nmsgid "b"\nmsgstr ""\n"more"\nmsgid "c"\nmsgstr ""\n'
    document = PoDocument.parse(data)
    assert [u.id for u in document.units] == ["a", "b", "c"]
    output = document.write({"b": "B"})
    assert output == data.replace(
        b'#: x.c:1\nmsgid "b"\nmsgstr ""\n"more"\n', b'#: x.c:1\n#, fuzzy\nmsgid "b"\nmsgstr "B"\n'
    )


def test_translation_equal_to_existing_msgstr_changes_nothing() -> None:
    data, document = _shop()
    assert document.write({"Your cart": "Ihr Warenkorb"}) == data


def test_unicode_line_separators_are_ordinary_text() -> None:
    data = 'msgid "a\u2028b"\nmsgstr ""\n'.encode()
    document = PoDocument.parse(data)
    assert document.units[0].source == "a\u2028b"
    output = document.write({"a\u2028b": "x\x85y"})
    assert PoDocument.parse(output).targets == {"a\u2028b": "x\x85y"}
