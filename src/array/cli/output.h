// Output of the `shadowport-array` verbs: JSON objects (--json) and text
// tables for the array's types, and the argument forms verbs share.
//
// Thread safety: pure functions (Print* write to the stream given).
#ifndef SHADOWPORT_ARRAY_CLI_OUTPUT_H_
#define SHADOWPORT_ARRAY_CLI_OUTPUT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "array/array.h"
#include "shadowport/status.h"

namespace sp::array::cli {

nlohmann::json LunJson(const LunInfo& lun);
nlohmann::json HostJson(const HostInfo& host);
nlohmann::json PoolStatusJson(const PoolStatus& status);

// Columns aligned, first row a header; "" when there are no data rows
// (only the header).
std::string Table(const std::vector<std::vector<std::string>>& rows);

// "a,b,c", or "-" for none.
std::string JoinOrDash(const std::vector<std::string>& items);

// Writes `json` (indented) and a newline; then checks the stream.
Status PrintJson(std::ostream& out, const nlohmann::json& json);
// Flushes and checks the stream (SP_E_IO if writing failed).
Status Finish(std::ostream& out);

// A LUN on the command line: its id ("7") or name ("lun-000007").
Result<uint64_t> ParseLunId(const std::string& text);

}  // namespace sp::array::cli

#endif  // SHADOWPORT_ARRAY_CLI_OUTPUT_H_
