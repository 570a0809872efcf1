"""The OpenAPI description tells every answer an endpoint can give, errors included."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For refused values: each parameter's messages.",
    )

    class Meta:
        ref_name = "Error"


class ArchiveAutoSchema(AutoSchema):
    def get_response_serializers(self):
        success = super().get_response_serializers()
        responses = {200: success}
        if "{external_id}" in self.path:
            responses[404] = OpenApiResponse(ErrorSerializer, "No published record has this id.")
        elif self._is_list_view(success):
            responses[400] = OpenApiResponse(
                ErrorSerializer, "A filter value, page size or cursor was refused."
            )
        responses[406] = OpenApiResponse(ErrorSerializer, "Only JSON is offered.")
        return responses
