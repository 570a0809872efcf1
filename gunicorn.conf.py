"""gunicorn's settings, read from the working directory by `make serve` (and the test servers).

Django alone decides whether a request came over HTTPS: it believes `X-Forwarded-Proto` only
behind the declared TLS proxy (DJANGO_BEHIND_TLS_PROXY, SECURE_PROXY_SSL_HEADER). gunicorn would
otherwise decide first, trusting that header from any client on loopback (its default
`forwarded_allow_ips`), and a request it marks secure skips Django's HTTPS redirect.
"""

forwarded_allow_ips = ""
secure_scheme_headers = {}
