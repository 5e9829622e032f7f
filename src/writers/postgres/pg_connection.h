// A libpq connection whose every call ends by a deadline: the PostgreSQL
// writer answers events that have one (WriterEvent::deadline), and a
// checkpoint or an archive wait may take longer. A query past its deadline
// is cancelled (PQcancel) and fails with VSS_E_WRITERERROR_TIMEOUT.
//
// Thread safety: a connection belongs to one thread.
#ifndef SHADOWPORT_WRITERS_POSTGRES_PG_CONNECTION_H_
#define SHADOWPORT_WRITERS_POSTGRES_PG_CONNECTION_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shadowport/status.h"

struct pg_conn;

namespace sp::postgres {

using Deadline = std::chrono::steady_clock::time_point;

// One row of text values (NULL as nullopt).
using PgRow = std::vector<std::optional<std::string>>;

class PgConnection {
 public:
  // Connects with `conninfo`, bounded by `connect_timeout` and `deadline`.
  // VSS_E_WRITERERROR_RETRYABLE with libpq's message when the server cannot
  // be reached or refuses the login.
  static Result<std::unique_ptr<PgConnection>> Connect(
      const std::string& conninfo, std::chrono::milliseconds connect_timeout,
      Deadline deadline);

  ~PgConnection();  // closes; the server ends whatever the session held
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` with text parameters and returns its rows. Failures:
  // VSS_E_WRITERERROR_TIMEOUT (deadline passed, query cancelled),
  // VSS_E_WRITERERROR_NONRETRYABLE for errors a retry cannot fix
  // (privileges, wal_level, a feature off: SQLSTATE classes 42 and 55),
  // VSS_E_WRITERERROR_RETRYABLE otherwise; the message has the server's
  // words and SQLSTATE.
  Result<std::vector<PgRow>> Query(const std::string& sql,
                                   const std::vector<std::string>& params,
                                   Deadline deadline);

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  Status WaitReadable(Deadline deadline);
  void CancelAndDrain();

  pg_conn* conn_;
};

}  // namespace sp::postgres

#endif  // SHADOWPORT_WRITERS_POSTGRES_PG_CONNECTION_H_
