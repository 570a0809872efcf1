"""Keep shared caches away from pages made for one reader."""

from django.utils.cache import patch_cache_control, patch_vary_headers


class PrivateCacheMiddleware:
    """Mark a response `Cache-Control: private` (and `Vary: Cookie`) when its content depends on
    who asked: a signed-in reader (their private and group notes, their name, their forms), a
    form carrying a CSRF token (tied to the client's cookie), or a one-time flash message.

    One rule for every view, so a new page cannot forget it. Anonymous public pages keep whatever
    caching they had. Placed after the auth and messages middleware, so it sees their state.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.is_personal(request):
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ["Cookie"])
        return response

    @staticmethod
    def is_personal(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        # get_token() (a {% csrf_token %} in the page) sets this: the page holds a token made
        # for this client's cookie.
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return True
        storage = getattr(request, "_messages", None)
        return bool(getattr(storage, "used", False))
