"""Stand-ins for vendors, registers and departments, for tests that run the app as staging.

Staging and production refuse to start with the development providers wired, and no
real adapter exists yet. These fakes sit at the edge of the world (no vendor is
reachable from tests) and are deliberately not ``DevelopmentOnly``: they answer as a
vendor that knows nobody would, so a staging app can start and be exercised.

    create_app(staging_settings, providers=vendor_stand_ins)
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from app.resources import Resources
from app.services import Providers
from identity.adapters.legal_entities import RegisteredEntity
from identity.adapters.liveness import LivenessResult, LivenessTicket
from identity.adapters.population import RegisteredPerson
from identity.errors import InvalidLivenessResult, InvalidMiniProgramCode
from identity.models import MiniProgramPlatform
from liferecord.models import ContributionTotals, EnterpriseDataSet, RegisteredEnterprise


class RecordingSmsVendor:
    """An SMS gateway that delivers to a list instead of a phone."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_sign_in_code(self, phone: str, code: str) -> None:
        """Record the message."""
        self.sent.append((phone, code))

    async def send_notice(self, phone: str, notice: str) -> None:
        """Record the notice."""
        self.sent.append((phone, notice))


class NoFaceLivenessVendor:
    """A liveness vendor whose checks never pass (no face is ever presented in tests)."""

    name = "test-vendor"

    async def start(self, account_id: str, *, id_number: str, name: str) -> LivenessTicket:
        """A ticket for a check that will not be completed."""
        return LivenessTicket(
            ticket=f"lvt_{secrets.token_urlsafe(16)}",
            expires_at=datetime.now(UTC) + timedelta(minutes=10),
            provider=self.name,
        )

    async def verify_result(
        self, signed_result: str, *, ticket: str, account_id: str
    ) -> LivenessResult:
        """No result is ever the vendor's."""
        raise InvalidLivenessResult(field="result")


class UnknownUserMiniProgram:
    """A mini-program platform that accepts no login code."""

    async def open_id(self, platform: MiniProgramPlatform, code: str) -> str:
        """Always refused."""
        raise InvalidMiniProgramCode(field="code")


class EmptyPopulationRegister:
    """A population register that lists nobody."""

    async def lookup(self, id_number: str) -> RegisteredPerson | None:
        """Nobody."""
        return None


class UnknownPhoneCarrier:
    """A carrier that confirms no phone's real-name record."""

    async def confirms(self, phone: str, name: str, id_number: str) -> bool:
        """Never."""
        return False


class EmptyLegalEntityRegister:
    """A register of legal entities that lists no enterprise (both interfaces)."""

    async def entity(self, uscc: str) -> RegisteredEntity | None:
        """No enterprise."""
        return None

    async def entities(self, usccs: Sequence[str]) -> dict[str, RegisteredEntity]:
        """No enterprises."""
        return {}

    async def entity_by_uscc(self, uscc: str) -> RegisteredEnterprise | None:
        """No enterprise (the enterprise record's view of the register)."""
        return None


class EmptyEnterpriseDataSets:
    """Departments that publish nothing about any enterprise."""

    async def get(self, kind: str, uscc: str) -> EnterpriseDataSet | None:
        """Nothing."""
        return None

    async def contribution_totals(
        self, uscc: str, *, months: int = 12
    ) -> ContributionTotals | None:
        """Nothing."""
        return None


def vendor_stand_ins(resources: Resources) -> Providers:
    """Providers a staging app accepts: fakes of the outside world, no department connected."""
    register = EmptyLegalEntityRegister()
    return Providers(
        sms=RecordingSmsVendor(),
        liveness=NoFaceLivenessVendor(),
        mini_program=UnknownUserMiniProgram(),
        population_register=EmptyPopulationRegister(),
        carrier_check=UnknownPhoneCarrier(),
        legal_entity_register=register,
        life_record_sources={},
        enterprise_register=register,
        enterprise_data_sets=EmptyEnterpriseDataSets(),
    )


class NoDepartments:
    """A directory with no departments (for wiring tests that grant no roles)."""

    async def exists(self, code: str) -> bool:
        """No code exists."""
        return False
