from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny


class TokenView(ObtainAuthToken):
    """POST username and password, get ``{"token": "…"}``; then send ``Authorization: Token …``."""

    permission_classes = [AllowAny]
