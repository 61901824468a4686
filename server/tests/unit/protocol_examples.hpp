// The shared wire examples in docs/protocol-examples, read by the C++ tests (the client's tests
// decode the same files).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace parley::testing {

inline std::string example(const std::string& name) {
  std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/docs/protocol-examples/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace parley::testing
