// A phone's replica folder restored from an older copy (Android's app-data
// backup, a device-to-device transfer, a support person copying a folder):
// its next device seqs are ones the server already holds for the device.
// Nothing written after the restore may be lost, nothing applied twice, and
// the replica ends byte-identical with the server.
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "server/backup.h"
#include "tests/client_sdk/sdk_test.h"

namespace gridsync::testing {
namespace {

using tools::StrValue;

class RestoredReplicaTest : public SdkTest {
 protected:
  // Copies the closed replica folder aside (the "backup"), then reopens.
  std::string Backup(Phone& p) {
    const std::string copy = p.options.data_dir + ".backup-" + std::to_string(++backups_);
    p.client.reset();
    std::filesystem::copy(p.options.data_dir, copy, std::filesystem::copy_options::recursive);
    Reopen(p);
    return copy;
  }
  // Puts the backup back in place of the replica and opens it.
  void Restore(Phone& p, const std::string& copy) {
    p.client.reset();
    std::filesystem::remove_all(p.options.data_dir);
    std::filesystem::copy(copy, p.options.data_dir, std::filesystem::copy_options::recursive);
    Reopen(p);
  }
  sdk::SyncReport SyncReport(Phone& p) {
    auto r = p->Sync();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(sdk::SyncReport());
  }
  // Whether the server holds `id` (NOT_FOUND is an answer here).
  bool OnServer(const std::string& id) {
    gridsync::v1::GetRecordRequest req;
    req.set_record_id(id);
    gridsync::v1::GetRecordResponse resp;
    auto ctx = tools::CallContext(admin_token_);
    const grpc::Status st = admin_->GetRecord(ctx.get(), req, &resp);
    EXPECT_TRUE(st.ok() || st.error_code() == grpc::StatusCode::NOT_FOUND) << st.error_message();
    return st.ok();
  }
  void ExpectPhoneMatchesServer(Phone& p) {
    for (const auto& id : p->List()) ExpectSameAsServer(p, id);
    EXPECT_EQ(p->Stats().pending, 0);
    EXPECT_EQ(p->Stats().rejected, 0);
  }
  int backups_ = 0;
};

TEST_F(RestoredReplicaTest, AWriteAfterTheRestoreIsRenumberedNotDroppedAsADuplicate) {
  Phone p = NewPhone(kGridA, "王芳");
  const std::string a = NewVisit(p, kGridA, 1);
  SyncOk(p);
  const std::string copy = Backup(p);
  const std::string b = NewVisit(p, kGridA, 2);
  SyncOk(p);
  Restore(p, copy);
  const std::string c = NewVisit(p, kGridA, 3);
  const sdk::SyncReport r = SyncReport(p);
  EXPECT_EQ(r.renumbered, 1);
  EXPECT_EQ(r.pushed, 1);
  EXPECT_EQ(r.duplicates, 0);
  for (const auto& id : {a, b, c}) {
    EXPECT_TRUE(GetRecord(id).has_record()) << id;
    ExpectSameAsServer(p, id);
  }
  ExpectPhoneMatchesServer(p);
  EXPECT_EQ(p->List().size(), 3u);  // B came back by pulling from the older cursor
  // The renumbering was stored: after an app restart nothing is pushed again.
  Reopen(p);
  const sdk::SyncReport again = SyncReport(p);
  EXPECT_EQ(again.pushed + again.duplicates + again.renumbered, 0);
}

TEST_F(RestoredReplicaTest, TwentyWritesLostByTheRestoreAndASecondPhoneEditingLoseNothing) {
  Phone p = NewPhone(kGridA, "王芳");
  Phone q = NewPhone(kGridA, "李强");
  std::vector<std::string> cases;
  for (int i = 0; i < 5; ++i) cases.push_back(NewCase(p, kGridA));
  SyncOk(p);
  SyncOk(q);
  const std::string copy = Backup(p);
  // 20 writes the restore takes off the phone (they reached the server).
  std::vector<std::string> lost_visits;
  for (int i = 0; i < 10; ++i) lost_visits.push_back(NewVisit(p, kGridA, 1 + i % 5));
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(p->SetField(cases[i % 5], "title", StrValue("丢失前 " + std::to_string(i))).ok());
  }
  SyncOk(p);
  // The second phone edits the same cases meanwhile.
  SyncOk(q);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(q->SetField(cases[i], "mediator", StrValue("张主任 " + std::to_string(i))).ok());
  }
  SyncOk(q);

