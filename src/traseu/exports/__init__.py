"""Exports: accounts, contacts, prospects, deals, deal history and products as CSV or XLSX.

Plain package, no models. :mod:`~traseu.exports.kinds` says what each kind's rows and columns
are (the columns the import reads, so an exported file imports back unchanged), the acting
user's visibility applied; :mod:`~traseu.exports.writers` streams them out; formula-like text
is neutralised in :mod:`~traseu.exports.cells`. See docs/exports.md.
"""
