"""Alembic: one head, upgrade from empty, downgrade to base with data present, on both dialects."""

import sqlalchemy as sa

from modelyard.store import migrate
from modelyard.store.tables import metadata
from tests.support.app import harness


def test_there_is_exactly_one_head():
    assert len(migrate.heads()) == 1


def test_upgrade_builds_every_table_and_downgrade_removes_them_with_data_present(database_url):
    with harness(database_url) as app:
        app.register(name="data")
        engine = app.store.engine
        assert migrate.current(engine) == migrate.heads()[0]
        assert set(metadata.tables) <= set(sa.inspect(engine).get_table_names())
        migrate.downgrade(engine, "base")
        assert set(sa.inspect(engine).get_table_names()) & set(metadata.tables) == set()
        migrate.upgrade(engine)
        assert set(metadata.tables) <= set(sa.inspect(engine).get_table_names())


def test_the_migrated_schema_matches_the_tables(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = sa.create_engine(database_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert differences == []


def test_endpoints_from_before_0005_read_no_event_twice(database_url):
    """Before 0005 every change wrote its own deliveries; after it, an endpoint reads the audit
    log from its cursor: the upgrade puts each cursor at the newest event, so nothing that had
    its delivery written is read again."""
    with harness(database_url) as app:
        hook = app.call("POST", "/v1/webhooks", json={"url": "https://hooks.example.test/m"})
        assert hook.status_code == 201
        app.register(name="before")
    engine = sa.create_engine(database_url)
    migrate.downgrade(engine, "0004")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        newest = conn.scalar(sa.text("SELECT max(id) FROM audit_events"))
        cursors = conn.execute(sa.text("SELECT event_cursor FROM webhooks")).scalars().all()
    engine.dispose()
    assert newest
    assert cursors == [newest]
