// Small readers the tests share: a whole file, or an fd until EOF.
#ifndef SHADOWPORT_TESTS_SUPPORT_READ_TEXT_H_
#define SHADOWPORT_TESTS_SUPPORT_READ_TEXT_H_

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace sp::testing_support {

// The file's bytes; "" if it cannot be read.
inline std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Everything `fd` yields until EOF or an error.
inline std::string ReadFdToEnd(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace sp::testing_support

#endif  // SHADOWPORT_TESTS_SUPPORT_READ_TEXT_H_
