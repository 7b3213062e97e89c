"""Write release-notes.docx from python-docx's own default template (made with Word).

Run once with the venv's python; the file is committed.
"""

from pathlib import Path
from typing import Any, cast

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

document = docx.Document()
document.add_heading("Release notes 2.4", level=1)
intro = document.add_paragraph("This release makes ")
intro.add_run("syncing").bold = True
intro.add_run(" faster and fixes ")
intro.add_run("three").italic = True
intro.add_run(" crashes.")
split = document.add_paragraph("Same format ")
split.add_run("split over runs.")
mark = OxmlElement("w:bookmarkStart")
mark.set(qn("w:id"), "0")
mark.set(qn("w:name"), "faq")
cast(Any, split.runs[0]._r).addnext(mark)  # lxml stubs type addnext per element class
tabbed = document.add_paragraph("Shortcut:\tCtrl+S")
tabbed.add_run().add_break()
tabbed.add_run("Saves the file.")
document.add_paragraph("")
table = document.add_table(rows=2, cols=2)
table.cell(0, 0).text = "Feature"
table.cell(0, 1).text = "Status"
table.cell(1, 0).text = "Offline mode"
table.cell(1, 1).text = "Ready <beta>"
section = document.sections[0]
section.header.paragraphs[0].text = "Company confidential"
section.footer.paragraphs[0].text = "Page footer & notes"
document.save(str(Path(__file__).with_name("release-notes.docx")))