  Restore(p, copy);
  // 20 writes after the restore: new visits, new cases edited twice, and
  // edits of the old cases the lost writes had edited too.
  std::vector<std::string> new_records;
  for (int i = 0; i < 6; ++i) new_records.push_back(NewVisit(p, kGridA, 1 + i % 5));
  for (int i = 0; i < 3; ++i) {
    new_records.push_back(NewCase(p, kGridA));
    ASSERT_TRUE(
        p->SetField(new_records.back(), "title", StrValue("新案 " + std::to_string(i))).ok());
    ASSERT_TRUE(
        p->SetField(new_records.back(), "title", StrValue("新案改 " + std::to_string(i))).ok());
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(p->SetField(cases[i], "title", StrValue("恢复后 " + std::to_string(i))).ok());
  }
  ASSERT_EQ(p->Stats().pending, 20);
  const sdk::SyncReport r = SyncReport(p);
  EXPECT_EQ(r.renumbered, 20);
  EXPECT_EQ(r.pushed, 20);
  EXPECT_EQ(r.rejected, 0);
  SyncOk(q);

  for (const auto& id : lost_visits) EXPECT_TRUE(GetRecord(id).has_record()) << id;
  for (size_t i = 0; i < 3; ++i) {
    // A case made and edited twice after the restore shows its last title
    // and no conflict: its own writes were renumbered together.
    const auto rec = GetRecord(new_records[6 + i]).record();
    EXPECT_EQ(rec.dispute_case().title(), "新案改 " + std::to_string(i));
    EXPECT_EQ(rec.conflicts_size(), 0) << rec.DebugString();
  }
  for (int i = 0; i < 5; ++i) {
    // Every title typed on an old case is still there: the lost timeline's
    // and the restored phone's, as a conflict a person resolves; the second
    // phone's mediator stands.
    const auto rec = GetRecord(cases[i]).record();
    EXPECT_EQ(rec.dispute_case().mediator(), "张主任 " + std::to_string(i));
    std::set<std::string> titles;
    for (const auto& c : rec.conflicts()) {
      for (const auto& s : c.siblings()) titles.insert(s.value().string_value());
    }
    if (titles.empty()) titles.insert(rec.dispute_case().title());
    EXPECT_TRUE(titles.count("恢复后 " + std::to_string(i))) << rec.DebugString();
    EXPECT_TRUE(titles.count("丢失前 " + std::to_string(i + 5))) << rec.DebugString();
  }
  ExpectPhoneMatchesServer(p);
  ExpectPhoneMatchesServer(q);
  for (const auto& id : p->List()) {
    auto mine = p->GetState(id);
    auto theirs = q->GetState(id);
    ASSERT_TRUE(mine.ok() && theirs.ok()) << id;
    EXPECT_EQ(core::SerializeCanonical(*mine), core::SerializeCanonical(*theirs)) << id;
  }
  EXPECT_EQ(Stats().records(), 5u + 10u + 9u);  // every record typed, none twice
}

TEST_F(RestoredReplicaTest, ARestoredCopyOfAVoidedRecordSeesTheVoidAndKeepsItsEdit) {
  Phone p = NewPhone(kGridA, "王芳");
  const std::string a = NewVisit(p, kGridA, 1);
  SyncOk(p);
  const std::string copy = Backup(p);
  ASSERT_TRUE(p->Void(a, "录错户").ok());
  SyncOk(p);
  Restore(p, copy);
  EXPECT_FALSE(p->Get(a)->has_void_mark());  // the copy is from before the void
  ASSERT_TRUE(p->SetField(a, "notes", StrValue("补记：户主外出")).ok());
  const sdk::SyncReport r = SyncReport(p);
  EXPECT_EQ(r.renumbered, 1);
  const auto rec = GetRecord(a).record();
  EXPECT_TRUE(rec.has_void_mark());
  EXPECT_EQ(rec.visit().notes(), "补记：户主外出");
  EXPECT_TRUE(p->Get(a)->has_void_mark());
  ExpectPhoneMatchesServer(p);
}

