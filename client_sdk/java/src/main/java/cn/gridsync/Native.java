package cn.gridsync;

/** The JNI entry points (client_sdk/jni/gridsync_jni.cc), one per C API call. */
final class Native {
  private Native() {}

  static {
    // Tests and desktop tools name the library file; Android finds it by name.
    String path = System.getProperty("gridsync.jni.path");
    if (path != null && !path.isEmpty()) {
      System.load(path);
    } else {
      System.loadLibrary("gridsync_jni");
    }
  }

  static native long open(String dataDir, String serverAddress, String deviceId, String token,
      String holder, String tlsRootCerts, boolean compression, int pushBatch, int pullPage,
      int rpcTimeoutSeconds, long maxAttachmentBytes, long attachmentCacheBytes,
      boolean attachmentsUnmeteredOnly, byte[] replicaKey);
  static native void close(long h);
  static native void rekey(String dataDir, byte[] oldKey, byte[] newKey);

  static native String create(
      long h, int kind, String grid, String subject, String[] names, Object[] values);
  static native void setField(long h, String id, String field, Object value);
  static native void chooseSibling(long h, String id, String field, int index);
  static native String appendLog(long h, String id, String log, String payloadJson);
  static native void setStatus(long h, String id, int status);
  static native void reopen(long h, String id, int toStatus, String reason);
  static native void voidRecord(long h, String id, String reason);

  static native String attachFile(long h, String id, String path, String contentType,
      String fileName, String caption, int purpose, long takenAtMs);
  static native String attachBytes(long h, String id, byte[] data, String contentType,
      String fileName, String caption, int purpose, long takenAtMs);
  static native void setNetworkMetered(long h, boolean metered);
  static native boolean wiped(long h);
  static native String[] pendingUploads(long h);
  static native String fetchAttachment(
      long h, String id, String sha256, NativeCallbacks.Bytes listener);
  static native byte[] readAttachment(
      long h, String id, String sha256, NativeCallbacks.Bytes listener);

  static native long get(long h, String id);
  static native void recordFree(long r);
  static native String recordId(long r);
  static native int recordKind(long r);
  static native String recordGrid(long r);
  static native String recordSubject(long r);
  static native String recordAuthor(long r);
  static native boolean recordVoided(long r);
  static native int recordStatus(long r);
  static native int recordFieldCount(long r);
  static native String recordFieldName(long r, int i);
  static native Object recordFieldValue(long r, int i);
  static native int recordConflictCount(long r);
  static native String recordConflictField(long r, int i);
  static native int recordSiblingCount(long r, int i);
  static native Object recordSiblingValue(long r, int i, int j);
  static native String recordSiblingAuthor(long r, int i, int j);
  static native long recordSiblingTimeMs(long r, int i, int j);
  static native String[] recordLogNames(long r);
  static native String[] recordLog(long r, String log);
  static native String recordJson(long r);

  static native String[] list(long h, int kind, String grid, boolean conflictsOnly);
  static native long rejected(long h);
  static native int rejectedCount(long r);
  static native long rejectedSeq(long r, int i);
  static native String rejectedRecordId(long r, int i);
  static native int rejectedCode(long r, int i);
  static native String rejectedField(long r, int i);
  static native String rejectedMessage(long r, int i);
  static native void rejectedFree(long r);
  static native void dismissRejected(long h, long seq);
  static native long[] stats(long h);

  static native long nowMs(long h);

  static native long listHouseholds(long h, String scope, String month, int offset, int limit);
  static native long listDueChecks(long h, String scope, int withinDays, int offset, int limit);
  static native long listOpenCases(long h, String scope, int offset, int limit);
  static native long getCoverage(long h, String scope, String month);
  static native void dayFree(long d);
  static native String dayJson(long d);
  static native long dayTotal(long d);
  static native int dayCount(long d);
  static native String dayId(long d, int i);
  static native String dayName(long d, int i);
  static native String dayGrid(long d, int i);
  static native int dayState(long d, int i);
  static native long dayTimeMs(long d, int i);
  static native int dayDaysOverdue(long d, int i);
  static native int dayFlags(long d, int i);
  /** gs_day_proto: the answer in protobuf's binary form. */
  static native byte[] dayProto(long d);
  static native String dayAuthor(long d, int i);
  static native String dayEntryJson(long d, int i);

  static native String propose(long h, String grid, String proposalJson);
  static native void decide(long h, String id, boolean approve, String note);
  static native long surveyForms(long h);

  static native long listProposals(
      long h, String scope, boolean pendingOnly, int offset, int limit);

  static native String giveTask(long h, String grid, String taskJson);
  static native void stepTask(long h, String id, int action, String note);
  static native long listTasks(long h, String scope, boolean openOnly, int offset, int limit);
  static native void verifyVisit(long h, String id, String verificationJson);

  static native long[] sync(long h, NativeCallbacks.Progress listener);
  static native void startBackground(long h, long intervalMs, long minBackoffMs, long maxBackoffMs,
      NativeCallbacks.Result listener);
  static native void stopBackground(long h);
}
