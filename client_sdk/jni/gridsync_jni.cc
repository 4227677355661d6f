// JNI for cn.gridsync.GridSyncClient: a thin layer over the C API
// (gridsync/gridsync.h). Errors become cn.gridsync.GridSyncException with
// the gs_code and message; no C++ exception reaches the JVM (the C API
// catches them all), and a Java exception thrown by a listener is reported
// and cleared so the sync goes on.
#include <jni.h>

#include <string>
#include <vector>

#include "client_sdk/jni/utf16.h"
#include "gridsync/gridsync.h"

namespace {

// What the Java object's `handle` points to.
struct JniClient {
  gs_client* client = nullptr;
  JavaVM* vm = nullptr;
  jobject bg_listener = nullptr;  // global ref while background sync runs
};

JniClient* H(jlong h) { return reinterpret_cast<JniClient*>(h); }

// A UTF-8 string from the SDK as a Java string (null as "").
jstring J(JNIEnv* env, const char* s) {
  const std::u16string u = gridsync::jni::Utf8ToUtf16(s ? s : "");
  return env->NewString(reinterpret_cast<const jchar*>(u.data()), static_cast<jsize>(u.size()));
}

void Throw(JNIEnv* env, int code, const char* message) {
  jclass cls = env->FindClass("cn/gridsync/GridSyncException");
  if (cls == nullptr) return;  // NoClassDefFoundError is pending
  jmethodID ctor = env->GetMethodID(cls, "<init>", "(ILjava/lang/String;)V");
  jstring msg = J(env, message);
  auto ex = static_cast<jthrowable>(env->NewObject(cls, ctor, static_cast<jint>(code), msg));
  if (ex != nullptr) env->Throw(ex);
}

bool Check(JNIEnv* env, gs_code code, const gs_error& err) {
  if (code == GS_OK) return true;
  Throw(env, code, err.message);
  return false;
}

bool NeedHandle(JNIEnv* env, jlong h) {
  if (h != 0 && H(h)->client != nullptr) return true;
  Throw(env, GS_FAILED_PRECONDITION, "the client is closed");
  return false;
}

// A Java string as standard UTF-8 (never JNI's modified UTF-8: see
// jni/utf16.h); a null string is a null pointer.
class Utf {
 public:
  Utf(JNIEnv* env, jstring s) : null_(s == nullptr) {
    if (null_) return;
    const jsize n = env->GetStringLength(s);
    std::u16string units(static_cast<size_t>(n), u'\0');
    env->GetStringRegion(s, 0, n, reinterpret_cast<jchar*>(units.data()));
    bytes_ = gridsync::jni::Utf16ToUtf8(units.data(), units.size());
  }
  const char* get() const { return null_ ? nullptr : bytes_.c_str(); }
  std::string str() const { return bytes_; }

