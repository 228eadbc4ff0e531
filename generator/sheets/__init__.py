"""Problem sheets for a class: one entrance to ``handbook sheets``.

``make_sheets(project, name, students, progress)`` reads ``sheets/NAME.toml``, draws each student's
variant (``draw``: a pure function of the sheet's seed and the student's id), renders every
question in its chapter's context (``render``), verifies every part as the book is verified
(``check``), typesets the class once and splits it into a PDF per student, a key per student, the
instructor's table and a CSV of the answers (``publish``), all under ``build/sheets/NAME/``.
The students come from ``read_roster`` (a CSV with id and name) or ``numbered_students`` (a count).
"""

from generator.sheets.pipeline import SheetsMade, make_sheets, output_folder
from generator.sheets.spec import SheetInputError, Student, numbered_students, read_roster

__all__ = [
    "SheetInputError",
    "SheetsMade",
    "Student",
    "make_sheets",
    "numbered_students",
    "output_folder",
    "read_roster",
]
