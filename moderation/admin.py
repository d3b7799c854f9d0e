from django import forms
from django.contrib import admin
from django.utils import timezone

from .models import AuditEntry, Escalation, Flag, ModerationRule
from .rules import validate_rule


class ModerationRuleForm(forms.ModelForm):
    class Meta:
        model = ModerationRule
        fields = [
            "name",
            "kind",
            "pattern",
            "action",
            "rooms",
            "exceptions",
            "only_anonymous",
            "match_original",
            "reason",
            "enabled",
        ]

    def clean(self):
        """Refuse rules that would not compile, are too long, or could backtrack catastrophically."""
        data = super().clean()
        if self.errors:
            return data
        candidate = ModerationRule(**{k: v for k, v in data.items() if k != "rooms"})
        try:
            validate_rule(candidate.as_rule())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return data


@admin.register(ModerationRule)
class ModerationRuleAdmin(admin.ModelAdmin):
    form = ModerationRuleForm
    list_display = ("name", "kind", "action", "enabled", "only_anonymous", "updated_at")
    list_filter = ("enabled", "action", "kind")
    search_fields = ("name", "pattern")
    filter_horizontal = ("rooms",)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Room scope is saved after the row: touch it so every process reloads the rules with the new scope.
        ModerationRule.objects.filter(pk=form.instance.pk).update(updated_at=timezone.now())


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("id", "level", "status", "room", "created_at", "acknowledged_at", "resolved_at")
    list_filter = ("status", "level", "room")
    readonly_fields = [f.name for f in Escalation._meta.fields]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "status", "room", "created_at")
    list_filter = ("status", "source", "room")
    readonly_fields = [f.name for f in Flag._meta.fields]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is append-only: the admin can read and filter it, never add, change or delete."""

    list_display = ("created_at", "actor", "action", "room", "reason")
    list_filter = ("action", "room")
    search_fields = ("reason",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
