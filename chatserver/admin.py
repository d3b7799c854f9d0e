from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .forms import ChatUserChangeForm, ChatUserCreationForm
from .models import User


@admin.register(User)
class ChatUserAdmin(UserAdmin):
    form = ChatUserChangeForm
    add_form = ChatUserCreationForm
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (*UserAdmin.fieldsets, ("Chat", {"fields": ("role",)}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Chat", {"fields": ("role",)}))
