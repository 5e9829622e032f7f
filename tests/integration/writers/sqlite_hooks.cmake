# The SQLite and hook-script writers (src/writers/sqlite, src/writers/hooks)
# as programs with a real shadowportd on loop volumes (root), and the SQLite
# writer's transportable lab test.

# sp-sqlite-app: the application of these tests (commits numbered
# transactions into a SQLite database and records each commit).
add_executable(sp-sqlite-app ${CMAKE_CURRENT_LIST_DIR}/sqlite_app.cc)
target_link_libraries(sp-sqlite-app PRIVATE SQLite::SQLite3)

sp_integration_test(writer_programs_test
  ${CMAKE_CURRENT_SOURCE_DIR}/arrayd_fixture.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/shadowportd_fixture.cc
  ${CMAKE_CURRENT_LIST_DIR}/sqlite_hooks_writer_test.cc
  LIBS sp_requester sp_array_rpc sp_os sp_core)
target_compile_definitions(writer_programs_test PRIVATE
  SP_BUILD_DIR="${PROJECT_BINARY_DIR}")
add_dependencies(writer_programs_test shadowport-arrayd shadowportd
                 shadowport-freezer shadowport-writer-hooks
                 shadowport-writer-sqlite sp-sqlite-app)

# The transportable flow with a SQLite database under load on a LUN of
# systemOne, imported on systemTwo (docs/writers/sqlite.md). One lab per
# machine: RUN_SERIAL, like the lab_* tests of ../CMakeLists.txt.
add_test(NAME lab_sqlite
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/integration/lab/sqlite.sh
                 --build ${PROJECT_BINARY_DIR})
set_tests_properties(lab_sqlite PROPERTIES
  RUN_SERIAL TRUE
  TIMEOUT 900
  SKIP_RETURN_CODE 77)
