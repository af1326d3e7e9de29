"""Forecasting maths, free of Django: evidence-based stage probabilities, win-probability models
(an Odoo-style naive Bayes baseline and a regularised logistic regression), their metrics and
backtests, and a Monte Carlo forecast of a period's revenue.

Everything here takes plain values (:mod:`traseu.forecasting.history` describes a deal's history
as frozen dataclasses) and returns plain values. The Django glue in :mod:`traseu.forecasts`
reads the database into those values. Formulas and definitions: ``docs/forecasting.md``.
"""
