"""The root types, assembled from the per-domain query, mutation and subscription classes."""

from __future__ import annotations

import strawberry

from resolvers.applications.cases import ApplicationMutation, ApplicationQuery
from resolvers.applications.catalogue import CatalogueQuery
from resolvers.applications.desk import DeskMutation, DeskQuery
from resolvers.applications.uploads import UploadMutation
from resolvers.directory import DirectoryQuery
from resolvers.identity.enterprises import EnterpriseMutation, EnterpriseQuery
from resolvers.identity.officers import OfficerMutation, OfficerQuery
from resolvers.identity.signin import SignInMutation
from resolvers.identity.verification import VerificationMutation
from resolvers.liferecord.disputes import DisputeMutation
from resolvers.liferecord.enterprise_record import EnterpriseRecordQuery
from resolvers.liferecord.prefill import PrefillQuery
from resolvers.liferecord.refresh import LifeRecordMutation
from resolvers.me import MeQuery
from resolvers.notifications.subscriptions import NotificationSubscription
from resolvers.system import SystemSubscription
from resolvers.wallet.enterprise import EnterpriseWalletQuery
from resolvers.wallet.officers import WalletOfficerMutation
from resolvers.wallet.shares import WalletShareMutation, WalletShareQuery
from resolvers.wallet.showcodes import WalletHolderMutation, WalletQuery


@strawberry.type(description="Everything a client can read.")
class Query(
    MeQuery,
    DirectoryQuery,
    EnterpriseQuery,
    PrefillQuery,
    EnterpriseRecordQuery,
    OfficerQuery,
    CatalogueQuery,
    ApplicationQuery,
    DeskQuery,
    WalletQuery,
    WalletShareQuery,
    EnterpriseWalletQuery,
):
    """Root query type."""


@strawberry.type(description="Everything a client can change.")
class Mutation(
    SignInMutation,
    VerificationMutation,
    EnterpriseMutation,
    LifeRecordMutation,
    DisputeMutation,
    OfficerMutation,
    ApplicationMutation,
    DeskMutation,
    UploadMutation,
    WalletOfficerMutation,
    WalletHolderMutation,
    WalletShareMutation,
):
    """Root mutation type."""


@strawberry.type(description="Live updates over WebSocket (graphql-transport-ws).")
class Subscription(SystemSubscription, NotificationSubscription):
    """Root subscription type."""
