"""Account forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from .services import MIN_PASSWORD_LENGTH, AccountError, parse_expertise

DISPLAY_NAME_MISSING = "Choose a display name (a pseudonym is fine)."


def strip(value: str | None) -> str | None:
    """Drop surrounding blanks from what was typed."""
    return value.strip() if isinstance(value, str) else value


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """Return a new password field and its confirmation."""
    short = f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    return (
        PasswordField("Password", validators=[
            DataRequired(short), Length(min=MIN_PASSWORD_LENGTH, max=256, message=short)]),
        PasswordField("Repeat the password", validators=[
            DataRequired("Repeat the password."),
            EqualTo("password", "The two passwords differ.")]),
    )


class LoginForm(FlaskForm):
    """Email and password."""

    # No format check: an account made on the command line may have any address.
    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=255)],
                       filters=[strip])
    password = PasswordField("Password", validators=[
        DataRequired("Enter your password."), Length(max=256)])
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
    bio = TextAreaField("About you", validators=[Optional(), Length(max=5000)])
    mail_notifications = BooleanField("Email me about the applications I watch")
