"""The hand-written SQL the analytics benchmark compares each report with, and what it times.

Each statement computes one report's headline figure in one query, the way someone would write
it by hand for this one process (stage positions inlined); the ORM side is the report's own
query for that figure, and the whole report. The statements are assembled from fragments
written here and the stored route's stage keys (validated slugs); no input reaches them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

Sql = tuple[str, list[Any]]
Measure = tuple[str, Callable[[], object], Callable[[], object], Sql]


def execute(sql: Sql) -> list[Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(*sql)
        return list(cursor.fetchall())


def measures() -> list[Measure]:
    from django.db import connection

    from traseu.analytics import conformance, funnel, kpis, stalled, team, techniques, timing
    from traseu.analytics.scope import report_scope
    from traseu.analytics.sql import Seconds, grouped_percentiles
    from traseu.analytics.tables import ReportRequest

    scope = report_scope(ReportRequest(process="classic"))
    definition = scope.newest
    route = [s.key for s in definition.route]
    pg = connection.vendor == "postgresql"
    sql = HandWritten(route, pg)
    thresholds = stalled.thresholds_of(scope)
    open_deals, over, idle = stalled.open_deals(scope, thresholds, idle_days=7)
    cutoffs = {
        t.stage.key: scope.now - dt.timedelta(days=t.days_for(next(iter(t.kpi))))
        for t in thresholds
    }
    idle_since = scope.now - dt.timedelta(days=7)
    return [
        (
            "funnel",
            lambda: funnel.buckets(scope),
            lambda: funnel.funnel_report(scope),
            sql.funnel(),
        ),
        (
            "time",
            lambda: grouped_percentiles(
                timing.stays_in_period(scope),
                value=Seconds("duration"),
                groups=["from_stage"],
                fractions=(0.5, 0.8),
            ),
            lambda: timing.time_report(scope),
            sql.time(),
        ),
        (
            "stalled",
            lambda: stalled.stage_counts(open_deals, over, idle),
            lambda: stalled.stalled_report(scope),
            sql.stalled(cutoffs, idle_since),
        ),
        ("kpis", lambda: kpis.stay_parts(scope), lambda: kpis.kpi_report(scope), sql.kpis()),
        (
            "conformance",
            lambda: conformance.deal_buckets(scope),
            lambda: conformance.conformance_report(scope),
            sql.conformance(),
        ),
        ("team", lambda: team.grouped(scope, "rep"), lambda: team.team_report(scope), sql.team()),
        _forecast(definition, pg),
        (
            "techniques",
            lambda: techniques.technique_figures(scope),
            lambda: techniques.technique_report(scope),
            sql.techniques(),
        ),
    ]


class HandWritten:
    """One SQL statement per figure, for the classic process's route."""

    def __init__(self, route: list[str], pg: bool) -> None:
        self.route, self.pg = route, pg
        self.seconds = "EXTRACT(EPOCH FROM {})" if pg else "({} / 1000000.0)"
        self.between = (
            "EXTRACT(EPOCH FROM ({} - {}))" if pg else "((julianday({}) - julianday({})) * 86400.0)"
        )

    def position(self, column: str) -> str:
        whens = " ".join(f"WHEN '{key}' THEN {i}" for i, key in enumerate(self.route))
        return f"CASE {column} {whens} END"

    def funnel(self) -> Sql:
        return (
            f"""
            WITH f AS (SELECT deal_id, MAX({self.position("to_stage")}) AS furthest
                       FROM crm_stagechange GROUP BY deal_id),
                 l AS (SELECT deal_id, from_stage FROM (
                         SELECT deal_id, from_stage, ROW_NUMBER() OVER (
                           PARTITION BY deal_id ORDER BY changed_at DESC, id DESC) AS rn
                         FROM crm_stagechange WHERE kind = 'lost') x WHERE rn = 1)
            SELECT d.process_version_id, f.furthest, d.status,
                   CASE WHEN d.status = 'lost' THEN l.from_stage END,
                   CASE WHEN d.status = 'open' THEN d.stage END, COUNT(*)
            FROM crm_deal d LEFT JOIN f ON f.deal_id = d.id LEFT JOIN l ON l.deal_id = d.id
            GROUP BY 1, 2, 3, 4, 5""",  # noqa: S608
            [],
        )

    def time(self) -> Sql:
        value = self.seconds.format("duration")
        where = "kind <> 'created' AND from_stage <> 'lost'"
        if self.pg:
            return (
                f"""SELECT from_stage,
                      percentile_cont(0.5) WITHIN GROUP (ORDER BY {value}),
                      percentile_cont(0.8) WITHIN GROUP (ORDER BY {value})
                    FROM crm_stagechange WHERE {where} GROUP BY from_stage""",  # noqa: S608
                [],
            )
        picks = []
        for f in (0.5, 0.8):
            h = f"((n - 1) * {f})"
            low = f"CAST({h} AS INTEGER)"
            picks.append(
                f"SUM(CASE WHEN rn = {low} + 1 THEN v * (1 - ({h} - {low})) "
                f"WHEN rn = {low} + 2 THEN v * ({h} - {low}) ELSE 0 END)"
            )
        return (
            f"""WITH s AS (SELECT from_stage, {value} AS v,
                  ROW_NUMBER() OVER (PARTITION BY from_stage ORDER BY duration) AS rn,
                  COUNT(*) OVER (PARTITION BY from_stage) AS n
                FROM crm_stagechange WHERE {where})
                SELECT from_stage, {picks[0]}, {picks[1]} FROM s GROUP BY from_stage""",  # noqa: S608
            [],
        )

    def stalled(self, cutoffs: dict[str, dt.datetime], idle_since: dt.datetime) -> Sql:
        from django.db import connection

        adapt = connection.ops.adapt_datetimefield_value
        over = " OR ".join("(d.stage = %s AND d.stage_entered_at < %s)" for _ in cutoffs)
        params: list[Any] = [v for key, cut in cutoffs.items() for v in (key, adapt(cut))]
        idle = "(a.last IS NULL OR a.last < %s)"
        return (
            f"""WITH a AS (SELECT deal_id, MAX(done_at) AS last FROM crm_activity
                           WHERE done GROUP BY deal_id)
                SELECT d.stage, COUNT(*), SUM(CASE WHEN {over} THEN 1 ELSE 0 END),
                       SUM(CASE WHEN ({over}) AND {idle} THEN 1 ELSE 0 END)
                FROM crm_deal d LEFT JOIN a ON a.deal_id = d.id
                WHERE d.status = 'open' GROUP BY d.stage""",  # noqa: S608
            [*params, *params, adapt(idle_since)],
        )

    def kpis(self) -> Sql:
        return (
            f"""SELECT c.from_stage, d.owner_id, d.team_id, COUNT(*),
                   SUM({self.seconds.format("c.duration")}),
                   SUM(CASE WHEN c.kind IN ('forward', 'skip', 'won') THEN 1 ELSE 0 END)
                FROM crm_stagechange c JOIN crm_deal d ON d.id = c.deal_id
                WHERE c.kind <> 'created' AND c.from_stage <> 'lost'
                GROUP BY c.from_stage, d.owner_id, d.team_id""",  # noqa: S608
            [],
        )

    def conformance(self) -> Sql:
        moved = "tp > fp + 1"
        return (
            f"""
            WITH p AS (SELECT deal_id, kind, overridden, {self.position("from_stage")} AS fp,
                              {self.position("to_stage")} AS tp FROM crm_stagechange),
                 flags AS (SELECT deal_id,
                   MAX(CASE WHEN {moved} THEN 1 ELSE 0 END) AS skip,
                   MAX(CASE WHEN kind = 'back' THEN 1 ELSE 0 END) AS back,
                   MAX(CASE WHEN overridden THEN 1 ELSE 0 END) AS overridden,
                   MAX(CASE WHEN kind = 'won' AND {moved} THEN 1 ELSE 0 END) AS jump,
                   MAX(CASE WHEN kind = 'reopen' THEN 1 ELSE 0 END) AS reopen
                   FROM p GROUP BY deal_id),
                 loops AS (SELECT DISTINCT deal_id FROM crm_stagechange WHERE kind <> 'lost'
                           GROUP BY deal_id, to_stage HAVING COUNT(*) > 1)
            SELECT d.owner_id, d.team_id, d.status, f.skip, f.back,
                   CASE WHEN loops.deal_id IS NULL THEN 0 ELSE 1 END, f.overridden, f.jump,
                   f.reopen, COUNT(*)
            FROM crm_deal d JOIN flags f ON f.deal_id = d.id
                 LEFT JOIN loops ON loops.deal_id = d.id
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9""",  # noqa: S608
            [],
        )

    def team(self) -> Sql:
        won = "d.status = 'won'"
        cycle = self.between.format("d.closed_at", "d.created_at")
        return (
            f"""WITH a AS (SELECT deal_id, COUNT(*) AS n FROM crm_activity WHERE done
                           GROUP BY deal_id)
                SELECT d.owner_id, COUNT(*), SUM(CASE WHEN {won} THEN 1 ELSE 0 END),
                       SUM(CASE WHEN {won} THEN d.amount END),
                       COUNT(CASE WHEN {won} THEN d.amount END),
                       AVG(CASE WHEN {won} THEN {cycle} END), SUM(COALESCE(a.n, 0))
                FROM crm_deal d LEFT JOIN a ON a.deal_id = d.id
                WHERE d.status IN ('won', 'lost') GROUP BY d.owner_id""",  # noqa: S608
            [],
        )

    def forecast(
        self,
        chances: dict[str, float],
        moments: tuple[dt.datetime, dt.datetime],
        days: tuple[dt.date, dt.date],
    ) -> Sql:
        from django.db import connection

        adapt = connection.ops.adapt_datetimefield_value
        whens = " ".join(f"WHEN '{key}' THEN {p!r}" for key, p in chances.items())
        p = f"(CASE d.stage {whens} ELSE 0 END)"
        category = (
            f"CASE WHEN d.status = 'won' THEN 'closed' WHEN d.status = 'lost' THEN 'omitted' "
            f"WHEN {p} >= 0.7 THEN 'commit' WHEN {p} >= 0.4 THEN 'best_case' ELSE 'pipeline' END"
        )
        return (
            f"""SELECT {category}, COUNT(*), SUM(d.amount),
                   SUM(CASE WHEN d.status = 'open' THEN d.amount * {p} ELSE d.amount END)
                FROM crm_deal d
                WHERE (d.status = 'open' AND d.expected_close >= %s AND d.expected_close < %s)
                   OR (d.status IN ('won', 'lost') AND d.closed_at >= %s AND d.closed_at < %s)
                GROUP BY 1""",  # noqa: S608
            [
                connection.ops.adapt_datefield_value(days[0]),
                connection.ops.adapt_datefield_value(days[1]),
                adapt(moments[0]),
                adapt(moments[1]),
            ],
        )

    def techniques(self) -> Sql:
        return (
            f"""
            WITH u AS (SELECT DISTINCT deal_id, stage, technique FROM crm_activity
                       WHERE done AND technique <> '' AND stage <> ''),
                 f AS (SELECT deal_id, MAX({self.position("to_stage")}) AS furthest
                       FROM crm_stagechange GROUP BY deal_id),
                 t AS (SELECT deal_id, from_stage, SUM({self.seconds.format("duration")}) AS s
                       FROM crm_stagechange WHERE kind <> 'created'
                       GROUP BY deal_id, from_stage)
            SELECT u.stage, u.technique, COUNT(*),
                   SUM(CASE WHEN f.furthest > {self.position("u.stage")} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN d.status = 'won' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN d.status = 'lost' THEN 1 ELSE 0 END), AVG(t.s), COUNT(t.s)
            FROM u JOIN crm_deal d ON d.id = u.deal_id
                 LEFT JOIN f ON f.deal_id = u.deal_id
                 LEFT JOIN t ON t.deal_id = u.deal_id AND t.from_stage = u.stage
            GROUP BY u.stage, u.technique""",  # noqa: S608
            [],
        )


