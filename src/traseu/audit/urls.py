from traseu.audit.views import urlpatterns

__all__ = ["urlpatterns"]
