"""Read-only queries behind the report pages: each answers in a fixed number of queries."""
