"""Traseu: a sales-process engine and CRM. Deals run along a route the team designed."""

__version__ = "0.1.0"
