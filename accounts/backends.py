"""Authentication backends: Django's and allauth's, with the user of each request read by a
compiled query (``config.compiled``): building and compiling ``User.objects.get(pk=...)`` cost
more CPU than the database took to answer it, on every signed-in request."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from config.compiled import compiled_query


@compiled_query
def _user(*, user_id):
    return get_user_model()._default_manager.filter(pk=user_id)


class CompiledUserMixin:
    def get_user(self, user_id):
        if type(user_id) is not int:  # what a session holds, read by the pk's to_python: an int
            return super().get_user(user_id)
        user = _user.first((), user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(CompiledUserMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(CompiledUserMixin, AllauthBackend):
    pass
