#include "core/write_proof.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/merge.h"

namespace gridsync::core {
namespace {

using gridsync::v1::Mutation;
using gridsync::v1::RecordState;
using gridsync::v1::WriteClaim;

// Signed bytes are this prefix and the claim: a signature made for
// anything else never verifies as a write's.
constexpr char kDomain[] = "gridsync.v1.WriteClaim\n";

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

const unsigned char* Bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string DeviceOfReplica(const std::string& replica) {
  return replica.substr(0, replica.find('~'));
}

// One signed write of a state, as ForEachSigned finds it.
struct Slot {
  std::string path;
  const std::string* device = nullptr;  // the replica or the device
  const std::string* author = nullptr;
  WriteClaim claim;                  // only when asked for
  std::string* signature = nullptr;  // in the state
};

// Calls visit(slot) for each signed write of `s`, in SignedWritesOf order.
void ForEachSigned(RecordState* s, bool with_claims, const std::function<void(Slot&)>& visit) {
  auto claim = [&](const std::string& place, auto set_write) {
    WriteClaim c;
    if (!with_claims) return c;
    c.set_record_id(s->record_id());
    c.set_kind(s->header().kind());
    c.set_grid_code(s->header().grid_code());
    c.set_place(place);
    set_write(&c);
    return c;
  };
  if (s->header().created_hlc() != 0) {
    auto* h = s->mutable_header();
    Slot slot{"header", &h->created_by_device(), &h->created_by(),
              claim("",
                    [&](WriteClaim* c) {
                      *c->mutable_header() = *h;
                      c->mutable_header()->clear_created_by();
                      c->mutable_header()->clear_created_signature();
                    }),
              h->mutable_created_signature()};
    visit(slot);
  }
  for (int i = 0; i < s->registers_size(); ++i) {
    auto* r = s->mutable_registers(i);
    for (int j = 0; j < r->siblings_size(); ++j) {
      auto* sib = r->mutable_siblings(j);
      Slot slot{absl::StrCat("registers[", i, "].siblings[", j, "]"), &sib->dot().device_id(),
                &sib->author(),
                claim(r->field(),
                      [&](WriteClaim* c) {
                        *c->mutable_sibling() = *sib;
                        c->mutable_sibling()->clear_author();
                        c->mutable_sibling()->clear_signature();
                      }),
                sib->mutable_signature()};
      visit(slot);
    }
  }
  for (int i = 0; i < s->logs_size(); ++i) {
    auto* l = s->mutable_logs(i);
    for (int j = 0; j < l->elements_size(); ++j) {
      auto* e = l->mutable_elements(j);
      Slot slot{absl::StrCat("logs[", i, "].elements[", j, "]"), &e->device_id(), &e->author(),
                claim(l->log(),
                      [&](WriteClaim* c) {
                        *c->mutable_element() = *e;
                        c->mutable_element()->clear_author();
                        c->mutable_element()->clear_signature();
                      }),
                e->mutable_signature()};
      visit(slot);
    }
  }
  if (s->has_void_mark()) {
    auto* v = s->mutable_void_mark();
    Slot slot{"void_mark", &v->device_id(), &v->author(),
              claim("",
                    [&](WriteClaim* c) {
                      *c->mutable_void_mark() = *v;
                      c->mutable_void_mark()->clear_author();
                      c->mutable_void_mark()->clear_signature();
                    }),
              v->mutable_signature()};
    visit(slot);
  }
}

std::string Signed(const std::string& claim) { return absl::StrCat(kDomain, claim); }

}  // namespace

absl::StatusOr<SigningKey> SigningKeyFromSeed(const std::string& seed) {
  if (seed.size() != kSigningKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a signing key's seed is ", kSigningKeyBytes, " bytes, not ", seed.size()));
  }
  Pkey k(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size()));
  std::string pub(kSigningKeyBytes, '\0');
  size_t len = pub.size();
  if (k == nullptr ||
      EVP_PKEY_get_raw_public_key(k.get(), reinterpret_cast<unsigned char*>(pub.data()), &len) !=
          1 ||
      len != kSigningKeyBytes) {
    return absl::InternalError("the crypto library could not make an Ed25519 key");
  }
  return SigningKey{seed, std::move(pub)};
}

absl::StatusOr<SigningKey> NewSigningKey() {
  std::string seed(kSigningKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), static_cast<int>(seed.size())) !=
      1) {
    return absl::InternalError("the system's random source failed; no signing key was made");
  }
  return SigningKeyFromSeed(seed);
}

