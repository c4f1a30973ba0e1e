"""``requestUploadSlot`` and ``confirmUpload``: material files, posted straight to S3."""

from __future__ import annotations

from typing import Annotated

import strawberry

from applications import uploads_models as models
from applications.services.uploads import UploadService
from identity.models import AgentScope
from identity.models import AssuranceLevel as DomainLevel
from resolvers.context import Info
from resolvers.errors import ExpectedErrors, acting_forbidden
from resolvers.permissions import RequireLevel
from schema.uploads import (
    ConfirmUploadPayload,
    PostField,
    RequestUploadSlotPayload,
    Upload,
    UploadSlot,
    UploadState,
    UploadVerified,
)


def upload_type(upload: models.Upload) -> Upload:
    """The GraphQL view of an upload."""
    return Upload(
        id=upload.id,
        item_code=upload.item_code,
        material_code=upload.material_code,
        file_name=upload.file_name,
        content_type=upload.content_type,
        size=upload.size,
        state=UploadState(upload.state.value),
        sha256=upload.sha256,
        created_at=upload.created_at,
        verified_at=upload.verified_at,
    )


@strawberry.type
class UploadMutation:
    """Upload a material file for an application."""

    @strawberry.mutation(
        description="Ask for a slot to upload one material file of a service item: a presigned "
        "POST to the object store whose policy holds the file to the declared `contentType` "
        "(one of the material's `formats`) and to the material's `maxBytes`, valid "
        f"{int(models.SLOT_TTL.total_seconds() // 60)} minutes. Post the file, then call "
        "`confirmUpload`. Needs a verified real name; acting for an enterprise "
        "(`X-Acting-For`), the item must let agents apply and you must hold its scope. The "
        "upload belongs to your account.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def request_upload_slot(
        self,
        info: Info,
        item_code: Annotated[str, strawberry.argument(description="The service item's code.")],
        material_code: Annotated[
            str, strawberry.argument(description="The material's key in that item.")
        ],
        file_name: Annotated[
            str, strawberry.argument(description="The file's name (1 to 255 characters).")
        ],
        content_type: Annotated[
            str, strawberry.argument(description="The file's MIME type, e.g. `application/pdf`.")
        ],
        size: Annotated[int, strawberry.argument(description="The file's size in bytes.")],
    ) -> RequestUploadSlotPayload:
        """Hand out a slot."""
        if info.context.acting_failure is not None:
            return acting_forbidden(AgentScope.APPLICATIONS_SUBMIT)
        principal = info.context.require_principal()
        acting = principal.acting_for
        slot = await info.context.service(UploadService).request_slot(
            principal.account_id,
            item_code=item_code,
            material_code=material_code,
            file_name=file_name,
            content_type=content_type,
            size=size,
            acting_scopes=acting.scopes if acting is not None else None,
        )
        return UploadSlot(
            upload=upload_type(slot.upload),
            url=slot.url,
            fields=[PostField(name=name, value=value) for name, value in slot.fields.items()],
            expires_at=slot.expires_at,
        )

    @strawberry.mutation(
        description="Have the server check an uploaded file: its size, and that its content is "
        "of the declared type (magic bytes). A file that passes is kept encrypted and becomes "
        "VERIFIED; one that fails is deleted and answered as `UploadRejected`. Calling it again "
        "answers the same.",
        extensions=[RequireLevel(DomainLevel.REAL_NAME), ExpectedErrors()],
    )
    async def confirm_upload(
        self,
        info: Info,
        upload_id: Annotated[str, strawberry.argument(description="The upload's id.")],
    ) -> ConfirmUploadPayload:
        """Check the file."""
        principal = info.context.require_principal()
        upload = await info.context.service(UploadService).confirm(principal.account_id, upload_id)
        return UploadVerified(upload=upload_type(upload))
