"""Hotspots on PostgreSQL: the counting SQL (CASE windows, COUNT DISTINCT with FILTER), the
covering index, the daily task's idempotence, and the detection quality — in a database of its
own on the session's server, so the other integration tests' data stay as they are."""

import argparse

import psycopg
import pytest

from bench import hotspots

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def hotspot_database(database_url):
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "hotspots_it"')
        conn.execute('CREATE DATABASE "hotspots_it"')
    return database_url.rsplit("/", 1)[0] + "/hotspots_it"


def test_quality_on_postgres(hotspot_database):
    args = argparse.Namespace(
        districts=2, streets=3, communities=3, rate=0.08, surges=6, clusters=6, seed=14
    )
    figures = hotspots.run_quality(args, hotspot_database)
    assert figures["surges_found"] == figures["surges_injected"], figures
    assert figures["clusters_grouped_whole"] == figures["clusters_injected"], figures
    assert figures["passed"], figures


def test_daily_task_on_postgres_is_idempotent_and_reads_by_index(hotspot_database):
    figures = hotspots.run_speed(hotspot_database, tickets=60_000)
    assert figures["records_after_two_runs"] == figures["recorded"]
    # Only the period and its baseline periods are read, through an index on registered_at
    # (at this size the planner may prefer the narrow ticket_registered_at; at 2 M tickets a
    # year bench/hotspots.py reports which it uses).
    plan = figures["count_plan"]
    assert "Index" in plan and "registered_at" in plan and "Seq Scan" not in plan, plan
    assert max(figures["daily_task_s"]) < 60, figures
