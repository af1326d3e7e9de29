from traseu.events.views import urlpatterns

__all__ = ["urlpatterns"]
