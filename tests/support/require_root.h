// SP_REQUIRE_ROOT(): first statement of a test that needs root (loop devices,
// mounts, FIFREEZE). Without root the test is skipped, unless
// SHADOWPORT_REQUIRE_ROOT is set (scripts/test sets it when CI is set): then a
// skip would hide a missing test, so the test fails instead.
#ifndef SHADOWPORT_TESTS_SUPPORT_REQUIRE_ROOT_H_
#define SHADOWPORT_TESTS_SUPPORT_REQUIRE_ROOT_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#define SP_REQUIRE_ROOT()                                             \
  do {                                                                \
    if (geteuid() != 0) {                                             \
      if (std::getenv("SHADOWPORT_REQUIRE_ROOT") != nullptr) {        \
        FAIL() << "this test needs root and SHADOWPORT_REQUIRE_ROOT " \
                  "is set (CI): run as root";                         \
      }                                                               \
      GTEST_SKIP() << "needs root";                                   \
    }                                                                 \
  } while (0)

#endif  // SHADOWPORT_TESTS_SUPPORT_REQUIRE_ROOT_H_
