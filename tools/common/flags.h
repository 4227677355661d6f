// The tools' command lines: `--name value`, `--name=value` and switches,
// each program declaring the flags it takes.
//
// Not Abseil's flags library: ABSL_FLAG names are C identifiers, so every
// documented flag (--token-file, --blobs-dir, --upload-chunk-kb, ...) would
// have to become --token_file, breaking scripts, units and the README.
#ifndef GRIDSYNC_TOOLS_COMMON_FLAGS_H_
#define GRIDSYNC_TOOLS_COMMON_FLAGS_H_

#include <map>
#include <string>
#include <vector>

namespace gridsync::tools {

// The flags a program takes, with their leading "--".
struct FlagSet {
  std::vector<std::string> values;    // take a value: "--server ADDR" or "--server=ADDR"
  std::vector<std::string> switches;  // take none: "--json"
};

// `f` with the TLS flags every program that connects takes (TlsFromArgs):
// --tls-ca, --tls-cert, --tls-key.
inline FlagSet WithTls(FlagSet f) {
  f.values.insert(f.values.end(), {"--tls-ca", "--tls-cert", "--tls-key"});
  return f;
}

struct Args {
  std::map<std::string, std::string> flags;  // "--server" -> "127.0.0.1:1" (the last given)
  std::map<std::string, std::vector<std::string>> every;  // each value, for repeated flags
  std::vector<std::string> positional;
  std::string error;  // set when an argument could not be read; the program prints it

  std::string Get(const std::string& name, const std::string& dflt = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? dflt : it->second;
  }
  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  std::vector<std::string> GetAll(const std::string& name) const {
    auto it = every.find(name);
    return it == every.end() ? std::vector<std::string>{} : it->second;
  }
};

// Reads argv against `known`. A flag not in it, a value flag without a
// value and a switch given one are errors (Args::error names the first);
// "--" ends the flags. `--version` anywhere before "--" prints the program's
// name and release (common/version.h) on stdout and exits 0.
Args ParseArgs(int argc, char** argv, const FlagSet& known);

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_FLAGS_H_
