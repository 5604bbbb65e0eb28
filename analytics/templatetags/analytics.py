from django import template

register = template.Library()


@register.simple_tag
def segment_label(segment: str):
    from analytics.views import SEGMENT_LABELS

    return SEGMENT_LABELS.get(segment, segment)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if isinstance(mapping, dict) else None
