// The command lines of every gridsync program, gridsyncd's included: one
// style, read by Debian's CLI11 (libcli11-dev).
//
//   --name value, --name=value   a flag that takes a value (the last given
//                                counts; GetAll has each, for repeated flags)
//   --name                       a switch
//   words without "--"           positional: commands and their files
//   --                           ends the flags
//   --help                       the program's usage and every flag with its
//                                meaning, on stdout; exit 0
//   --version                    "PROGRAM 0.26.0" (common/version.h); exit 0
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

// One flag a program takes.
struct Flag {
  std::string name;   // with its leading "--"
  std::string value;  // what it takes, as --help shows it ("ADDR", "N"); empty for a switch
  std::string help;   // what it means, for --help
};

// What a program takes: its synopsis (the commands and their forms, shown
// first by --help and on a usage error) and its flags.
struct FlagSet {
  std::string program;  // "gridsyncctl"
  std::string usage;    // "gridsyncctl --server ADDR ... COMMAND\n  import-org FILE ...\n"
  std::vector<Flag> flags;
};

// `f` with the TLS flags every program that connects takes (TlsFromArgs):
// --tls-ca, --tls-cert, --tls-key.
FlagSet WithTls(FlagSet f);

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

// Reads argv against `known`. A flag not in it, a value flag without a value
// and a switch given one are errors (Args::error names the first). --help
// and --version print and exit 0, as above.
Args ParseArgs(int argc, char** argv, const FlagSet& known);

// The usage error of a program: `error` (when not empty), then `known`'s
// help, on stderr. Returns 2, the exit code for a command line that cannot
// be run.
int UsageError(const FlagSet& known, const std::string& error = "");

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_FLAGS_H_
