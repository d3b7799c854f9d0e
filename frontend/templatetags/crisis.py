"""``{% crisis_resources as resources %}``: the configured crisis lines with their tel: and sms: links, for the
help panel on every page (the same list as the support card: moderation.support.crisis_resources)."""

from django import template

from moderation.support import crisis_resources as configured_resources

register = template.Library()


@register.simple_tag
def crisis_resources() -> list[dict]:
    return configured_resources()
