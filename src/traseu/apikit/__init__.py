"""What every API router shares: authentication, the one error mapping, rate limits,
idempotent POSTs, cursor pagination and version (ETag) headers. See docs/api.md."""