// The other way round: the server's store is restored from an older
// backup. A phone notices (the store's epoch changed), pushes again what the
// server acknowledged and lost, and pulls everything from 0: nothing it
// still held is lost.
TEST_F(RestoredReplicaTest, AServerRestoredFromABackupGetsBackWhatThePhoneStillHolds) {
  auto phone = NewPhone(kGridA, "王芳");
  std::vector<std::string> before, acked, pending;
  for (int i = 0; i < 5; ++i) before.push_back(NewVisit(phone, kGridA, 1 + i));
  SyncOk(phone);

  const std::string backups = BackUpServer();
  for (int i = 0; i < 4; ++i) acked.push_back(NewVisit(phone, kGridA, 6 + i));
  auto pushed = phone->Push();  // acknowledged, not yet pulled
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  ASSERT_EQ(pushed->pushed, 4);
  for (int i = 0; i < 3; ++i) pending.push_back(NewVisit(phone, kGridA, 10 + i));

  RestoreServer(backups);         // the county restores last night's backup
  for (const auto& id : acked) {  // lost by the restore
    gridsync::v1::GetRecordRequest req;
    req.set_record_id(id);
    gridsync::v1::GetRecordResponse resp;
    auto c = tools::CallContext(admin_token_);
    EXPECT_EQ(admin_->GetRecord(c.get(), req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  }

  auto r = phone->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->repushed, 4);
  EXPECT_EQ(r->pushed, 7);  // the 4 it had lost and the 3 never sent
  for (const auto* ids : {&before, &acked, &pending}) {
    for (const auto& id : *ids) {
      EXPECT_TRUE(GetRecord(id).has_record()) << id;
      ExpectSameAsServer(phone, id);
    }
  }
  EXPECT_EQ(phone->Stats().pending + phone->Stats().acked_unpulled, 0);
  auto again = phone->Sync();  // settled: nothing moves
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->repushed, 0);
  EXPECT_EQ(again->pushed, 0);
}

// A record only another phone still holds comes back at once when its
// writes are signed by the device that made them: a worker's phone is lost
// after the server acknowledged its day's work, the county restores last
// night's backup, and the neighbour's phone sends back the records whose
// state has more than the restored server's. The lost phone's writes carry
// its signatures (core/write_proof.h), so they are merged as its own pushes
// of them would be, under its name, with no review.
TEST_F(RestoredReplicaTest, RecordsOnlyAnotherPhoneStillHoldsComeBackProvenByTheirSignatures) {
  auto writer = NewPhone(kGridA, "王芳");
  auto keeper = NewPhone(kGridA, "李𠮷");
  const std::string old_case = NewCase(writer, kGridA);
  const std::string old_visit = NewVisit(writer, kGridA, 1);
  SyncOk(writer);  // its key is registered with this push, before the backup
  SyncOk(keeper);
  const std::string backups = BackUpServer();

  std::vector<std::string> later;
  for (int i = 0; i < 4; ++i) later.push_back(NewVisit(writer, kGridA, 2 + i));
  ASSERT_TRUE(writer->SetStatus(old_case, gridsync::v1::CASE_STATUS_MEDIATING).ok());
  ASSERT_TRUE(writer->SetField(old_visit, "notes", StrValue("户主𡒄说院墙已修")).ok());
  SyncOk(writer);  // acknowledged and pulled back: gone from its outbox
  SyncOk(keeper);
  const std::string keeper_own = NewVisit(keeper, kGridA, 9);
  SyncOk(keeper);
  writer.client.reset();  // the phone is lost
  std::filesystem::remove_all(writer.options.data_dir);

  RestoreServer(backups);
  EXPECT_EQ(GetRecord(old_case).record().dispute_case().status(),
            gridsync::v1::CASE_STATUS_REGISTERED);
  const sdk::SyncReport r = SyncReport(keeper);
  EXPECT_EQ(r.repushed, 0);  // its own visit was pulled back before the restore
  // Its own visit, the case moved on, the 4 visits and the edited visit.
  EXPECT_EQ(r.refilled, 7);
  EXPECT_EQ(r.refill_held, 0);
  EXPECT_EQ(r.refill_refused, 0);
  EXPECT_TRUE(HeldRefills().empty());
  for (const auto& id : later) {
    const auto rec = GetRecord(id).record();
    EXPECT_EQ(rec.created_by(), "王芳") << id;  // the writes keep their author
    ExpectSameAsServer(keeper, id);
  }
  const auto c = GetRecord(old_case).record();
  EXPECT_EQ(c.dispute_case().status(), gridsync::v1::CASE_STATUS_MEDIATING);
  EXPECT_EQ(c.created_by(), "王芳");
  EXPECT_EQ(GetRecord(old_visit).record().visit().notes(), "户主𡒄说院墙已修");
  EXPECT_TRUE(GetRecord(keeper_own).has_record());
  ExpectPhoneMatchesServer(keeper);

  // Settled: nothing more to send, nothing sent twice.
  const sdk::SyncReport again = SyncReport(keeper);
  EXPECT_EQ(again.refilled, 0);
  EXPECT_EQ(again.refill_calls, 0);
  // A new phone of the grid gets all of it from the server.
  auto fresh = NewPhone(kGridA, "张三");
  SyncOk(fresh);
  for (const auto& id : later) EXPECT_TRUE(fresh->Get(id).ok()) << id;
}

