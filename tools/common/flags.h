// A small --name value parser for the tools.
#ifndef GRIDSYNC_TOOLS_COMMON_FLAGS_H_
#define GRIDSYNC_TOOLS_COMMON_FLAGS_H_

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace gridsync::tools {

struct Args {
  std::map<std::string, std::string> flags;  // "--server" -> "127.0.0.1:1" (the last given)
  std::map<std::string, std::vector<std::string>> every;  // each value, for repeated flags
  std::vector<std::string> positional;
  std::string error;  // set when an argument could not be read

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

// Every "--x" takes the next argument as its value, except those in `bools`.
inline Args ParseArgs(int argc, char** argv, const std::vector<std::string>& bools = {}) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0) {
      if (std::find(bools.begin(), bools.end(), s) != bools.end()) {
        a.flags[s] = "true";
      } else if (i + 1 < argc) {
        a.flags[s] = argv[++i];
        a.every[s].push_back(argv[i]);
      } else {
        a.error = s + " needs a value";
      }
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_FLAGS_H_
