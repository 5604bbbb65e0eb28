from django import template

register = template.Library()


@register.simple_tag
def segment_label(segment: str):
    from analytics.views import SEGMENT_LABELS

    return SEGMENT_LABELS.get(segment, segment)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.simple_tag
def segment_reasons(reasons) -> list[tuple[str, object]]:
    """The figures behind one segment, as (translated label, value); an unknown key as it is."""
    from analytics.views import REASON_LABELS

    if not isinstance(reasons, dict):
        return []
    return [(REASON_LABELS.get(key, key), value) for key, value in reasons.items()]
