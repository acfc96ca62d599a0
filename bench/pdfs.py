"""Report-like PDFs (reportlab) from generated documents, with a ``catalogue.csv`` beside them."""
from __future__ import annotations

import csv
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from bench.generate import GeneratedDocument

CATALOGUE_COLUMNS = ("file", "title", "publisher", "year", "kind", "scope", "restricted")


def write_pdf(document: GeneratedDocument, path: Path) -> None:
    """One PDF: title page lines, then each passage under its heading when the heading changes."""
    styles = getSampleStyleSheet()
    story = [Paragraph(escape(document.title), styles["Title"]),
             Paragraph(escape(document.publisher), styles["Normal"]), Spacer(1, 12)]
    heading: list[str] = []
    for passage in document.passages:
        if passage["heading_path"] and passage["heading_path"] != heading:
            heading = passage["heading_path"]
            story.append(Paragraph(escape(heading[-1]), styles["Heading2"]))
        story.append(Paragraph(escape(passage["text"]), styles["BodyText"]))
    SimpleDocTemplate(str(path), pagesize=A4, title=document.title,
                      author=document.publisher).build(story)


def write_folder(documents: list[GeneratedDocument], folder: Path) -> None:
    """PDFs ``0001.pdf``... and their catalogue in ``folder`` (left as is when complete)."""
    catalogue = folder / "catalogue.csv"
    if catalogue.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for number, document in enumerate(documents, start=1):
        name = f"{number:04d}.pdf"
        write_pdf(document, folder / name)
        rows.append((name, document.title, document.publisher, document.year, document.kind,
                     document.scope, "yes" if document.restricted else "no"))
    temporary = catalogue.with_suffix(".part")
    with open(temporary, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CATALOGUE_COLUMNS)
        writer.writerows(rows)
    temporary.replace(catalogue)
