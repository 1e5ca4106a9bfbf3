"""Register CSV files made for tests, in the Ofqual Register's own headings."""

import csv
import io

from qualifications.register import HEADINGS


def register_row(number="603/1234/5", **values):
    """One row as a dict of heading to text: a complete, valid Level 3 qualification unless
    `values` (keyed by heading with spaces as underscores, e.g. Qualification_Title) say else."""
    row = {
        "Qualification Number": number,
        "Qualification Title": "Conflict Resolution Level 3 Certificate",
        "Owner Organisation Recognition Number": "RN5220",
        "Owner Organisation Name": "AIM Qualifications",
        "Owner Organisation Acronym": "AIM QUALS",
        "Qualification Level": "Level 3",
        "Qualification Sub Level": "None",
        "Qualification Type": "Other Vocational Qualification",
        "Total Credits": "12",
        "Qualification SSA": "Law and legal services",
        "Qualification Status": "Available to learners",
        "Regulation Start Date": "01/09/2020",
        "Operational Start Date": "01/10/2020",
        "Operational End Date": "31/08/2030",
        "Certification End Date": "31/08/2032",
        "Minimum Guided Learning Hours": "90",
        "Maximum Guided Learning Hours": "110",
        "Total Qualification Time": "120",
        "Guided Learning Hours": "100",
        "Offered In England": "Yes",
        "Offered In Northern Ireland": "No",
        "Overall Grading Type": "Pass/Fail",
        "Assessment Methods": "Portfolio of evidence",
        "Link To Specification": "https://example.org/specifications/conflict-resolution.pdf",
    }
    for key, value in values.items():
        row[key.replace("_", " ")] = value
    return row


def register_csv(rows, headings=HEADINGS, line_ending="\n", bom=False):
    """`rows` (dicts from register_row) as the bytes of a CSV file with `headings`."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=line_ending)
    writer.writerow(headings)
    for row in rows:
        writer.writerow([row.get(heading, "") for heading in headings])
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()
