"""Forms of the imports page: an upload, or a file of the server's import folder."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField


class UploadImportForm(FlaskForm):
    """Upload a USPTO XML file or zip archive to import."""

    file = FileField("File", validators=[FileRequired("Choose a USPTO .xml file or .zip archive.")])


class FolderImportForm(FlaskForm):
    """Pick a file of the configured import folder."""

    name = SelectField("File", choices=[], validate_choice=False)


class CancelImportForm(FlaskForm):
    """Cancel a queued import (the form carries only its CSRF token)."""