 private:
  bool null_;
  std::string bytes_;
};

// Java String / Long / Integer / Boolean to a gs_value. `hold` keeps the
// UTF-8 bytes alive.
bool ToValue(JNIEnv* env, jobject o, gs_value* v, std::string* hold) {
  *v = gs_value{};
  if (o == nullptr) {
    Throw(env, GS_INVALID_ARGUMENT, "a field value is null");
    return false;
  }
  if (env->IsInstanceOf(o, env->FindClass("java/lang/String"))) {
    *hold = Utf(env, static_cast<jstring>(o)).str();
    if (hold->find('\0') != std::string::npos) {
      // The C API takes NUL-terminated text: refused, not cut short.
      Throw(env, GS_INVALID_ARGUMENT, "a text value contains U+0000 (NUL); remove it");
      return false;
    }
    v->type = GS_VALUE_STRING;
    v->str = hold->c_str();
    return true;
  }
  if (env->IsInstanceOf(o, env->FindClass("java/lang/Boolean"))) {
    jmethodID m = env->GetMethodID(env->FindClass("java/lang/Boolean"), "booleanValue", "()Z");
    v->type = GS_VALUE_BOOL;
    v->b = env->CallBooleanMethod(o, m) ? 1 : 0;
    return true;
  }
  if (env->IsInstanceOf(o, env->FindClass("java/lang/Number"))) {
    jmethodID m = env->GetMethodID(env->FindClass("java/lang/Number"), "longValue", "()J");
    v->type = GS_VALUE_INT;
    v->i = env->CallLongMethod(o, m);
    return true;
  }
  Throw(env, GS_INVALID_ARGUMENT, "a field value must be a String, a Number or a Boolean");
  return false;
}

jobject FromValue(JNIEnv* env, const gs_value& v) {
  switch (v.type) {
    case GS_VALUE_STRING:
      return J(env, v.str);
    case GS_VALUE_INT: {
      jclass cls = env->FindClass("java/lang/Long");
      return env->CallStaticObjectMethod(
          cls, env->GetStaticMethodID(cls, "valueOf", "(J)Ljava/lang/Long;"),
          static_cast<jlong>(v.i));
    }
    case GS_VALUE_BOOL: {
      jclass cls = env->FindClass("java/lang/Boolean");
      return env->CallStaticObjectMethod(
          cls, env->GetStaticMethodID(cls, "valueOf", "(Z)Ljava/lang/Boolean;"),
          static_cast<jboolean>(v.b != 0));
    }
    default:
      return nullptr;
  }
}

jobjectArray Strings(JNIEnv* env, const std::vector<const char*>& items) {
  jobjectArray a = env->NewObjectArray(static_cast<jsize>(items.size()),
                                       env->FindClass("java/lang/String"), nullptr);
  for (size_t i = 0; i < items.size(); ++i) {
    jstring s = J(env, items[i]);
    env->SetObjectArrayElement(a, static_cast<jsize>(i), s);
    env->DeleteLocalRef(s);
  }
  return a;
}

jlongArray Longs(JNIEnv* env, const std::vector<jlong>& v) {
  jlongArray a = env->NewLongArray(static_cast<jsize>(v.size()));
  env->SetLongArrayRegion(a, 0, static_cast<jsize>(v.size()), v.data());
  return a;
}

jlongArray ReportArray(JNIEnv* env, const gs_sync_report& r) {
  return Longs(
      env, {r.pushed, r.duplicates, r.rejected, r.restamped, r.pulled, static_cast<jlong>(r.cursor),
            r.renumbered, r.repushed, r.refilled, r.refill_refused, r.attachments_uploaded,
            r.attachment_bytes_sent, r.attachments_waiting, r.attachments_refused, r.refill_held});
}

void ClearListenerException(JNIEnv* env) {
  if (env->ExceptionCheck()) {
    env->ExceptionDescribe();
    env->ExceptionClear();
  }
}

// A Java byte[] progress listener for downloads: onProgress(long done, long total).
struct BytesCtx {
  JNIEnv* env;
  jobject listener;
  jmethodID method;
  // Finds the listener's onProgress(long, long); false (with the Java
  // exception pending) when it has none. No listener binds to nothing.
  bool Bind() {
    if (listener == nullptr) return true;
    method = env->GetMethodID(env->GetObjectClass(listener), "onProgress", "(JJ)V");
    return method != nullptr;
  }
};

void OnBytes(void* user, int64_t done, int64_t total) {
  auto* p = static_cast<BytesCtx*>(user);
  p->env->CallVoidMethod(p->listener, p->method, static_cast<jlong>(done),
                         static_cast<jlong>(total));
  ClearListenerException(p->env);
}

struct ProgressCtx {
  JNIEnv* env;
  jobject listener;
  jmethodID method;
};

void OnProgress(void* user, int phase, int64_t pushed, int64_t pulled, int64_t pending) {
  auto* p = static_cast<ProgressCtx*>(user);
  p->env->CallVoidMethod(p->listener, p->method, static_cast<jint>(phase),
                         static_cast<jlong>(pushed), static_cast<jlong>(pulled),
                         static_cast<jlong>(pending));
  ClearListenerException(p->env);
}

// From the SDK's background thread: attach for the call, detach after (an
// attached native thread that exits aborts the VM on Android).
void OnBackgroundResult(void* user, int code, const char* message, const gs_sync_report* report) {
  auto* h = static_cast<JniClient*>(user);
  JNIEnv* env = nullptr;
  bool attached = false;
  if (h->vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) == JNI_EDETACHED) {
    if (h->vm->AttachCurrentThread(reinterpret_cast<void**>(&env), nullptr) != JNI_OK) return;
    attached = true;
  }
  jclass cls = env->GetObjectClass(h->bg_listener);
  jmethodID m = env->GetMethodID(cls, "onResult", "(ILjava/lang/String;[J)V");
  if (m != nullptr) {
    jstring msg = J(env, message);
    jlongArray rep = ReportArray(env, *report);
    env->CallVoidMethod(h->bg_listener, m, static_cast<jint>(code), msg, rep);
    ClearListenerException(env);
    env->DeleteLocalRef(msg);
    env->DeleteLocalRef(rep);
  }
  env->DeleteLocalRef(cls);
  if (attached) h->vm->DetachCurrentThread();
}

void StopBackground(JNIEnv* env, JniClient* h) {
  gs_stop_background(h->client);
  if (h->bg_listener != nullptr) {
    env->DeleteGlobalRef(h->bg_listener);
    h->bg_listener = nullptr;
  }
}

