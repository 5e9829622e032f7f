# PostgreSQL writer (src/writers/postgres): the end-to-end lab test
# (tests/integration/lab/postgres.sh: PostgreSQL 15 on a LUN of systemOne,
# pgbench load, import and restore on systemTwo, archive cleanup only after a
# successful done-signal). One lab per machine: RUN_SERIAL; without root or
# PostgreSQL 15 it prints SKIP and exits 77.
add_test(NAME lab_postgres
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/integration/lab/postgres.sh
                 --build ${PROJECT_BINARY_DIR})
set_tests_properties(lab_postgres PROPERTIES
  RUN_SERIAL TRUE
  TIMEOUT 900
  SKIP_RETURN_CODE 77)
