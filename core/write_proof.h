// Proof of authorship (DESIGN.md section 7): every write a phone makes is
// signed with its own Ed25519 key, and the signature is kept with the write
// in the record's state wherever it travels. After the server is restored
// from an older backup, any phone holding another device's write can bring
// it back (SyncService.Refill), and the server merges it once the signature
// verifies under a key that device registered: a phone cannot forge it.
//
// The key is made on the phone when its replica is created, kept in the
// replica (encrypted with it when the replica is), and sent with every push
// (PushRequest.signing_key); the server registers it with the device the
// token names. A write's signature covers its WriteClaim: the write as it
// lies in the state, naming the record, without its author, which the
// server fills from the device's enrolment and checks on its own.
//
// Writes made before phones signed carry no signature: they are unproven,
// and a refill of them by another phone is held for review, never lost.
#ifndef GRIDSYNC_CORE_WRITE_PROOF_H_
#define GRIDSYNC_CORE_WRITE_PROOF_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gridsync/v1/mutation.pb.h"
#include "gridsync/v1/record_state.pb.h"

namespace gridsync::core {

inline constexpr size_t kSigningKeyBytes = 32;  // an Ed25519 public key or seed
inline constexpr size_t kSignatureBytes = 64;
// Keys one device may register: one per replica it was set up on (a
// reinstall makes a new replica and key; a replica copied back keeps its).
inline constexpr int kMaxSigningKeysPerDevice = 8;

struct SigningKey {
  std::string seed;        // the private key: kSigningKeyBytes, kept secret
  std::string public_key;  // kSigningKeyBytes
};

// A new key from the system's random source. INTERNAL if it fails.
absl::StatusOr<SigningKey> NewSigningKey();

// The key of a stored seed. INVALID_ARGUMENT for a seed of the wrong size.
absl::StatusOr<SigningKey> SigningKeyFromSeed(const std::string& seed);

// One write of a state that carries a signature: a create (the header), a
// field's sibling, a log's element, the void mark. A status carries none:
// it names no author, and a refill takes it as the sender's own.
struct SignedWrite {
  std::string path;       // in the state, as ValidateState names it
  std::string device_id;  // the device that made it (without "~epoch")
  std::string author;     // as the state says
  std::string claim;      // its WriteClaim, serialized canonically
  std::string signature;  // empty when unsigned
};

// The signed writes of `s`, in a fixed order: the header when it is a
// create, each register's siblings (registers sorted by field), each log's
// elements, the void mark.
std::vector<SignedWrite> SignedWritesOf(const gridsync::v1::RecordState& s);

// The claims of the writes `m` makes, in SignedWritesOf order of ToDelta(m).
// REQUIRES: m validated, m.device_id() set to the device the server will
// fill in (the phone's own id).
std::vector<std::string> WriteClaims(const gridsync::v1::Mutation& m);

// Signs every write of `m` (Mutation.signatures). REQUIRES: as WriteClaims.
absl::Status Sign(const SigningKey& key, gridsync::v1::Mutation* m);

// Whether `signature` is `public_key`'s Ed25519 signature of `claim`.
bool Verifies(const std::string& public_key, const std::string& claim,
              const std::string& signature);

// Why the signatures `m` carries cannot be kept (a count that is not one
// per write, a size that is not kSignatureBytes); nullopt when they can or
// there are none. Sizes only: verifying is for where a proof is relied on
// (a refill of another device's write); a push is proven by its token, and
// a signature of it that does not verify makes only that write unprovable.
// Part of ValidateMutation.
std::optional<std::string> SignatureShapeError(const gridsync::v1::Mutation& m);

// Puts `m`'s signatures on the writes of its delta (ToDelta), in
// SignedWritesOf order. REQUIRES: SignatureShapeError(m) is nullopt.
void AttachSignatures(const gridsync::v1::Mutation& m, gridsync::v1::RecordState* delta);

// The writes of `s` for which `keep[i]` (i in SignedWritesOf order), with
// the record's id, kind and grid. A kept sibling's register claims no more
// than the kept siblings' own dots as its context: a context it carried
// would erase writes the reader has not seen. The status is not kept.
// REQUIRES: keep.size() == SignedWritesOf(s).size().
gridsync::v1::RecordState KeepWrites(const gridsync::v1::RecordState& s,
                                     const std::vector<bool>& keep);

}  // namespace gridsync::core

#endif  // GRIDSYNC_CORE_WRITE_PROOF_H_
