# The SQLite and hook-script writers' logic (src/writers/sqlite,
# src/writers/hooks) without root or a service: real scripts and real SQLite
# databases in temporary directories.
sp_unit_test(writer_hooks_test
  ${CMAKE_CURRENT_LIST_DIR}/hooks_writer_test.cc
  LIBS sp_writer_hooks)

sp_unit_test(writer_sqlite_test
  ${CMAKE_CURRENT_LIST_DIR}/sqlite_config_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/sqlite_writer_test.cc
  LIBS sp_writer_sqlite SQLite::SQLite3)
