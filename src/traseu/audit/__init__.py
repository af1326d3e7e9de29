"""The audit trail: who changed what, when, from where, with the values before and after.

Services record through :func:`traseu.audit.services.record`, inside their own transaction; the
entry point's context (:mod:`traseu.audit.context`) says where the change came from.
"""
