// libFuzzer target for the config file (--config, TOML through CLI11): any bytes give a config or
// a message and an exit code, never a crash, and a config that parses has its limits in range.
// Built and run by scripts/fuzz.sh (`make fuzz`).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/parley-config-fuzz-" + std::to_string(::getpid()) + ".toml";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  const std::string flag = "--config=" + path;
  const char* argv[] = {"parley", flag.c_str()};
  auto none = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto out = parley::config::parse(2, argv, none);
  if (out.config) {
    const auto& l = out.config->limits;
    if (l.max_header_bytes < 1024 || l.ws_max_message_bytes < 16 || l.max_connections < 1 ||
        l.ws_queue_bytes < (std::size_t{64} << 10)) {
      std::abort();
    }
  } else if (out.exit_code == 0 && out.output.empty()) {
    std::abort();  // no config, yet neither an error nor help
  }
  return 0;
}
