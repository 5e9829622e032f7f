# PostgreSQL writer unit tests (src/writers/postgres, no root, no server):
# configuration, layout, WMD, WAL names and archive cleanup, the backup
# metadata document, and restore on fake data directories.
sp_unit_test(writer_postgres_test
  writers/postgres_config_test.cc
  writers/postgres_wal_test.cc
  writers/postgres_restore_test.cc
  LIBS sp_writer_postgres sp_os sp_core)