// A Java byte[]'s bytes; empty for null.
std::string Bytes(JNIEnv* env, jbyteArray a) {
  if (a == nullptr) return "";
  std::string out(static_cast<size_t>(env->GetArrayLength(a)), '\0');
  env->GetByteArrayRegion(a, 0, static_cast<jsize>(out.size()),
                          reinterpret_cast<jbyte*>(out.data()));
  return out;
}

const gs_record* R(jlong r) { return reinterpret_cast<const gs_record*>(r); }
const gs_rejected* RJ(jlong r) { return reinterpret_cast<const gs_rejected*>(r); }
const gs_day* D(jlong d) { return reinterpret_cast<const gs_day*>(d); }

}  // namespace

#define GS_JNI(ret, name) extern "C" JNIEXPORT ret JNICALL Java_cn_gridsync_Native_##name

GS_JNI(jlong, open)
(JNIEnv* env, jclass, jstring data_dir, jstring addr, jstring device, jstring token, jstring holder,
 jstring roots, jboolean compression, jint push_batch, jint pull_page, jint timeout_s,
 jlong max_attachment_bytes, jlong attachment_cache_bytes, jboolean unmetered_only,
 jbyteArray replica_key) {
  Utf d(env, data_dir), a(env, addr), dv(env, device), t(env, token), ho(env, holder),
      ro(env, roots);
  const std::string key = Bytes(env, replica_key);
  gs_options o;
  gs_options_init(&o);
  o.data_dir = d.get();
  o.server_address = a.get();
  o.device_id = dv.get();
  o.token = t.get();
  o.holder = ho.get();
  o.tls_root_certs = ro.get();
  o.compression = compression ? 1 : 0;
  o.push_batch = push_batch;
  o.pull_page = pull_page;
  o.rpc_timeout_seconds = timeout_s;
  o.max_attachment_bytes = max_attachment_bytes;
  o.attachment_cache_bytes = attachment_cache_bytes;
  o.attachments_unmetered_only = unmetered_only ? 1 : 0;
  if (replica_key != nullptr) {
    o.replica_key = reinterpret_cast<const unsigned char*>(key.data());
    o.replica_key_len = key.size();
  }
  gs_error err;
  gs_client* c = nullptr;
  if (!Check(env, gs_open(&o, &c, &err), err)) return 0;
  auto* h = new JniClient();
  h->client = c;
  env->GetJavaVM(&h->vm);
  return reinterpret_cast<jlong>(h);
}

GS_JNI(void, rekey)
(JNIEnv* env, jclass, jstring data_dir, jbyteArray old_key, jbyteArray new_key) {
  Utf d(env, data_dir);
  const std::string o = Bytes(env, old_key), n = Bytes(env, new_key);
  gs_error err;
  Check(env,
        gs_rekey(d.get(), reinterpret_cast<const unsigned char*>(o.data()), o.size(),
                 reinterpret_cast<const unsigned char*>(n.data()), n.size(), &err),
        err);
}

GS_JNI(void, close)(JNIEnv* env, jclass, jlong h) {
  if (h == 0) return;
  StopBackground(env, H(h));
  gs_close(H(h)->client);
  delete H(h);
}

GS_JNI(jstring, create)
(JNIEnv* env, jclass, jlong h, jint kind, jstring grid, jstring subject, jobjectArray names,
 jobjectArray values) {
  if (!NeedHandle(env, h)) return nullptr;
  const jsize n = names ? env->GetArrayLength(names) : 0;
  std::vector<std::string> name_bytes(n), value_bytes(n);
  std::vector<gs_field> fields(n);
  for (jsize i = 0; i < n; ++i) {
    auto name = static_cast<jstring>(env->GetObjectArrayElement(names, i));
    name_bytes[i] = Utf(env, name).str();
    fields[i].name = name_bytes[i].c_str();
    if (!ToValue(env, env->GetObjectArrayElement(values, i), &fields[i].value, &value_bytes[i])) {
      return nullptr;
    }
  }
  Utf g(env, grid), s(env, subject);
  char id[64];
  gs_error err;
  if (!Check(
          env,
          gs_create(H(h)->client, kind, g.get(), s.get(), fields.data(), fields.size(), id, &err),
          err)) {
    return nullptr;
  }
  return J(env, id);
}

GS_JNI(void, setField)(JNIEnv* env, jclass, jlong h, jstring id, jstring field, jobject value) {
  if (!NeedHandle(env, h)) return;
  gs_value v;
  std::string hold;
  if (!ToValue(env, value, &v, &hold)) return;
  Utf i(env, id), f(env, field);
  gs_error err;
  Check(env, gs_set_field(H(h)->client, i.get(), f.get(), &v, &err), err);
}