std::vector<SignedWrite> SignedWritesOf(const RecordState& s) {
  std::vector<SignedWrite> out;
  RecordState walked = s;
  ForEachSigned(&walked, /*with_claims=*/true, [&](Slot& w) {
    out.push_back({std::move(w.path), DeviceOfReplica(*w.device), *w.author,
                   SerializeCanonical(w.claim), *w.signature});
  });
  return out;
}

std::vector<std::string> WriteClaims(const Mutation& m) {
  std::vector<std::string> out;
  for (SignedWrite& w : SignedWritesOf(ToDelta(m))) out.push_back(std::move(w.claim));
  return out;
}

absl::Status Sign(const SigningKey& key, Mutation* m) {
  Pkey k(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(key.seed), key.seed.size()));
  if (k == nullptr) return absl::InternalError("the signing key does not load");
  m->clear_signatures();
  for (const std::string& claim : WriteClaims(*m)) {
    const std::string msg = Signed(claim);
    std::string sig(kSignatureBytes, '\0');
    size_t len = sig.size();
    MdCtx ctx(EVP_MD_CTX_new());
    if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) != 1 ||
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, Bytes(msg),
                       msg.size()) != 1 ||
        len != kSignatureBytes) {
      return absl::InternalError("the crypto library could not sign a write");
    }
    m->add_signatures(std::move(sig));
  }
  return absl::OkStatus();
}

bool Verifies(const std::string& public_key, const std::string& claim,
              const std::string& signature) {
  if (public_key.size() != kSigningKeyBytes || signature.size() != kSignatureBytes) return false;
  Pkey k(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (k == nullptr || ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) != 1) {
    return false;
  }
  const std::string msg = Signed(claim);
  return EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(msg), msg.size()) ==
         1;
}

std::optional<std::string> SignatureShapeError(const Mutation& m) {
  if (m.signatures_size() == 0) return std::nullopt;
  size_t writes = 0;  // as ToDelta makes them
  switch (m.op_case()) {
    case Mutation::kCreate:
      writes = 1 + static_cast<size_t>(m.create().fields_size());
      break;
    case Mutation::kSetField:
    case Mutation::kAppendLog:
    case Mutation::kVoidRecord:
      writes = 1;
      break;
    default:
      break;
  }
  if (static_cast<size_t>(m.signatures_size()) != writes) {
    return absl::StrCat(m.signatures_size(), " signatures for ", writes,
                        " writes: sign each write once, or send none");
  }
  for (const std::string& sig : m.signatures()) {
    if (sig.size() != kSignatureBytes) {
      return absl::StrCat("a signature is ", sig.size(), " bytes; Ed25519's are ", kSignatureBytes);
    }
  }
  return std::nullopt;
}

void AttachSignatures(const Mutation& m, RecordState* delta) {
  if (m.signatures_size() == 0) return;
  int next = 0;
  ForEachSigned(delta, /*with_claims=*/false, [&](Slot& w) {
    if (next < m.signatures_size()) *w.signature = m.signatures(next++);
  });
}

RecordState KeepWrites(const RecordState& s, const std::vector<bool>& keep) {
  RecordState out;
  out.set_record_id(s.record_id());
  out.mutable_header()->set_kind(s.header().kind());
  out.mutable_header()->set_grid_code(s.header().grid_code());
  size_t k = 0;
  if (s.header().created_hlc() != 0 && keep[k++]) *out.mutable_header() = s.header();
  for (const auto& r : s.registers()) {
    gridsync::v1::Register kept;
    std::map<std::string, uint64_t> dots;  // sorted by replica, as contexts are
    for (const auto& sib : r.siblings()) {
      if (!keep[k++]) continue;
      *kept.add_siblings() = sib;
      uint64_t& c = dots[sib.dot().device_id()];
      c = std::max(c, sib.dot().counter());
    }
    if (kept.siblings_size() == 0) continue;
    kept.set_field(r.field());
    for (const auto& [replica, counter] : dots) {
      auto* d = kept.mutable_context()->add_entries();
      d->set_device_id(replica);
      d->set_counter(counter);
    }
    *out.add_registers() = std::move(kept);
  }
  for (const auto& l : s.logs()) {
    gridsync::v1::LogSet kept;
    for (const auto& e : l.elements()) {
      if (keep[k++]) *kept.add_elements() = e;
    }
    if (kept.elements_size() == 0) continue;
    kept.set_log(l.log());
    *out.add_logs() = std::move(kept);
  }
  if (s.has_void_mark() && keep[k++]) *out.mutable_void_mark() = s.void_mark();
  return out;
}

}  // namespace gridsync::core
