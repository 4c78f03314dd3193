"""The reviews' record, moved to modules of its own (issue 10): success criteria and their
values (storage/readings.py), priorities and lessons learned (storage/review_notes.py),
ramp confirmations, checklists, go / no-go decisions and the ramp hold
(storage/decisions.py), the issue log (storage/flags.py), check-in participation
(storage/checkins.py), `/pilot status`'s record (storage/status.py).

The names the listeners still import from here, until they import them from there.
"""

from storage.decisions import confirm_ramp as confirm_ramp
from storage.decisions import confirmation_of as confirmation_of
from storage.decisions import ramp_hold as ramp_hold
from storage.decisions import record_decision as record_decision
from storage.decisions import tick_checklist as tick_checklist
from storage.pilots import pilot_in as pilot_in
from storage.readings import criteria_as_of as criteria_as_of
from storage.readings import record_values as record_values
from storage.review_notes import LESSONS as LESSONS
from storage.review_notes import PRIORITIES as PRIORITIES
from storage.review_notes import add_note as add_note
from storage.review_notes import latest_note as latest_note
