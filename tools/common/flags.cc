#include "tools/common/flags.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "common/version.h"

namespace gridsync::tools {
namespace {

// --help as `usage` (the program's own synopsis, which names its commands
// and files) followed by the flags, without CLI11's generic usage line.
class Help : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App*, std::string) const override { return ""; }
  std::string make_positionals(const CLI::App*) const override { return ""; }
};

// The CLI11 application `known` describes. Every value flag may be given
// more than once (each value kept); positional words are collected in order.
std::unique_ptr<CLI::App> AppFor(const FlagSet& known, std::vector<std::string>* positional) {
  auto app = std::make_unique<CLI::App>(known.usage, known.program);
  app->option_defaults()->group("Flags");
  app->set_version_flag("--version", known.program + " " + kVersion, "print the release and exit");
  app->set_help_flag("--help", "print this help and exit");
  app->formatter(std::make_shared<Help>());
  app->get_formatter()->column_width(30);
  for (const Flag& f : known.flags) {
    if (f.value.empty()) {
      app->add_flag(f.name, f.help)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    } else {
      app->add_option(f.name, f.help)
          ->type_name(f.value)
          ->expected(1)
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    }
  }
  app->add_option("args", *positional);  // the commands and files `usage` names
  return app;
}

}  // namespace

FlagSet WithTls(FlagSet f) {
  f.flags.push_back({"--tls-ca", "FILE",
                     "the county CA's certificate (PEM) for TLS to gridsyncd (default: the "
                     "system's roots; without TLS flags, plaintext, only to 127.0.0.1)"});
  f.flags.push_back({"--tls-cert", "FILE",
                     "this program's client certificate (PEM), for a server that asks for one"});
  f.flags.push_back({"--tls-key", "FILE", "the key (PEM) of --tls-cert"});
  return f;
}

Args ParseArgs(int argc, char** argv, const FlagSet& known) {
  Args a;
  auto app = AppFor(known, &a.positional);
  try {
    app->parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    exit(app->exit(e));
  } catch (const CLI::CallForVersion& e) {
    exit(app->exit(e));
  } catch (const CLI::ParseError& e) {
    a.error = e.what();
    return a;
  }
  for (const Flag& f : known.flags) {
    const CLI::Option* opt = app->get_option(f.name);
    if (opt->count() == 0) continue;
    if (f.value.empty()) {
      a.flags[f.name] = "true";
      continue;
    }
    a.every[f.name] = opt->results();
    a.flags[f.name] = opt->results().back();
  }
  return a;
}

int UsageError(const FlagSet& known, const std::string& error) {
  std::vector<std::string> unused;
  auto app = AppFor(known, &unused);
  if (!error.empty()) fprintf(stderr, "%s: %s\n", known.program.c_str(), error.c_str());
  std::cerr << app->help();
  return 2;
}

}  // namespace gridsync::tools
