"""Write the legacy-encoding samples from the NTREX sentences in tests/data/ntrex-sample.

Run once with the venv's python; the files are committed. Each file holds real sentences in
the encoding such files are found in: a Latin-1 French text, a Windows-1252 German Markdown
page (with the quote, dash and euro bytes that Latin-1 lacks), Shift_JIS Japanese subtitles,
a GBK Chinese CSV, a Shift_JIS HTML page that declares its charset, an ISO-8859-1 PO
catalogue, and UTF-16 and UTF-32 files (with and without a byte-order mark).
"""

import json
from pathlib import Path

HERE = Path(__file__).parent
NTREX = HERE.parents[2] / "data" / "ntrex-sample"


def lines(code: str) -> list[str]:
    return (NTREX / f"{code}.txt").read_text(encoding="utf-8").splitlines()


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def write(name: str, text: str, encoding: str) -> None:
    (HERE / name).write_bytes(text.encode(encoding))  # strict: every character must fit


fra = [line.replace("\u2019", "'") for line in lines("fra")]  # Latin-1 has no right single quote
write("fra-latin1.txt", "\n\n".join(fra) + "\n", "latin-1")

deu = lines("deu")
dash = "\u2013"
page = [f"# {deu[2]}", "", f"\u201e{deu[0]}\u201c {dash} **{deu[1]}**", ""]
page += [f"Preis: 5 \u20ac {dash} *{deu[3]}*", ""]
write("deu-cp1252.md", "\r\n".join(page), "cp1252")

jpn = lines("jpn")
cues = [f"{n}\n00:00:0{n},000 --> 00:00:0{n},900\n{line}\n" for n, line in enumerate(jpn, 1)]
write("jpn-shift_jis.srt", "\n".join(cues), "shift_jis")

zho = [line.replace("\u2022", "\u00b7") for line in lines("zho-CN")]  # GBK has no •
rows = ["id,text,note"] + [f"{n},{quoted(line)},ntrex-{n}" for n, line in enumerate(zho, 1)]
write("zho-gbk.csv", "\r\n".join(rows) + "\r\n", "gbk")

html = (
    '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="Shift_JIS">\n'
    f"<title>{jpn[0][:12]}</title>\n</head>\n<body>\n"
    + "".join(f"<p>{line}</p>\n" for line in jpn[1:])
    + "</body>\n</html>\n"
)
write("jpn-shift_jis.html", html, "shift_jis")

po = [
    'msgid ""',
    'msgstr ""',
    '"Content-Type: text/plain; charset=ISO-8859-1\\n"',
    '"Language: fr\\n"',
    "",
] + [f'msgid "{line}"\nmsgstr ""\n' for line in fra[:3]]
write("fra-iso8859-1.po", "\n".join(po), "latin-1")

write("fra-utf16.txt", "\ufeff" + "\r\n\r\n".join(lines("fra")) + "\r\n", "utf-16-le")
eng_fra = ["source,target"] + [
    f"{quoted(e)},{quoted(f)}" for e, f in zip(lines("eng"), lines("fra"), strict=True)
]
write("eng-fra-utf16.csv", "\ufeff" + "\n".join(eng_fra) + "\n", "utf-16-le")
json_text = json.dumps({"title": zho[1], "body": zho[2:4]}, ensure_ascii=False, indent=2) + "\n"
write("zho-utf16be-nobom.json", json_text, "utf-16-be")
yaml_text = "de:\n" + "".join(
    f"  line{n}: {json.dumps(line, ensure_ascii=False)}\n" for n, line in enumerate(deu, 1)
)
write("deu-utf32.yml", "\ufeff" + yaml_text, "utf-32-le")