GS_JNI(void, chooseSibling)(JNIEnv* env, jclass, jlong h, jstring id, jstring field, jint index) {
  if (!NeedHandle(env, h)) return;
  Utf i(env, id), f(env, field);
  gs_error err;
  Check(env, gs_choose_sibling(H(h)->client, i.get(), f.get(), index, &err), err);
}

GS_JNI(jstring, appendLog)(JNIEnv* env, jclass, jlong h, jstring id, jstring log, jstring json) {
  if (!NeedHandle(env, h)) return nullptr;
  Utf i(env, id), l(env, log), j(env, json);
  char element[64];
  gs_error err;
  if (!Check(env, gs_append_log(H(h)->client, i.get(), l.get(), j.get(), element, &err), err))
    return nullptr;
  return J(env, element);
}

GS_JNI(void, setStatus)(JNIEnv* env, jclass, jlong h, jstring id, jint status) {
  if (!NeedHandle(env, h)) return;
  Utf i(env, id);
  gs_error err;
  Check(env, gs_set_status(H(h)->client, i.get(), status, &err), err);
}

GS_JNI(void, reopen)(JNIEnv* env, jclass, jlong h, jstring id, jint to, jstring reason) {
  if (!NeedHandle(env, h)) return;
  Utf i(env, id), r(env, reason);
  gs_error err;
  Check(env, gs_reopen(H(h)->client, i.get(), to, r.get(), &err), err);
}

GS_JNI(void, voidRecord)(JNIEnv* env, jclass, jlong h, jstring id, jstring reason) {
  if (!NeedHandle(env, h)) return;
  Utf i(env, id), r(env, reason);
  gs_error err;
  Check(env, gs_void(H(h)->client, i.get(), r.get(), &err), err);
}

GS_JNI(jlong, get)(JNIEnv* env, jclass, jlong h, jstring id) {
  if (!NeedHandle(env, h)) return 0;
  Utf i(env, id);
  gs_record* r = nullptr;
  gs_error err;
  if (!Check(env, gs_get(H(h)->client, i.get(), &r, &err), err)) return 0;
  return reinterpret_cast<jlong>(r);
}

GS_JNI(void, recordFree)(JNIEnv*, jclass, jlong r) {
  gs_record_free(reinterpret_cast<gs_record*>(r));
}
GS_JNI(jstring, recordId)(JNIEnv* env, jclass, jlong r) { return J(env, gs_record_id(R(r))); }
GS_JNI(jint, recordKind)(JNIEnv*, jclass, jlong r) { return gs_record_kind(R(r)); }
GS_JNI(jstring, recordGrid)(JNIEnv* env, jclass, jlong r) { return J(env, gs_record_grid(R(r))); }
GS_JNI(jstring, recordSubject)(JNIEnv* env, jclass, jlong r) {
  return J(env, gs_record_subject(R(r)));
}
GS_JNI(jstring, recordAuthor)(JNIEnv* env, jclass, jlong r) {
  return J(env, gs_record_author(R(r)));
}
GS_JNI(jboolean, recordVoided)(JNIEnv*, jclass, jlong r) { return gs_record_voided(R(r)) != 0; }
GS_JNI(jint, recordStatus)(JNIEnv*, jclass, jlong r) { return gs_record_status(R(r)); }
GS_JNI(jint, recordFieldCount)(JNIEnv*, jclass, jlong r) {
  return static_cast<jint>(gs_record_field_count(R(r)));
}
GS_JNI(jstring, recordFieldName)(JNIEnv* env, jclass, jlong r, jint i) {
  return J(env, gs_record_field_name(R(r), i));
}
GS_JNI(jobject, recordFieldValue)(JNIEnv* env, jclass, jlong r, jint i) {
  return FromValue(env, gs_record_field_value(R(r), i));
}
GS_JNI(jint, recordConflictCount)(JNIEnv*, jclass, jlong r) {
  return static_cast<jint>(gs_record_conflict_count(R(r)));
}
GS_JNI(jstring, recordConflictField)(JNIEnv* env, jclass, jlong r, jint i) {
  return J(env, gs_record_conflict_field(R(r), i));
}
GS_JNI(jint, recordSiblingCount)(JNIEnv*, jclass, jlong r, jint i) {
  return static_cast<jint>(gs_record_sibling_count(R(r), i));
}
GS_JNI(jobject, recordSiblingValue)(JNIEnv* env, jclass, jlong r, jint i, jint j) {
  return FromValue(env, gs_record_sibling_value(R(r), i, j));
}
GS_JNI(jstring, recordSiblingAuthor)(JNIEnv* env, jclass, jlong r, jint i, jint j) {
  return J(env, gs_record_sibling_author(R(r), i, j));
}
GS_JNI(jlong, recordSiblingTimeMs)(JNIEnv*, jclass, jlong r, jint i, jint j) {
  return gs_record_sibling_time_ms(R(r), i, j);
}
GS_JNI(jobjectArray, recordLogNames)(JNIEnv* env, jclass, jlong r) {
  std::vector<const char*> items;
  for (size_t i = 0; i < gs_record_log_name_count(R(r)); ++i)
    items.push_back(gs_record_log_name(R(r), i));
  return Strings(env, items);
}
GS_JNI(jobjectArray, recordLog)(JNIEnv* env, jclass, jlong r, jstring log) {
  Utf l(env, log);
  std::vector<const char*> items;
  for (size_t j = 0; j < gs_record_log_count(R(r), l.get()); ++j) {
    items.push_back(gs_record_log_json(R(r), l.get(), j));
  }
  return Strings(env, items);
}
GS_JNI(jstring, recordJson)(JNIEnv* env, jclass, jlong r) { return J(env, gs_record_json(R(r))); }

