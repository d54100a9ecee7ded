from django.contrib.auth.middleware import LoginRequiredMiddleware as _LoginRequired


class LoginRequiredMiddleware(_LoginRequired):
    """Every page needs a login unless its view is marked ``login_not_required``.

    The API is left to REST framework, which answers 401 instead of redirecting.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
