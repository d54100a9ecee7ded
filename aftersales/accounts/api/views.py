from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from aftersales.core.errors import ServiceError

from ..selectors import totp_active, totp_required
from ..services import second_factor_verify


class TokenRequestSerializer(AuthTokenSerializer):
    otp = serializers.CharField(
        label=gettext_lazy("One-time code"), required=False, allow_blank=True, write_only=True, max_length=20,
        help_text=gettext_lazy("The code of the authenticator app (or a recovery code); required for users with "
                               "two-step login."),
    )


class TokenView(ObtainAuthToken):
    """POST username, password and, for users with two-step login, ``otp``; get ``{"token": "…"}``;
    then send ``Authorization: Token …``."""

    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        code = serializer.validated_data.get("otp", "")
        if totp_active(user):
            if not code:
                raise ServiceError("otp_required", _("This account uses two-step login: send the one-time code "
                                                     "in the field otp."), field="otp")
            second_factor_verify(user=user, code=code, request=request)
        elif totp_required(user):
            raise ServiceError("otp_enrolment_required", _("Two-step login must be set up in the web interface "
                                                           "before this account can use the API."), field="otp")
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