GS_JNI(jobjectArray, list)
(JNIEnv* env, jclass, jlong h, jint kind, jstring grid, jboolean conflicts_only) {
  if (!NeedHandle(env, h)) return nullptr;
  Utf g(env, grid);
  gs_strings* s = nullptr;
  gs_error err;
  if (!Check(env, gs_list(H(h)->client, kind, g.get(), conflicts_only ? 1 : 0, &s, &err), err))
    return nullptr;
  std::vector<const char*> items;
  for (size_t i = 0; i < gs_strings_count(s); ++i) items.push_back(gs_strings_get(s, i));
  jobjectArray out = Strings(env, items);
  gs_strings_free(s);
  return out;
}

GS_JNI(jlong, rejected)(JNIEnv* env, jclass, jlong h) {
  if (!NeedHandle(env, h)) return 0;
  gs_rejected* r = nullptr;
  gs_error err;
  if (!Check(env, gs_list_rejected(H(h)->client, &r, &err), err)) return 0;
  return reinterpret_cast<jlong>(r);
}
GS_JNI(jint, rejectedCount)(JNIEnv*, jclass, jlong r) {
  return static_cast<jint>(gs_rejected_count(RJ(r)));
}
GS_JNI(jlong, rejectedSeq)(JNIEnv*, jclass, jlong r, jint i) {
  return static_cast<jlong>(gs_rejected_seq(RJ(r), i));
}
GS_JNI(jstring, rejectedRecordId)(JNIEnv* env, jclass, jlong r, jint i) {
  return J(env, gs_rejected_record_id(RJ(r), i));
}
GS_JNI(jint, rejectedCode)(JNIEnv*, jclass, jlong r, jint i) { return gs_rejected_code(RJ(r), i); }
GS_JNI(jstring, rejectedField)(JNIEnv* env, jclass, jlong r, jint i) {
  return J(env, gs_rejected_field(RJ(r), i));
}
GS_JNI(jstring, rejectedMessage)(JNIEnv* env, jclass, jlong r, jint i) {
  return J(env, gs_rejected_message(RJ(r), i));
}
GS_JNI(void, rejectedFree)(JNIEnv*, jclass, jlong r) {
  gs_rejected_free(reinterpret_cast<gs_rejected*>(r));
}

GS_JNI(void, dismissRejected)(JNIEnv* env, jclass, jlong h, jlong seq) {
  if (!NeedHandle(env, h)) return;
  gs_error err;
  Check(env, gs_dismiss_rejected(H(h)->client, static_cast<uint64_t>(seq), &err), err);
}

GS_JNI(jlongArray, stats)(JNIEnv* env, jclass, jlong h) {
  if (!NeedHandle(env, h)) return nullptr;
  gs_stats s;
  gs_error err;
  if (!Check(env, gs_get_stats(H(h)->client, &s, &err), err)) return nullptr;
  return Longs(env, {s.pending, s.acked_unpulled, s.rejected, s.records,
                     static_cast<jlong>(s.cursor), s.clock_offset_ms});
}

GS_JNI(jlong, nowMs)(JNIEnv* env, jclass, jlong h) {
  if (!NeedHandle(env, h)) return 0;
  int64_t now = 0;
  gs_error err;
  Check(env, gs_now_ms(H(h)->client, &now, &err), err);
  return static_cast<jlong>(now);
}