// A proven write is checked as its author's push of it: the secretary's
// approval, which no grid worker may write, comes back through a worker's
// phone after the secretary's phone is lost, and the household leaves the
// registry as the approval says.
TEST_F(RestoredReplicaTest, ASecretarysApprovalComesBackThroughAWorkersPhone) {
  auto worker = NewPhone(kGridA, "网格员 王芳");
  auto secretary = NewReplica(gridsync::v1::ROLE_VILLAGE_SECRETARY, kVillageAB, "村书记 李国华");
  gridsync::v1::RegistryProposal left;
  left.set_action(gridsync::v1::PROPOSAL_ACTION_MOVED_OUT);
  left.set_household_id(Household(kGridA, 5));
  left.set_reason("全家外出务工");
  gridsync::v1::RegistryProposal also_left = left;
  also_left.set_household_id(Household(kGridA, 6));
  auto first = worker->Propose(kGridA, left);
  auto second = worker->Propose(kGridA, also_left);
  ASSERT_TRUE(first.ok() && second.ok());
  SyncOk(worker);
  SyncOk(secretary);
  ASSERT_TRUE(secretary->Decide(*first, true).ok());
  SyncOk(secretary);  // its key is registered with this push
  const std::string backups = BackUpServer();
  ASSERT_TRUE(secretary->Decide(*second, true, "已核实").ok());
  SyncOk(secretary);
  SyncOk(worker);            // holds the approval
  secretary.client.reset();  // the secretary's phone is lost
  std::filesystem::remove_all(secretary.options.data_dir);

  RestoreServer(backups);
  const sdk::SyncReport r = SyncReport(worker);
  EXPECT_EQ(r.refilled, 1);
  EXPECT_EQ(r.refill_held, 0);
  EXPECT_EQ(r.refill_refused, 0);
  const auto decided = GetRecord(*second).record().registry_proposal();
  EXPECT_EQ(decided.decision(), gridsync::v1::PROPOSAL_DECISION_APPROVED);
  SyncOk(worker);
  auto list = worker->ListHouseholds(kGridA, "", 0, 1000);
  ASSERT_TRUE(list.ok());
  for (const auto& h : list->households()) {
    EXPECT_NE(h.household().household_id(), Household(kGridA, 6));
  }
  ExpectPhoneMatchesServer(worker);
}

