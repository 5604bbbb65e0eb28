"""What the home page shows a signed-in person; each app contributes through its selectors."""


def home_context(*, user) -> dict:
    context: dict = {}
    try:
        from ideas.selectors import home_sections
    except ImportError:  # the ideas app has no selectors yet
        return context
    context.update(home_sections(user=user))
    return context
