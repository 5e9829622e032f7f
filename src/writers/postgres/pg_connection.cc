#include "writers/postgres/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>

namespace sp::postgres {
namespace {

std::string Trimmed(const char* text) {
  std::string s = text != nullptr ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::chrono::milliseconds Left(Deadline deadline) {
  return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()),
                  std::chrono::milliseconds(0));
}

Code CodeForSqlState(const std::string& state) {
  // 42xxx: syntax error or access rule violation (no privilege on
  // pg_backup_start); 55xxx: object not in prerequisite state (wal_level
  // minimal, a backup already running in this session).
  if (state.starts_with("42") || state.starts_with("55")) {
    return Code::kWriterNonRetryable;
  }
  return Code::kWriterRetryable;
}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const std::string& conninfo, std::chrono::milliseconds connect_timeout,
    Deadline deadline) {
  // libpq counts connect_timeout in whole seconds, at least 2.
  const auto limit = std::min(connect_timeout, Left(deadline));
  const std::string seconds =
      std::to_string(std::max<int64_t>(2, (limit.count() + 999) / 1000));
  // Later keywords override what the expanded conninfo sets.
  const char* keys[] = {"dbname", "connect_timeout", "application_name",
                        nullptr};
  const char* values[] = {conninfo.c_str(), seconds.c_str(),
                          "shadowport-writer-postgres", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return Status(Code::kWriterOutOfResources, "libpq: out of memory");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return Status(Code::kWriterRetryable,
                  "cannot connect to PostgreSQL: " + why);
  }
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Status PgConnection::WaitReadable(Deadline deadline) {
  pollfd p{PQsocket(conn_), POLLIN, 0};
  while (true) {
    const auto left = Left(deadline);
    if (left.count() == 0) {
      return Status(Code::kWriterTimeout, "the event's deadline passed");
    }
    const int n =
        poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (n > 0) return Status::Ok();
    if (n < 0 && errno != EINTR) {
      return Status(Code::kWriterRetryable, "poll on the PostgreSQL socket");
    }
  }
}

void PgConnection::CancelAndDrain() {
  if (PGcancel* cancel = PQgetCancel(conn_)) {
    char error[256];
    PQcancel(cancel, error, sizeof error);
    PQfreeCancel(cancel);
  }
  // The cancelled query ends with an error result; read it (bounded: if
  // the server does not answer in 5 s, the caller closes the connection).
  const Deadline limit =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (PQisBusy(conn_)) {
    if (!WaitReadable(limit).ok() || PQconsumeInput(conn_) == 0) return;
  }
  while (PGresult* r = PQgetResult(conn_)) PQclear(r);
}

Result<std::vector<PgRow>> PgConnection::Query(
    const std::string& sql, const std::vector<std::string>& params,
    Deadline deadline) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  if (PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                        nullptr, values.data(), nullptr, nullptr, 0) == 0) {
    return Status(Code::kWriterRetryable,
                  "PostgreSQL: " + Trimmed(PQerrorMessage(conn_)));
  }
  while (PQisBusy(conn_)) {
    Status waited = WaitReadable(deadline);
    if (!waited.ok()) {
      CancelAndDrain();
      return std::move(waited).WithContext("PostgreSQL: \"" + sql +
                                           "\" cancelled");
    }
    if (PQconsumeInput(conn_) == 0) {
      return Status(Code::kWriterRetryable,
                    "PostgreSQL: " + Trimmed(PQerrorMessage(conn_)));
    }
  }
  std::vector<PgRow> rows;
  Status failure;
  while (PGresult* r = PQgetResult(conn_)) {
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK) {
      for (int i = 0; i < PQntuples(r); ++i) {
        PgRow row;
        for (int c = 0; c < PQnfields(r); ++c) {
          if (PQgetisnull(r, i, c)) {
            row.emplace_back(std::nullopt);
          } else {
            row.emplace_back(
                std::string(PQgetvalue(r, i, c), PQgetlength(r, i, c)));
          }
        }
        rows.push_back(std::move(row));
      }
    } else if (st != PGRES_COMMAND_OK && failure.ok()) {
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      const std::string sqlstate = state != nullptr ? state : "";
      failure =
          Status(CodeForSqlState(sqlstate),
                 "PostgreSQL: " + Trimmed(PQresultErrorMessage(r)) +
                     (sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")"));
    }
    PQclear(r);
  }
  if (!failure.ok()) return failure;
  return rows;
}

}  // namespace sp::postgres
