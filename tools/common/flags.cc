#include "tools/common/flags.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "absl/strings/str_join.h"
#include "common/version.h"

namespace gridsync::tools {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string Known(const FlagSet& known) {
  std::vector<std::string> all = known.values;
  all.insert(all.end(), known.switches.begin(), known.switches.end());
  std::sort(all.begin(), all.end());
  return absl::StrJoin(all, " ");
}

}  // namespace

Args ParseArgs(int argc, char** argv, const FlagSet& known) {
  for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i) {
    if (std::string_view(argv[i]) == "--version") {
      const std::string_view self(argv[0]);
      printf("%s %s\n", std::string(self.substr(self.rfind('/') + 1)).c_str(), kVersion);
      exit(0);
    }
  }
  Args a;
  auto fail = [&](std::string message) {
    if (a.error.empty()) a.error = std::move(message);
  };
  bool flags_ended = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (flags_ended || arg.rfind("--", 0) != 0 || arg == "-") {
      a.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    if (Contains(known.switches, name)) {
      if (eq != std::string::npos) fail(name + " takes no value");
      a.flags[name] = "true";
    } else if (Contains(known.values, name)) {
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        fail(name + " needs a value");
        continue;
      }
      a.flags[name] = value;
      a.every[name].push_back(value);
    } else {
      fail("unknown flag " + name + " (this program takes: " + Known(known) + ")");
    }
  }
  return a;
}

}  // namespace gridsync::tools
