"""Aggregations and file exports for analysts (pseudonymous, spreadsheet-safe).

* :mod:`exports.tables` — the convergence and consensus tables (one module per analysis), and
  their writer; :mod:`exports.options` — their options and the scheduled jobs', as dataclasses;
* :mod:`exports.scheduler` — the convergence job and the nightly package, run by
  :mod:`exports.lease` (the schedule and its lease, in the database);
* :mod:`exports.raw`, :mod:`exports.register`, :mod:`exports.attendance` — file exports of the
  answers, the register and the events' attendance;
* :mod:`exports.safety` (no formula reaches a spreadsheet), :mod:`exports.files` (private
  files), :mod:`exports.disclosure` and :mod:`exports.complements` (secondary suppression),
  :mod:`exports.vocabulary` (the categories, themes and visions the tables are labelled with).

Nothing is imported here: ``exports.options`` is read at the service's start-up, before pandas.
"""