def _forecast(definition: Any, pg: bool) -> Measure:
    """The period forecast of the quarter most open deals are expected to close in. *figure*
    is the selector (the period's deals, their records, the model's probabilities, the Monte
    Carlo draws; the trained model is cached after the warm-up call, as on a server); the SQL is
    the category totals weighted by the designed probabilities, which the database alone can
    compute (the model's probabilities it cannot)."""
    from collections import Counter

    from traseu.analytics.tables import ReportRequest
    from traseu.crm.models import Deal, DealStatus
    from traseu.forecasts.period import period_forecast
    from traseu.forecasts.periods import parse_period, period_containing
    from traseu.forecasts.reports import forecast_report

    closes = Deal.objects.filter(status=DealStatus.OPEN, expected_close__isnull=False)
    quarters = Counter(
        period_containing(day).key
        for day in closes.values_list("expected_close", flat=True)
        if day is not None
    )
    key = quarters.most_common(1)[0][0] if quarters else ""
    period = parse_period(key)
    chances = {s.key: float(s.probability) for s in definition.route}
    return (
        f"forecast {key}",
        lambda: period_forecast(period=period, process="classic"),
        lambda: forecast_report(ReportRequest(process="classic", options={"period": key})),
        HandWritten([], pg).forecast(chances, period.bounds(), (period.start, period.end)),
    )
