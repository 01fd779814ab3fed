"""The store: tables, engine set-up per dialect, migrations, and repositories (all SQL lives here)."""
