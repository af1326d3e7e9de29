"""Pages of the CRM. Thin: parse the request, call a selector or a service, render."""
