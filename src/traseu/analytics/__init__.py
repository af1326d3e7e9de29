"""Reports over the stage history: funnel, time in stage, stalled deals, stage KPIs,
conformance to the route, team views and techniques. Every figure is computed in the database;
see docs/analytics.md for the definition of each one."""
