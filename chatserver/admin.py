from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from rooms.personal_data import do_delete_account

from .forms import ChatUserChangeForm, ChatUserCreationForm
from .models import Role, User


@admin.register(User)
class ChatUserAdmin(UserAdmin):
    form = ChatUserChangeForm
    add_form = ChatUserCreationForm
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (*UserAdmin.fieldsets, ("Chat", {"fields": ("role",)}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Chat", {"fields": ("role",)}))

    def delete_model(self, request, obj):
        """Delete a student as their own deletion does (tombstones, detached aliases), never just the row: the
        row alone would leave their messages, with their name on those posted under it."""
        if obj.role == Role.STUDENT:
            do_delete_account(obj)
        else:
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self.delete_model(request, user)