GS_JNI(jstring, attachFile)
(JNIEnv* env, jclass, jlong h, jstring id, jstring path, jstring type, jstring name,
 jstring caption, jint purpose, jlong taken_at_ms) {
  if (!NeedHandle(env, h)) return nullptr;
  Utf i(env, id), p(env, path), t(env, type), n(env, name), c(env, caption);
  gs_attach_options o{t.get(), n.get(), c.get(), purpose, taken_at_ms};
  char sha[65];
  gs_error err;
  if (!Check(env, gs_attach_file(H(h)->client, i.get(), p.get(), &o, sha, &err), err)) {
    return nullptr;
  }
  return J(env, sha);
}

GS_JNI(jstring, attachBytes)
(JNIEnv* env, jclass, jlong h, jstring id, jbyteArray data, jstring type, jstring name,
 jstring caption, jint purpose, jlong taken_at_ms) {
  if (!NeedHandle(env, h)) return nullptr;
  if (data == nullptr) {
    Throw(env, GS_INVALID_ARGUMENT, "data is null");
    return nullptr;
  }
  std::string bytes(static_cast<size_t>(env->GetArrayLength(data)), '\0');
  env->GetByteArrayRegion(data, 0, static_cast<jsize>(bytes.size()),
                          reinterpret_cast<jbyte*>(bytes.data()));
  Utf i(env, id), t(env, type), n(env, name), c(env, caption);
  gs_attach_options o{t.get(), n.get(), c.get(), purpose, taken_at_ms};
  char sha[65];
  gs_error err;
  if (!Check(env, gs_attach_bytes(H(h)->client, i.get(), bytes.data(), bytes.size(), &o, sha, &err),
             err)) {
    return nullptr;
  }
  return J(env, sha);
}

GS_JNI(void, setNetworkMetered)(JNIEnv* env, jclass, jlong h, jboolean metered) {
  if (!NeedHandle(env, h)) return;
  gs_set_network_metered(H(h)->client, metered ? 1 : 0);
}

GS_JNI(jboolean, wiped)(JNIEnv* env, jclass, jlong h) {
  if (!NeedHandle(env, h)) return JNI_FALSE;
  return gs_wiped(H(h)->client) ? JNI_TRUE : JNI_FALSE;
}

GS_JNI(jobjectArray, pendingUploads)(JNIEnv* env, jclass, jlong h) {
  if (!NeedHandle(env, h)) return nullptr;
  gs_strings* list = nullptr;
  gs_error err;
  if (!Check(env, gs_pending_uploads(H(h)->client, &list, &err), err)) return nullptr;
  std::vector<const char*> items;
  for (size_t i = 0; i < gs_strings_count(list); ++i) items.push_back(gs_strings_get(list, i));
  jobjectArray out = Strings(env, items);
  gs_strings_free(list);
  return out;
}

GS_JNI(jstring, fetchAttachment)
(JNIEnv* env, jclass, jlong h, jstring id, jstring sha, jobject listener) {
  if (!NeedHandle(env, h)) return nullptr;
  BytesCtx ctx{env, listener, nullptr};
  if (!ctx.Bind()) return nullptr;  // NoSuchMethodError pending
  Utf i(env, id), s(env, sha);
  char path[4096];
  gs_error err;
  if (!Check(env,
             gs_fetch_attachment(H(h)->client, i.get(), s.get(), listener ? OnBytes : nullptr, &ctx,
                                 path, &err),
             err)) {
    return nullptr;
  }
  return J(env, path);
}

GS_JNI(jbyteArray, readAttachment)
(JNIEnv* env, jclass, jlong h, jstring id, jstring sha, jobject listener) {
  if (!NeedHandle(env, h)) return nullptr;
  BytesCtx ctx{env, listener, nullptr};
  if (!ctx.Bind()) return nullptr;  // NoSuchMethodError pending
  Utf i(env, id), s(env, sha);
  unsigned char* data = nullptr;
  size_t len = 0;
  gs_error err;
  if (!Check(env,
             gs_read_attachment(H(h)->client, i.get(), s.get(), listener ? OnBytes : nullptr, &ctx,
                                &data, &len, &err),
             err)) {
    return nullptr;
  }
  jbyteArray out = env->NewByteArray(static_cast<jsize>(len));
  if (out != nullptr) {
    env->SetByteArrayRegion(out, 0, static_cast<jsize>(len), reinterpret_cast<const jbyte*>(data));
  }
  gs_bytes_free(data);
  return out;
}

