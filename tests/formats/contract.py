"""The contract every file format passes: subclass ``FormatContract`` once per format.

A subclass sets ``document_class`` and provides the fixture ``sample`` (the bytes of a
real-world sample file; parametrise it over several files). The checks: parse → write unchanged
is byte-identical; after translating every unit, the output holds the translated texts under
the same ids; unit ids are stable.

Bilingual formats (PO, XLIFF) keep the source and add a target: they set
``monolingual = False`` and override :meth:`FormatContract.read_back` to return the targets
found in the written file, read with the format's own parser.
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
    monolingual: ClassVar[bool] = True

    def read_back(self, output: bytes) -> dict[str, str]:
        """The text of each unit as it stands in a written file (id → text)."""
        return {u.id: u.source for u in self.document_class.parse(output, name="output").units}

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
        assert self.read_back(output) == translations
        if self.monolingual:
            # Writing the translated file back with the original sources restores the input.
            reparsed = self.document_class.parse(output, name="output")
            originals = {unit.id: unit.source for unit in document.units}
            assert reparsed.write(originals) == sample
