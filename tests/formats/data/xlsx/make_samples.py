"""Write ui-strings.xlsx: run once with the venv's python; the file is committed."""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

workbook = Workbook()
sheet = workbook.active
assert sheet is not None
sheet.title = "Strings"
sheet.append(["key", "English", "Max length", "Chars"])
rows = [
    ("menu.file.open", "Open file…", 20),
    ("menu.file.save", "Save changes", 20),
    ("dialog.quit", "Quit without saving?", 40),
    ("toast.saved", "Your changes were saved.", 40),
]
for number, (key, text, limit) in enumerate(rows, start=2):
    sheet.append([key, text, limit, f"=LEN(B{number})"])
for cell in sheet[1]:
    cell.font = Font(bold=True)
sheet["B3"].fill = PatternFill("solid", fgColor="FFFF00")
notes = workbook.create_sheet("Notes")
notes.append(["Topic", "Note"])
notes.append(["Tone", "Friendly, short sentences."])
notes.append(["Terms", "Use the glossary for 'file' and 'folder'."])
workbook.save(Path(__file__).with_name("ui-strings.xlsx"))
