from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import RetrieveUpdateAPIView

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
