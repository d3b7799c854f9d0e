from django.contrib import admin

from .models import Membership, Message, Report, Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "anonymity", "is_active", "posting_open", "last_seq")
    list_filter = ("anonymity", "is_active", "posting_open")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("last_seq",)
    filter_horizontal = ("facilitators",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    # The admin is for operators; the link between user and alias is exactly what it shows.
    list_display = ("alias", "room", "is_anonymous", "is_banned", "muted_until")
    list_filter = ("room", "is_banned")
    search_fields = ("alias",)
    raw_id_fields = ("user",)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("room", "seq", "author_name", "state", "created_at")
    list_filter = ("room", "state")
    readonly_fields = ("room", "seq", "author", "author_anonymous", "author_name", "author_role", "client_id")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("message", "created_at")
