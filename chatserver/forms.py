"""The sign-up form: who may create an account here, and what they give us."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AdminUserCreationForm, BaseUserCreationForm, UserChangeForm

from .models import Role, User
from .names import name_problems


class NameChecksMixin:
    """Check every name others may see on a user form: the username (shown when there is no name), the first
    and last names, and the full name they make together (chatserver/names.py says what is refused)."""

    def _checked(self, field: str) -> str:
        value = self.cleaned_data.get(field, "")
        problems = name_problems(value)
        if problems:
            raise forms.ValidationError(problems)
        return value

    def clean_username(self):
        parent = getattr(super(), "clean_username", None)
        if parent is not None:
            self.cleaned_data["username"] = parent()
        return self._checked("username")

    def clean_first_name(self):
        return self._checked("first_name")

    def clean_last_name(self):
        return self._checked("last_name")

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_name"), cleaned.get("last_name")
        if first is not None and last is not None and first and last:
            # Each part may be fine and the whole not ("Quiet" + "Heron", "Wei" + "Chen mentor").
            for problem in name_problems(f"{first} {last}"):
                self.add_error("last_name", problem)
        return cleaned


def allowed_email_domains() -> set[str]:
    """Return the e-mail domains sign-up is limited to (SIGNUP_ALLOWED_EMAIL_DOMAINS), lower case; empty: any."""
    return {domain.strip().lstrip("@").lower() for domain in settings.SIGNUP_ALLOWED_EMAIL_DOMAINS if domain.strip()}


def _domains_text() -> str:
    return " or ".join(f"@{domain}" for domain in sorted(allowed_email_domains()))


def email_domain_message() -> str:
    return f"Use your school e-mail address (ending in {_domains_text()}) to sign up here."


class SignUpForm(NameChecksMixin, BaseUserCreationForm):
    first_name = forms.CharField(max_length=150, required=False, help_text="Shown only when you post under your name.")
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        required=False,
        help_text="Optional. Used only to e-mail you about sessions you sign up for (reminders, changes). "
        "Never shown to other students.",
    )

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed_email_domains():
            # A school deployment: the address is how we know you belong here, so it is required.
            email = self.fields["email"]
            email.required = True
            email.error_messages["required"] = email_domain_message()
            email.help_text = (
                f"Your school address, ending in {_domains_text()}: it shows you study here. We also use it for "
                "reminders of sessions you sign up for. Never shown to other students."
            )

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        allowed = allowed_email_domains()
        if allowed and email.rpartition("@")[2].lower() not in allowed:
            raise forms.ValidationError(email_domain_message())
        return email

    def save(self, commit=True):
        user = super().save(commit=False)
        # Self sign-up is always a student; other roles are granted by an operator (createuser).
        user.role = Role.STUDENT
        if commit:
            user.save()
        return user


class ChatUserChangeForm(NameChecksMixin, UserChangeForm):
    """The admin's form for an account: the names it sets follow the same rules as sign-up."""

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class ChatUserCreationForm(NameChecksMixin, AdminUserCreationForm):
    """The admin's form for a new account."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)