// What proves a write is its author's signature over exactly that write,
// by a key the author's device registered, and the device still enrolled:
// a signature flipped, a value changed under its signature, a write of a
// phone that never signed, or one of a device revoked since, is held for
// the county's review, never merged and never lost.
TEST_F(RestoredReplicaTest, AWriteWithoutItsAuthorsValidSignatureIsHeldForReview) {
  auto writer = NewPhone(kGridA, "王芳");
  auto keeper = NewPhone(kGridA, "李𠮷");
  NewVisit(writer, kGridA, 9);
  SyncOk(writer);  // a push registers its key
  SyncOk(keeper);
  const std::string backups = BackUpServer();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(NewVisit(writer, kGridA, 1 + i));
  SyncOk(writer);
  SyncOk(keeper);
  std::vector<gridsync::v1::RecordState> held;
  for (const auto& id : ids) held.push_back(*keeper->GetState(id));
  RestoreServer(backups);

  // 0 as it was signed; 1 a bit of the create's signature flipped; 2 a
  // value changed under its signature; 3 as a phone that never signed
  // holds it; 4 sent after its writer was revoked.
  held[1].mutable_header()->mutable_created_signature()->at(7) ^= 1;
  for (auto& reg : *held[2].mutable_registers()) {
    if (reg.field() == "visited_at_ms") {
      auto* v = reg.mutable_siblings(0)->mutable_value();
      v->set_int_value(v->int_value() - 86400000);  // a day earlier
    }
  }
  held[3].mutable_header()->clear_created_signature();
  for (auto& reg : *held[3].mutable_registers()) reg.mutable_siblings(0)->clear_signature();
  auto refill = [&](const gridsync::v1::RecordState& s) {
    gridsync::v1::PullRequest pull;
    pull.set_page_size(1);
    gridsync::v1::PullResponse pulled;
    auto pctx = tools::CallContext(keeper.options.token);
    EXPECT_TRUE(sync_->Pull(pctx.get(), pull, &pulled).ok());
    gridsync::v1::RefillRequest req;
    req.set_store_epoch(pulled.store_epoch());
    *req.add_records() = s;
    gridsync::v1::RefillResponse resp;
    auto ctx = tools::CallContext(keeper.options.token);
    EXPECT_TRUE(sync_->Refill(ctx.get(), req, &resp).ok());
    return resp.results(0);
  };
  EXPECT_EQ(refill(held[0]).outcome(), gridsync::v1::REFILL_OUTCOME_MERGED);
  EXPECT_EQ(GetRecord(ids[0]).record().created_by(), "王芳");
  for (int i = 1; i <= 3; ++i) {
    const auto res = refill(held[i]);
    EXPECT_TRUE(res.held_for_review()) << i;
    // The changed value's record: its create and other fields are proven,
    // and merged; the value alone waits for review.
    EXPECT_EQ(res.outcome() == gridsync::v1::REFILL_OUTCOME_MERGED, i == 2) << i;
    EXPECT_EQ(OnServer(ids[i]), i == 2) << i;
  }
  const auto partly = GetRecord(ids[2]).record();
  EXPECT_EQ(partly.created_by(), "王芳");
  EXPECT_TRUE(partly.visit().talked_with_household());
  EXPECT_EQ(partly.visit().visited_at_ms(), 0);  // not the forged day
  ASSERT_TRUE(RevokeDevice(admin_.get(), admin_token_, writer.options.device_id, false).ok());
  EXPECT_TRUE(refill(held[4]).held_for_review());
  EXPECT_FALSE(OnServer(ids[4]));
  EXPECT_EQ(HeldRefills().size(), 4u);
}

