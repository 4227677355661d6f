// A process that uses the SDK like the app does, for the SIGKILL test: it
// writes visits numbered from where its replica left off, syncing every few
// writes, and prints one line per durable write. The test kills it at random
// points and starts it again.
//
//   sdk_writer --data DIR --server ADDR --device ID --token T --grid CODE
//              --total N --sync-every K
#include <cstdio>
#include <string>
#include <thread>

#include "absl/strings/str_format.h"
#include "core/hlc.h"
#include "gridsync/client.h"
#include "tools/common/flags.h"

int main(int argc, char** argv) {
  using namespace gridsync;
  const tools::FlagSet flags = {"sdk_writer",
                                "usage: sdk_writer --data DIR --server ADDR --device ID --token T "
                                "--grid CODE --total N --sync-every K\n",
                                {{"--data", "DIR", "the replica"},
                                 {"--server", "ADDR", "gridsyncd's address"},
                                 {"--device", "ID", "the device id"},
                                 {"--token", "TOKEN", "the device's token"},
                                 {"--grid", "CODE", "the grid of the visits"},
                                 {"--total", "N", "visits to write in all (100)"},
                                 {"--sync-every", "K", "sync after every K writes (20)"}}};
  auto args = tools::ParseArgs(argc, argv, flags);
  if (!args.error.empty()) return tools::UsageError(flags, args.error);
  sdk::ClientOptions o;
  o.data_dir = args.Get("--data");
  o.server_address = args.Get("--server");
  o.device_id = args.Get("--device");
  o.token = args.Get("--token");
  o.holder = "sdk_writer";
  o.push_batch = 25;
  o.rpc_timeout = std::chrono::seconds(10);
  const std::string grid = args.Get("--grid");
  const int total = std::stoi(args.Get("--total", "100"));
  const int sync_every = std::stoi(args.Get("--sync-every", "20"));
  auto client = sdk::Client::Open(o);
  if (!client.ok()) {
    fprintf(stderr, "open: %s\n", client.status().ToString().c_str());
    return 2;
  }
  // Every durable write is in the view (pending, acked or pulled).
  int next = static_cast<int>((*client)->List().size());
  for (int i = next; i < total; ++i) {
    auto id =
        (*client)->Create(v1::RECORD_KIND_VISIT, grid, absl::StrFormat("%s%04d", grid, 1 + i % 20),
                          {{"visited_at_ms",
                            [] {
                              v1::FieldValue v;
                              v.set_int_value(core::SystemWallMs());
                              return v;
                            }()},
                           {"notes", [&] {
                              v1::FieldValue v;
                              v.set_string_value("n" + std::to_string(i));
                              return v;
                            }()}});
    if (!id.ok()) {
      fprintf(stderr, "write %d: %s\n", i, id.status().ToString().c_str());
      return 3;
    }
    printf("wrote %d %s\n", i, id->c_str());
    fflush(stdout);
    if ((i + 1) % sync_every == 0) {
      printf("syncing\n");
      fflush(stdout);
      (void)(*client)->Sync();  // a failure is retried at the next one
    }
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto r = (*client)->Sync();
    if (r.ok() && (*client)->Stats().pending == 0) {
      printf("done\n");
      fflush(stdout);
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fprintf(stderr, "could not finish syncing\n");
  return 4;
}
