# sqlite_hooks tests.
