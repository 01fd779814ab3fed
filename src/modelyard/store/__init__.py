"""The store: tables, engine set-up per dialect, migrations, repositories (all SQL is here)."""