// The measurement issue 12 asks for (BENCHMARKS.md, "Restore and refill"):
// four phones of two grids write and sync at their own pace after a
// backup; one of them is then lost; the county restores the backup; the
// three left sync. Every record written after the backup that any phone
// still holds must be on the server again, with every edit, and every
// phone and the server must agree byte for byte.
TEST_F(RestoredReplicaTest, FourPhonesWritingAfterABackupGetBackAllTheyHold) {
  const char* grids[] = {kGridA, kGridA, kGridB, kGridB};
  const char* holders[] = {"王芳", "李𠮷", "张𡒄", "赵六"};
  std::vector<Phone> phones;
  for (int i = 0; i < 4; ++i) phones.push_back(NewPhone(grids[i], holders[i]));
  for (int i = 0; i < 4; ++i) {
    for (int k = 0; k < 10; ++k) NewVisit(phones[i], grids[i], 1 + k);
    SyncOk(phones[i]);
  }
  const std::string backups = BackUpServer();

  // After the backup: each phone writes in rounds, edits what it wrote
  // earlier, and syncs in some rounds only, as coverage allows.
  constexpr int kRounds = 25;
  std::vector<std::vector<std::string>> written(4);
  std::vector<int> edits(4, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      std::mt19937 rng(1000 + i);
      for (int round = 0; round < kRounds; ++round) {
        for (int k = 0; k < 2; ++k) {
          written[i].push_back(NewVisit(phones[i], grids[i], 1 + static_cast<int>(rng() % 20)));
        }
        if (round % 3 == 2) {
          const std::string& id = written[i][rng() % written[i].size()];
          if (phones[i]
                  ->SetField(id, "notes", StrValue("第" + std::to_string(round) + "轮补记"))
                  .ok()) {
            ++edits[i];
          }
        }
        if (rng() % 10 < 6) (void)phones[i]->Sync();  // a weak signal fails some: fine
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 5));
      }
    });
  }
  for (auto& t : threads) t.join();
  SyncOk(phones[3]);  // the lost phone's last sync
  SyncOk(phones[2]);  // its grid neighbour pulled that
  for (int k = 0; k < 3; ++k) written[3].push_back(NewVisit(phones[3], kGridB, 1 + k));
  for (int k = 0; k < 3; ++k) written[0].push_back(NewVisit(phones[0], kGridA, 1 + k));
  ASSERT_TRUE(phones[0]->Push().ok());  // acknowledged just before the restore, not pulled
  phones[3].client.reset();             // lost with 3 visits never sent
  std::filesystem::remove_all(phones[3].options.data_dir);
  phones.pop_back();

  RestoreServer(backups);
  std::set<std::string> after_backup, held;
  for (int i = 0; i < 4; ++i) after_backup.insert(written[i].begin(), written[i].end());
  for (const auto& id : after_backup) {
    for (auto& p : phones) {
      if (p->Get(id).ok()) held.insert(id);
    }
  }
  size_t on_server_before = 0;
  for (const auto& id : after_backup) on_server_before += OnServer(id);
  sdk::SyncReport total;
  const auto t0 = std::chrono::steady_clock::now();
  for (int pass = 0; pass < 2; ++pass) {  // the second pass brings others' refills
    for (auto& p : phones) {
      const sdk::SyncReport r = SyncReport(p);
      total.repushed += r.repushed;
      total.pushed += r.pushed;
      total.refilled += r.refilled;
      total.refill_refused += r.refill_refused;
      total.refill_held += r.refill_held;
    }
  }
  // What only another phone held (the lost phone's) is proven by its
  // signatures: nothing is left for the county to review.
  const std::vector<gridsync::v1::Change> for_review = HeldRefills();
  for (const auto& c : for_review) {
    EXPECT_NE(ApplyHeldRefill(c.seq()).outcome(), gridsync::v1::REFILL_OUTCOME_REJECTED);
  }
  for (auto& p : phones) total.refill_held += SyncReport(p).refill_held;
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  size_t back = 0;
  for (const auto& id : after_backup) back += OnServer(id);
  for (const auto& id : held) EXPECT_TRUE(OnServer(id)) << id;
  for (auto& p : phones) ExpectPhoneMatchesServer(p);
  printf(
      "restore refill: %zu records written by 4 phones after the backup (%d edits of them); "
      "%zu on the restored server before the phones synced; %zu held by the 3 phones left; "
      "%zu on the server after 2 sync passes and the county's review (%lld mutations never sent "
      "before, %lld pushed again, %lld records sent back, %lld refused, %lld holding another "
      "phone's writes, %zu held for review and applied) in %.0f ms\n",
      after_backup.size(), edits[0] + edits[1] + edits[2] + edits[3], on_server_before, held.size(),
      back, static_cast<long long>(total.pushed - total.repushed),
      static_cast<long long>(total.repushed), static_cast<long long>(total.refilled),
      static_cast<long long>(total.refill_refused), static_cast<long long>(total.refill_held),
      for_review.size(), ms);
  EXPECT_EQ(back, held.size());
  EXPECT_EQ(held.size(), after_backup.size() - 3);
  EXPECT_EQ(on_server_before, 0u);
  EXPECT_GE(total.repushed, 3);  // and what it had not sent in its last rounds
  EXPECT_EQ(total.refill_refused, 0);
  EXPECT_EQ(for_review.size(), 0u);
  EXPECT_EQ(total.refill_held, 0);
}