GS_JNI(jlongArray, sync)(JNIEnv* env, jclass, jlong h, jobject listener) {
  if (!NeedHandle(env, h)) return nullptr;
  ProgressCtx ctx{env, listener, nullptr};
  if (listener != nullptr) {
    jclass cls = env->GetObjectClass(listener);
    ctx.method = env->GetMethodID(cls, "onProgress", "(IJJJ)V");
    if (ctx.method == nullptr) return nullptr;  // NoSuchMethodError pending
  }
  gs_sync_report r{};
  gs_error err;
  if (!Check(env, gs_sync(H(h)->client, listener ? OnProgress : nullptr, &ctx, &r, &err), err)) {
    return nullptr;
  }
  return ReportArray(env, r);
}

GS_JNI(void, startBackground)
(JNIEnv* env, jclass, jlong h, jlong interval_ms, jlong min_backoff_ms, jlong max_backoff_ms,
 jobject listener) {
  if (!NeedHandle(env, h)) return;
  StopBackground(env, H(h));
  if (listener != nullptr) H(h)->bg_listener = env->NewGlobalRef(listener);
  gs_error err;
  Check(env,
        gs_start_background(H(h)->client, static_cast<int>(interval_ms),
                            static_cast<int>(min_backoff_ms), static_cast<int>(max_backoff_ms),
                            listener ? OnBackgroundResult : nullptr, H(h), &err),
        err);
}

GS_JNI(void, stopBackground)(JNIEnv* env, jclass, jlong h) {
  if (h != 0) StopBackground(env, H(h));
}

// --- the day ------------------------------------------------------------------

GS_JNI(jlong, listHouseholds)
(JNIEnv* env, jclass, jlong h, jstring scope, jstring month, jint offset, jint limit) {
  if (!NeedHandle(env, h)) return 0;
  Utf s(env, scope), m(env, month);
  gs_day* d = nullptr;
  gs_error err;
  if (!Check(env, gs_list_households(H(h)->client, s.get(), m.get(), offset, limit, &d, &err), err))
    return 0;
  return reinterpret_cast<jlong>(d);
}

GS_JNI(jlong, listDueChecks)
(JNIEnv* env, jclass, jlong h, jstring scope, jint within_days, jint offset, jint limit) {
  if (!NeedHandle(env, h)) return 0;
  Utf s(env, scope);
  gs_day* d = nullptr;
  gs_error err;
  if (!Check(env, gs_list_due_checks(H(h)->client, s.get(), within_days, offset, limit, &d, &err),
             err))
    return 0;
  return reinterpret_cast<jlong>(d);
}

GS_JNI(jlong, listOpenCases)(JNIEnv* env, jclass, jlong h, jstring scope, jint offset, jint limit) {
  if (!NeedHandle(env, h)) return 0;
  Utf s(env, scope);
  gs_day* d = nullptr;
  gs_error err;
  if (!Check(env, gs_list_open_cases(H(h)->client, s.get(), offset, limit, &d, &err), err))
    return 0;
  return reinterpret_cast<jlong>(d);
}

GS_JNI(jlong, getCoverage)(JNIEnv* env, jclass, jlong h, jstring scope, jstring month) {
  if (!NeedHandle(env, h)) return 0;
  Utf s(env, scope), m(env, month);
  gs_day* d = nullptr;
  gs_error err;
  if (!Check(env, gs_get_coverage(H(h)->client, s.get(), m.get(), &d, &err), err)) return 0;
  return reinterpret_cast<jlong>(d);
}

GS_JNI(void, dayFree)(JNIEnv*, jclass, jlong d) { gs_day_free(reinterpret_cast<gs_day*>(d)); }
GS_JNI(jstring, dayJson)(JNIEnv* env, jclass, jlong d) { return J(env, gs_day_json(D(d))); }
GS_JNI(jlong, dayTotal)(JNIEnv*, jclass, jlong d) { return gs_day_total(D(d)); }
GS_JNI(jint, dayCount)(JNIEnv*, jclass, jlong d) { return static_cast<jint>(gs_day_count(D(d))); }
GS_JNI(jstring, dayId)(JNIEnv* env, jclass, jlong d, jint i) {
  return J(env, gs_day_id(D(d), static_cast<size_t>(i)));
}
GS_JNI(jstring, dayName)(JNIEnv* env, jclass, jlong d, jint i) {
  return J(env, gs_day_name(D(d), static_cast<size_t>(i)));
}
GS_JNI(jstring, dayGrid)(JNIEnv* env, jclass, jlong d, jint i) {
  return J(env, gs_day_grid(D(d), static_cast<size_t>(i)));
}
GS_JNI(jint, dayState)(JNIEnv*, jclass, jlong d, jint i) {
  return gs_day_state(D(d), static_cast<size_t>(i));
}
GS_JNI(jlong, dayTimeMs)(JNIEnv*, jclass, jlong d, jint i) {
  return gs_day_time_ms(D(d), static_cast<size_t>(i));
}
GS_JNI(jint, dayDaysOverdue)(JNIEnv*, jclass, jlong d, jint i) {
  return gs_day_days_overdue(D(d), static_cast<size_t>(i));
}
GS_JNI(jint, dayFlags)(JNIEnv*, jclass, jlong d, jint i) {
  return static_cast<jint>(gs_day_flags(D(d), static_cast<size_t>(i)));
}

