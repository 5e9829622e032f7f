# The writer framework (sp::Writer, WriterRunner; src/writer) against
# shadowportd's real WriterManager on a gRPC server on a Unix socket.
sp_unit_test(writer_framework_test
  writers/writer_framework_test.cc
  LIBS sp_writer sp_writer_manager sp_array_rpc sp_core)
