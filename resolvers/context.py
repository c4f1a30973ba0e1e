"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from directory.models import Department
from directory.service import DirectoryService
from identity.enterprises import EnterpriseService
from identity.liveness import LivenessService
from identity.miniprogram import MiniProgramSignIn
from identity.models import Account, Principal
from identity.realname import RealNameService
from identity.service import SignInService
from identity.sms import DevelopmentSms
from liferecord.data_tracker import DataTracker
from liferecord.disputes import DisputeService
from liferecord.enterprise import EnterpriseRecordService
from liferecord.prefill import PrefillService
from liferecord.service import LifeRecordService


@dataclass(frozen=True, slots=True)
class Services:
    """The domain services, one shared instance each, built at start-up."""

    directory: DirectoryService
    sign_in: SignInService
    mini_program: MiniProgramSignIn
    real_name: RealNameService
    liveness: LivenessService
    enterprises: EnterpriseService
    life_record: LifeRecordService
    prefill: PrefillService
    disputes: DisputeService
    data_tracker: DataTracker
    enterprise_record: EnterpriseRecordService
    development_sms: DevelopmentSms | None = None


class Loaders:
    """Per-request DataLoaders: each batches and caches within one request only."""

    def __init__(self, services: Services) -> None:
        self.department_by_code: DataLoader[str, Department | None] = DataLoader(
            load_fn=services.directory.departments_by_code, max_batch_size=100
        )


class Context(BaseContext):
    """Built once per request (or per WebSocket connection) by the composition root.

    ``principal`` is ``None`` for anonymous callers; ``auth_failure`` then says why a
    presented token was refused (``EXPIRED``, ``INVALID``, ``REVOKED``), or is ``None``
    when no token was presented. ``acting_failure`` is the code of the refusal when
    the request named an enterprise to act for (``X-Acting-For``) and may not.
    """

    def __init__(
        self,
        *,
        services: Services,
        principal: Principal | None = None,
        account: Account | None = None,
        auth_failure: str | None = None,
        acting_failure: str | None = None,
        client_ip: str | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.principal = principal
        self.account = account
        self.auth_failure = auth_failure
        self.acting_failure = acting_failure
        self.client_ip = client_ip
        self.loaders = Loaders(services)


Info = StrawberryInfo[Context, None]
