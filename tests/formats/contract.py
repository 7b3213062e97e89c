"""The contract every file format passes: subclass ``FormatContract`` once per format.

A subclass sets ``document_class`` and provides the fixture ``sample`` (the bytes of a
real-world sample file; parametrise it over several files). The checks: parse → write unchanged
is byte-identical; after translating every unit, parsing the output gives the same number of
units with the same ids and the translated texts; unit ids are stable.
"""

from __future__ import annotations

from typing import ClassVar

from lingoflow.formats.base import Document


def mark(text: str) -> str:
    """A recognisable fake translation that keeps leading/trailing whitespace."""
    core = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}«{core}»{trail}" if core else text


class FormatContract:
    """Generic checks for a :class:`~lingoflow.formats.base.Document` subclass."""

    document_class: ClassVar[type[Document]]

    def test_round_trip_without_translations_is_byte_identical(self, sample: bytes) -> None:
        document = self.document_class.parse(sample, name="sample")
        assert document.write({}) == sample

    def test_sample_has_translatable_units_with_unique_ids(self, sample: bytes) -> None:
        units = self.document_class.parse(sample, name="sample").units
        assert units, "the sample should have something to translate"
        ids = [unit.id for unit in units]
        assert len(ids) == len(set(ids))
        assert all(unit.source.strip() for unit in units)

    def test_unit_ids_are_stable(self, sample: bytes) -> None:
        first = [u.id for u in self.document_class.parse(sample, name="a").units]
        second = [u.id for u in self.document_class.parse(sample, name="b").units]
        assert first == second

    def test_translating_every_unit_changes_only_unit_text(self, sample: bytes) -> None:
        document = self.document_class.parse(sample, name="sample")
        translations = {unit.id: mark(unit.source) for unit in document.units}
        output = document.write(translations)
        reparsed = self.document_class.parse(output, name="output")
        assert [u.id for u in reparsed.units] == [u.id for u in document.units]
        assert [u.source for u in reparsed.units] == [translations[u.id] for u in document.units]
        # Writing the reparsed output back with the original sources restores the input.
        originals = {unit.id: unit.source for unit in document.units}
        assert reparsed.write(originals) == sample
