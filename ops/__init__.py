"""What settings name by dotted path: middleware, the replicas router, the cache backend, the
health check, the log format; and backups."""
