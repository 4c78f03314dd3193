"""Action ids and callback ids: constants, so blocks and listeners cannot drift apart."""

from __future__ import annotations

from typing import Final

# The change process (handlers/change.py): the decision maker's buttons carry the change id.
CHANGE_APPROVE: Final = "change_approve"
CHANGE_REJECT: Final = "change_reject"
