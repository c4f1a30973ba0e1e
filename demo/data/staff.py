"""The demo's staff: an administrator and officers, among the demo citizens.

Seeding signs their accounts up and binds their real names from the demo population
register (as verification would), then grants the roles as the operator does, with
the actor ``demo-seed``. Nobody else holds a role until an administrator grants one.
"""

from __future__ import annotations

from dataclasses import dataclass

from demo.data.people import DENG_WEIDONG, TANG_YAQIN, WANG_HAORAN
from demo.exchange.models import ResidentRecord
from identity.models import OfficerRole


@dataclass(frozen=True, slots=True)
class StaffRole:
    """One role a demo citizen holds (``department_code`` ``None`` for the administrator)."""

    resident: ResidentRecord
    role: OfficerRole
    department_code: str | None = None


STAFF: list[StaffRole] = [
    StaffRole(DENG_WEIDONG, OfficerRole.ADMINISTRATOR),
    StaffRole(WANG_HAORAN, OfficerRole.CLERK, "430200-SCJG"),
    StaffRole(WANG_HAORAN, OfficerRole.CLERK, "430200-GA"),
    StaffRole(TANG_YAQIN, OfficerRole.HEAD, "430200-SCJG"),
    StaffRole(TANG_YAQIN, OfficerRole.CLERK, "430200-SW"),
    StaffRole(TANG_YAQIN, OfficerRole.CLERK, "430200-RS"),
]
"""The demo's role grants, in the order the README lists them."""
