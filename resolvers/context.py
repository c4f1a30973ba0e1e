"""The typed per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from identity.models import Account, Principal
from identity.services.sign_in import SignInService
from kit.registry import ServiceRegistry

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LoaderKey(Generic[K, V]):
    """Names a per-request DataLoader and how to build it from the shared services.

    Declared next to the resolvers that use it (``DEPARTMENT_BY_CODE = LoaderKey(...)``),
    so no central class lists every loader.
    """

    name: str
    build: Callable[[ServiceRegistry], DataLoader[K, V]]


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
        services: ServiceRegistry,
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
        self._loaders: dict[str, DataLoader[Any, Any]] = {}

    def require_principal(self) -> Principal:
        """The signed-in caller, for fields guarded by ``RequireLevel`` (which refuses
        anonymous callers before the resolver runs, so ``None`` here is a bug)."""
        if self.principal is None:
            raise RuntimeError("field is missing its RequireLevel guard")
        return self.principal

    async def require_account(self) -> Account:
        """The signed-in caller's account, as read when the request was authenticated
        (read again only when the request did not keep it)."""
        principal = self.require_principal()
        account = self.account
        if account is None or account.id != principal.account_id:
            return await self.service(SignInService).account_of(principal)
        return account

    def service(self, kind: type[T]) -> T:
        """The shared service of class ``kind``."""
        return self.services.get(kind)

    def loader(self, key: LoaderKey[K, V]) -> DataLoader[K, V]:
        """This request's DataLoader for ``key`` (built on first use, batching within the
        request only)."""
        loader = self._loaders.get(key.name)
        if loader is None:
            loader = self._loaders[key.name] = key.build(self.services)
        return loader


Info = StrawberryInfo[Context, None]
