from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.permissions import AllowAny

from accounts.models import Entity, User


class EntitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Entity
        fields = ["id", "name", "kind", "parent"]


class MeSerializer(serializers.ModelSerializer):
    entity = EntitySerializer(read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "job_title",
            "site",
            "language",
            "entity",
            "roles",
            "hide_from_leaderboards",
        ]
        read_only_fields = ["id", "email", "entity", "roles"]


@extend_schema(tags=["me"])
class MeView(RetrieveUpdateAPIView):
    """The signed-in person's profile."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


class TokenSerializer(AuthTokenSerializer):
    """DRF's, with bounded fields: an e-mail longer than the database's column made the failed
    login's audit row (django-axes) fail with a 500 (found by schemathesis)."""

    username = serializers.CharField(label=_("E-mail"), max_length=254, write_only=True)
    password = serializers.CharField(
        label=_("Password"), max_length=1024, style={"input_type": "password"}, trim_whitespace=False
    )


class TokenView(ObtainAuthToken):
    """Your API token, for your e-mail and password. Credentials sent along (a client's stale
    token, a session) are not read: an expired token in the header made signing in again fail."""

    serializer_class = TokenSerializer
    authentication_classes = ()
    permission_classes = (AllowAny,)