// The whole answer in protobuf's binary form, as Java's generated classes read
// it: one form for every figure, whatever the schema adds.
GS_JNI(jbyteArray, dayProto)(JNIEnv* env, jclass, jlong d) {
  size_t len = 0;
  const void* bytes = gs_day_proto(D(d), &len);
  jbyteArray out = env->NewByteArray(static_cast<jsize>(len));
  if (out != nullptr) {
    env->SetByteArrayRegion(out, 0, static_cast<jsize>(len), static_cast<const jbyte*>(bytes));
  }
  return out;
}

// --- registry proposals ---------------------------------------------------------

GS_JNI(jstring, propose)(JNIEnv* env, jclass, jlong h, jstring grid, jstring json) {
  if (!NeedHandle(env, h)) return nullptr;
  Utf g(env, grid), j(env, json);
  char id[64];
  gs_error err;
  if (!Check(env, gs_propose(H(h)->client, g.get(), j.get(), id, &err), err)) return nullptr;
  return J(env, id);
}

GS_JNI(void, decide)(JNIEnv* env, jclass, jlong h, jstring id, jboolean approve, jstring note) {
  if (!NeedHandle(env, h)) return;
  Utf i(env, id), n(env, note);
  gs_error err;
  Check(env, gs_decide(H(h)->client, i.get(), approve ? 1 : 0, n.get(), &err), err);
}

GS_JNI(jlong, surveyForms)(JNIEnv* env, jclass, jlong h) {
  if (!NeedHandle(env, h)) return 0;
  gs_day* d = nullptr;
  gs_error err;
  if (!Check(env, gs_survey_forms(H(h)->client, &d, &err), err)) return 0;
  return reinterpret_cast<jlong>(d);
}

GS_JNI(jlong, listProposals)
(JNIEnv* env, jclass, jlong h, jstring scope, jboolean pending_only, jint offset, jint limit) {
  if (!NeedHandle(env, h)) return 0;
  Utf s(env, scope);
  gs_day* d = nullptr;
  gs_error err;
  if (!Check(
          env,
          gs_list_proposals(H(h)->client, s.get(), pending_only ? 1 : 0, offset, limit, &d, &err),
          err)) {
    return 0;
  }
  return reinterpret_cast<jlong>(d);
}

// --- 督办: the town office's tasks ----------------------------------------------

GS_JNI(jstring, giveTask)(JNIEnv* env, jclass, jlong h, jstring grid, jstring json) {
  if (!NeedHandle(env, h)) return nullptr;
  Utf g(env, grid), j(env, json);
  char id[64];
  gs_error err;
  if (!Check(env, gs_give_task(H(h)->client, g.get(), j.get(), id, &err), err)) return nullptr;
  return J(env, id);
}

GS_JNI(void, stepTask)(JNIEnv* env, jclass, jlong h, jstring id, jint action, jstring note) {
  if (!NeedHandle(env, h)) return;
  Utf i(env, id), n(env, note);
  gs_error err;
  Check(env, gs_step_task(H(h)->client, i.get(), action, n.get(), &err), err);
}

GS_JNI(void, verifyVisit)(JNIEnv* env, jclass, jlong h, jstring id, jstring json) {
  if (!NeedHandle(env, h)) return;
  Utf i(env, id), j(env, json);
  gs_error err;
  Check(env, gs_verify_visit(H(h)->client, i.get(), j.get(), &err), err);
}

GS_JNI(jlong, listTasks)
(JNIEnv* env, jclass, jlong h, jstring scope, jboolean open_only, jint offset, jint limit) {
  if (!NeedHandle(env, h)) return 0;
  Utf s(env, scope);
  gs_day* d = nullptr;
  gs_error err;
  if (!Check(env, gs_list_tasks(H(h)->client, s.get(), open_only ? 1 : 0, offset, limit, &d, &err),
             err)) {
    return 0;
  }
  return reinterpret_cast<jlong>(d);
}

GS_JNI(jstring, dayAuthor)(JNIEnv* env, jclass, jlong d, jint i) {
  return J(env, gs_day_author(D(d), static_cast<size_t>(i)));
}
GS_JNI(jstring, dayEntryJson)(JNIEnv* env, jclass, jlong d, jint i) {
  return J(env, gs_day_entry_json(D(d), static_cast<size_t>(i)));
}
