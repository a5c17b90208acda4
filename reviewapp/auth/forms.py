"""Account forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from ..inputs import unix_newlines
from .services import (
    DISPLAY_NAME_MISSING,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    PASSWORD_BLANK,
    PASSWORD_TOO_LONG,
    PASSWORD_TOO_SHORT,
    AccountError,
    parse_expertise,
)


def strip(value: str | None) -> str | None:
    """Drop surrounding blanks from what was typed."""
    return value.strip() if isinstance(value, str) else value


def not_blank(form: FlaskForm, field: PasswordField) -> None:
    """Refuse a password of spaces alone with that one message (not as missing or too short)."""
    if field.data and not field.data.strip():
        raise StopValidation(PASSWORD_BLANK)


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """Return a new password field and its confirmation."""
    # InputRequired, not DataRequired: spaces were typed, and are refused as such (not_blank);
    # the confirmation of such a password is then not "missing".
    return (
        PasswordField("Password", validators=[
            InputRequired(PASSWORD_TOO_SHORT), not_blank,
            Length(min=MIN_PASSWORD_LENGTH, message=PASSWORD_TOO_SHORT),
            Length(max=MAX_PASSWORD_LENGTH, message=PASSWORD_TOO_LONG)]),
        PasswordField("Repeat the password", validators=[
            InputRequired("Repeat the password."),
            EqualTo("password", "The two passwords differ.")]),
    )


class LoginForm(FlaskForm):
    """Email and password."""

    # No format check: an account made on the command line may have any address.
    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=255)],
                       filters=[strip])
    password = PasswordField("Password", validators=[
        DataRequired("Enter your password."), Length(max=MAX_PASSWORD_LENGTH)])
    remember = BooleanField("Keep me logged in")


class RegisterForm(FlaskForm):
    """A new account."""

    email = EmailField("Email", validators=[
        DataRequired("Enter your email."), Email("Enter a valid email address."), Length(max=255)],
        filters=[strip])
    display_name = StringField("Display name", validators=[
        DataRequired(DISPLAY_NAME_MISSING), Length(max=80)], filters=[strip])
    password, confirm = new_password_fields()


class ForgotPasswordForm(FlaskForm):
    """The email to send a reset link to."""

    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=255)],
                       filters=[strip])


class ResetPasswordForm(FlaskForm):
    """A new password, chosen from a reset link."""

    password, confirm = new_password_fields()


class ChangePasswordForm(FlaskForm):
    """A new password, with the current one."""

    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password."), Length(max=256)])
    password, confirm = new_password_fields()


def valid_expertise(form: FlaskForm, field: StringField) -> None:
    """Refuse anything but comma-separated CPC symbols."""
    try:
        parse_expertise(field.data or "")
    except AccountError as error:
        raise ValidationError(str(error)) from error


class ProfileForm(FlaskForm):
    """What other reviewers see about you."""

    display_name = StringField("Display name", validators=[
        DataRequired(DISPLAY_NAME_MISSING), Length(max=80)], filters=[strip])
    affiliation = StringField("Affiliation", validators=[Optional(), Length(max=255)],
                              filters=[strip])
    expertise = StringField("Areas of expertise (CPC)",
                            validators=[Length(max=1000), valid_expertise])
    bio = TextAreaField("About you", validators=[Optional(), Length(max=5000)],
                        filters=[strip, unix_newlines])
    mail_notifications = BooleanField("Email me about the applications I watch")
