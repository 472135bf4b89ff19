"""The upload form of an agency's file (the checks of its name and size; its content is
checked by ``benefits.uploads`` with the import's own reader)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from benefits.uploads import UPLOAD_EXTENSIONS
from config.forms import SubmissionKeyField, new_submission_key


def upload_limit_mb() -> int:
    return max(1, settings.BENEFITS_UPLOAD_MAX_BYTES // (1024 * 1024))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Agency file"),
        error_messages={
            "required": _("Choose a CSV or XLSX file."),
            "empty": _("The file is empty."),
        },
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check and count only, load nothing"),
        required=False,
    )
    # The same form sent twice starts one import.
    submission_key = SubmissionKeyField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("submission_key", new_submission_key())
        self.fields["file"].help_text = _(
            "CSV (UTF-8) or XLSX, at most %(size)d MB. Larger files are imported with the "
            "command benefits_import."
        ) % {"size": upload_limit_mb()}

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in UPLOAD_EXTENSIONS:
            raise forms.ValidationError(
                _("Only CSV and XLSX files can be imported."), code="file_type"
            )
        if (upload.size or 0) > settings.BENEFITS_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is larger than %(size)d MB. Import it with the command "
                    "benefits_import."
                ),
                code="file_size",
                params={"size": upload_limit_mb()},
            )
        return upload
