"""Domain events, the outbox, webhooks and the background jobs that deliver them.

Other apps call :func:`traseu.events.services.emit` inside their transaction and register
periodic jobs with :func:`traseu.events.schedule.periodic`.
"""