// SyncService.Refill refuses what it must: outside the window after a
// restore, another store's epoch, a state outside the caller's scope, a
// state that is not valid. Nothing stored changes.
TEST_F(RestoredReplicaTest, RefillRefusesWhatItMust) {
  auto phone = NewPhone(kGridA, "王芳");
  const std::string id = NewVisit(phone, kGridA, 1);
  SyncOk(phone);
  const gridsync::v1::RecordState held = *phone->GetState(id);
  auto refill = [&](const std::string& token, uint64_t epoch, const gridsync::v1::RecordState& s,
                    gridsync::v1::RefillResponse* resp) {
    gridsync::v1::RefillRequest req;
    req.set_store_epoch(epoch);
    *req.add_records() = s;
    auto ctx = tools::CallContext(token);
    return sync_->Refill(ctx.get(), req, resp);
  };
  auto store_epoch = [&] {
    gridsync::v1::PullRequest req;
    req.set_page_size(1);
    gridsync::v1::PullResponse resp;
    auto ctx = tools::CallContext(phone.options.token);
    EXPECT_TRUE(sync_->Pull(ctx.get(), req, &resp).ok());
    return resp.store_epoch();
  };
  gridsync::v1::RefillResponse resp;
  grpc::Status st = refill(phone.options.token, store_epoch(), held, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(st.error_message(), "never restored")) << st.error_message();

  RestoreServer(BackUpServer());
  st = refill(phone.options.token, 12345, held, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(st.error_message(), "pull from 0")) << st.error_message();

  const uint64_t epoch = store_epoch();
  std::string other_token;
  {
    std::string device;
    other_token = Enroll(gridsync::v1::ROLE_GRID_WORKER, {kGridC}, "赵六", &device);
  }
  ASSERT_TRUE(refill(other_token, epoch, held, &resp).ok());
  EXPECT_EQ(resp.results(0).outcome(), gridsync::v1::REFILL_OUTCOME_REJECTED);
  EXPECT_EQ(resp.results(0).code(), static_cast<int>(grpc::StatusCode::PERMISSION_DENIED));

  gridsync::v1::RecordState bad = held;
  bad.mutable_registers(0)->mutable_siblings(0)->mutable_dot()->set_counter(0);
  ASSERT_TRUE(refill(phone.options.token, epoch, bad, &resp).ok());
  EXPECT_EQ(resp.results(0).outcome(), gridsync::v1::REFILL_OUTCOME_REJECTED);
  EXPECT_EQ(resp.results(0).code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_TRUE(absl::StrContains(resp.results(0).field(), "registers[0].siblings[0]"))
      << resp.results(0).field();

  bad = held;
  // The same record claimed for another grid.
  bad.mutable_header()->set_grid_code(kGridB);
  bad.mutable_header()->set_subject_id(Household(kGridB, 1));
  ASSERT_TRUE(
      refill(Enroll(gridsync::v1::ROLE_VILLAGE_SECRETARY, {"410185001201"}), epoch, bad, &resp)
          .ok());
  EXPECT_EQ(resp.results(0).outcome(), gridsync::v1::REFILL_OUTCOME_REJECTED);
  EXPECT_EQ(resp.results(0).code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));

  ASSERT_TRUE(refill(phone.options.token, epoch, held, &resp).ok());
  EXPECT_EQ(resp.results(0).outcome(), gridsync::v1::REFILL_OUTCOME_UNCHANGED);
  EXPECT_EQ(GetRecord(id).record().grid_code(), kGridA);
  ExpectSameAsServer(phone, id);
}

}  // namespace
}  // namespace gridsync::testing
