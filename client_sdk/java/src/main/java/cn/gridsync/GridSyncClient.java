package cn.gridsync;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The offline-first gridsync replica an app embeds. Writes are stored on the
 * phone at once, with or without network; {@link #sync()} (or the background
 * sync) sends them and fetches what others wrote. Thread-safe. Close it when
 * the app's process ends.
 */
public final class GridSyncClient implements AutoCloseable {
  /** How to reach the server and who this phone is (from enrolment). */
  public static final class Options {
    public String dataDir;
    public String serverAddress;
    public String deviceId;
    public String token;
    public String holder = "";
    public String tlsRootCerts = null; // PEM; null for the system roots
    public boolean compression = true;
    public int pushBatch = 0; // 0: the SDK's default
    public int pullPage = 0;
    public int rpcTimeoutSeconds = 0;
    /**
     * Attachments: the largest file taken, the cache of downloaded and uploaded files (0: the
     * SDK's defaults, 10 MB and 200 MB).
     */
    public long maxAttachmentBytes = 0;
    public long attachmentCacheBytes = 0;
    /** Upload attachments only on an unmetered network (see {@link #setNetworkMetered}). */
    public boolean attachmentsUnmeteredOnly = false;
    /**
     * The replica's key at rest: 32 bytes the app keeps outside the replica (on Android, from
     * the Keystore), or null for a plain replica. With a key, everything the SDK writes is
     * encrypted, a plain replica is encrypted on the first open with all it holds, and a wrong
     * key fails with {@link GridSyncException} code 7 (PERMISSION_DENIED).
     */
    public byte[] replicaKey = null;
  }

  /**
   * Progress of one sync, called on the syncing thread. In phase UPLOAD, pushed and pulled carry
   * the attachment bytes sent and to send.
   */
  public interface ProgressListener {
    void onProgress(SyncPhase phase, long pushed, long pulled, long pending);
  }

  /** Bytes of a download so far and in all. */
  public interface BytesListener {
    void onProgress(long done, long total);
  }

  /** What {@link #attachFile} records with the file; null fields take the SDK's defaults. */
  public static final class Attach {
    public String contentType = null; // null: from the bytes (JPEG, PNG, PDF)
    public String fileName = null; // null: the path's file name
    public String caption = "";
    public AttachmentPurpose purpose = AttachmentPurpose.SCENE;
    public long takenAtMs = 0; // 0: now
  }

  /**
   * Result of each background sync attempt, called on the SDK's thread: code 0 when it synced,
   * else the gRPC status code and its message; the report says what it did either way (an
   * attempt that failed part-way may have pushed some).
   */
  public interface SyncListener {
    void onResult(int code, String message, SyncReport report);
  }

  /** A mutation the server refused for good, with its reason for the worker. */
  public static final class Rejected {
    public final long deviceSeq;
    public final String recordId;
    public final int code;
    public final String field;
    public final String message;

    Rejected(long deviceSeq, String recordId, int code, String field, String message) {
      this.deviceSeq = deviceSeq;
      this.recordId = recordId;
      this.code = code;
      this.field = field;
      this.message = message;
    }
  }

  /** The replica's counters. */
  public static final class Stats {
    public final long pending;
    public final long ackedUnpulled;
    public final long rejected;
    public final long records;
    public final long cursor;
    public final long clockOffsetMs;

    Stats(long[] s) {
      pending = s[0];
      ackedUnpulled = s[1];
      rejected = s[2];
      records = s[3];
      cursor = s[4];
      clockOffsetMs = s[5];
    }
  }

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private long handle; // guarded by lock; 0 once closed

  private GridSyncClient(long handle) {
    this.handle = handle;
  }

  public static GridSyncClient open(Options o) throws GridSyncException {
    return new GridSyncClient(Native.open(o.dataDir, o.serverAddress, o.deviceId, o.token, o.holder,
        o.tlsRootCerts, o.compression, o.pushBatch, o.pullPage, o.rpcTimeoutSeconds,
        o.maxAttachmentBytes, o.attachmentCacheBytes, o.attachmentsUnmeteredOnly, o.replicaKey));
  }

  /**
   * Re-encrypts the closed replica in dataDir under newKey (every file written again under a
   * new data key; a kill part-way leaves the old replica or the new one whole). Fails with code
   * 7 (PERMISSION_DENIED) when oldKey does not open it. No client may have it open.
   */
  public static void rekey(String dataDir, byte[] oldKey, byte[] newKey) throws GridSyncException {
    Native.rekey(dataDir, oldKey, newKey);
  }

  /**
   * Attaches a file (a photo, a signed agreement) to a record: copied into the replica and
   * referenced by the record at once; its bytes upload after the records, at a sync. Returns
   * the attachment's SHA-256 (64 hex digits).
   */
  public String attachFile(String recordId, String path, Attach a) throws GridSyncException {
    Attach o = a != null ? a : new Attach();
    return call(h
        -> Native.attachFile(h, recordId, path, o.contentType, o.fileName, o.caption,
            o.purpose.number, o.takenAtMs));
  }

  public String attachBytes(String recordId, byte[] data, Attach a) throws GridSyncException {
    Attach o = a != null ? a : new Attach();
    return call(h
        -> Native.attachBytes(h, recordId, data, o.contentType, o.fileName, o.caption,
            o.purpose.number, o.takenAtMs));
  }

  /** Whether the phone is on a metered network now (mobile data). */
  public void setNetworkMetered(boolean metered) throws GridSyncException {
    run(h -> Native.setNetworkMetered(h, metered));
  }

  /**
   * Whether the server ordered this phone's replica erased (its device was revoked as lost) and
   * the SDK did so. The sync that found out threw {@link GridSyncException} code 7
   * (PERMISSION_DENIED) saying so; every call after fails the same way. Tell the worker, close
   * the client, and enrol the phone again if it is found.
   */
  public boolean wiped() throws GridSyncException {
    return call(h -> Native.wiped(h));
  }

  /**
   * Attachments not yet uploaded, and those refused for good: each a gridsync.v1.UploadEntry
   * as JSON (refused_code and message set when refused).
   */
  public List<String> pendingUploads() throws GridSyncException {
    return call(h -> Arrays.asList(Native.pendingUploads(h)));
  }

  /**
   * The local path of attachment sha256 of a record, downloaded when it is not on the phone.
   * Refusals (another grid, a voided record, not uploaded yet) as {@link GridSyncException}.
   */
  public String fetchAttachment(String recordId, String sha256, BytesListener listener)
      throws GridSyncException {
    return call(h -> Native.fetchAttachment(h, recordId, sha256, NativeCallbacks.of(listener)));
  }

  /**
   * The bytes of attachment sha256 of a record, downloaded when it is not on the phone: what an
   * encrypted replica's app shows (its files are ciphertext; {@link #fetchAttachment} fails
   * there with code 9, FAILED_PRECONDITION).
   */
  public byte[] readAttachment(String recordId, String sha256, BytesListener listener)
      throws GridSyncException {
    return call(h -> Native.readAttachment(h, recordId, sha256, NativeCallbacks.of(listener)));
  }

  /** Creates a record; fields map names to String, Long/Integer or Boolean. Returns its id. */
  public String create(RecordKind kind, String gridCode, String subjectId,
      Map<String, Object> fields) throws GridSyncException {
    String[] names = fields.keySet().toArray(new String[0]);
    Object[] values = new Object[names.length];
    for (int i = 0; i < names.length; i++) values[i] = fields.get(names[i]);
    return call(h -> Native.create(h, kind.number, gridCode, subjectId, names, values));
  }

  /** Writes a field having seen its current value(s); on a conflict, this resolves it. */
  public void setField(String recordId, String field, Object value) throws GridSyncException {
    run(h -> Native.setField(h, recordId, field, value));
  }

  /** Resolves a conflict by keeping one of its values (index into Conflict.siblings). */
  public void chooseSibling(String recordId, String field, int index) throws GridSyncException {
    run(h -> Native.chooseSibling(h, recordId, field, index));
  }

  /** Appends to a log (e.g. "mediation_sessions"); payload in protobuf JSON. Returns its id. */
  public String appendLog(String recordId, String log, String payloadJson)
      throws GridSyncException {
    return call(h -> Native.appendLog(h, recordId, log, payloadJson));
  }

  public void setStatus(String recordId, CaseStatus status) throws GridSyncException {
    run(h -> Native.setStatus(h, recordId, status.number));
  }

  public void reopen(String recordId, CaseStatus to, String reason) throws GridSyncException {
    run(h -> Native.reopen(h, recordId, to.number, reason));
  }

  public void voidRecord(String recordId, String reason) throws GridSyncException {
    run(h -> Native.voidRecord(h, recordId, reason));
  }

  public Record get(String recordId) throws GridSyncException {
    return call(h -> {
      long r = Native.get(h, recordId);
      try {
        return new Record(r);
      } finally {
        Native.recordFree(r);
      }
    });
  }

  // --- the day: lists and figures, offline ------------------------------------
  // From the registry of the device's scope and the records as this phone shows them, counted as
  // the server's CoverageService counts. scopeCode: a grid or org unit in this phone's registry
  // (NOT_FOUND before the first sync); month "YYYY-MM" (China time), null or "" for this one; a
  // page is limit (1..1000) entries from offset.

  /** The scope's households this month: not yet visited first, then nobody home, then visited. */
  public DayPage<HouseholdDay> listHouseholds(String scopeCode, String month, int offset, int limit)
      throws GridSyncException {
    return call(h
        -> page(Native.listHouseholds(h, scopeCode, month, offset, limit),
            (d, i)
                -> new HouseholdDay(Native.dayId(d, i), Native.dayGrid(d, i), Native.dayName(d, i),
                    Native.dayState(d, i), Native.dayTimeMs(d, i))));
  }

  /** Persons to check: absent or out of contact, overdue, never checked, or due within days. */
  public DayPage<DueCheck> listDueChecks(String scopeCode, int withinDays, int offset, int limit)
      throws GridSyncException {
    return call(h
        -> page(Native.listDueChecks(h, scopeCode, withinDays, offset, limit),
            (d, i)
                -> new DueCheck(Native.dayId(d, i), Native.dayName(d, i), Native.dayGrid(d, i),
                    Native.dayState(d, i), Native.dayTimeMs(d, i), Native.dayDaysOverdue(d, i),
                    Native.dayFlags(d, i))));
  }

  /** Open cases, past their deadline first; then resolved cases whose follow-ups are due. */
  public DayPage<CaseItem> listOpenCases(String scopeCode, int offset, int limit)
      throws GridSyncException {
    return call(h
        -> page(Native.listOpenCases(h, scopeCode, offset, limit),
            (d, i)
                -> new CaseItem(Native.dayId(d, i), Native.dayName(d, i), Native.dayGrid(d, i),
                    Native.dayState(d, i), Native.dayTimeMs(d, i), Native.dayFlags(d, i))));
  }

  /** The month's figures for the scope; equal to the server's after a sync. */
  public Coverage getCoverage(String scopeCode, String month) throws GridSyncException {
    return call(h -> {
      long d = Native.getCoverage(h, scopeCode, month);
      try {
        return new Coverage(Native.dayProto(d), Native.dayJson(d));
      } finally {
        Native.dayFree(d);
      }
    });
  }

  /**
   * Proposes a change to the registry of gridCode (build it with Proposal.newHousehold and the
   * others); returns the proposal's record id. Only its approval changes the registry.
   */
  public String propose(String gridCode, String proposalJson) throws GridSyncException {
    return call(h -> Native.propose(h, gridCode, proposalJson));
  }

  /** Approves or rejects a proposal: a village secretary's or town office's phone only. */
  public void decide(String proposalId, boolean approve, String note) throws GridSyncException {
    run(h -> Native.decide(h, proposalId, approve, note));
  }

  /** The scope's proposals, pending first. */
  public DayPage<Proposal> listProposals(
      String scopeCode, boolean pendingOnly, int offset, int limit) throws GridSyncException {
    return call(h
        -> page(Native.listProposals(h, scopeCode, pendingOnly, offset, limit),
            (d, i)
                -> new Proposal(Native.dayId(d, i), Native.dayGrid(d, i), Native.dayFlags(d, i),
                    Native.dayName(d, i), Native.dayState(d, i), Native.dayAuthor(d, i),
                    Native.dayTimeMs(d, i), Native.dayEntryJson(d, i))));
  }

  /**
   * Gives a task (督办) to gridCode, or with wholeVillage to its village (build it with
   * Task.json); a town office's device only. Returns the task's record id.
   */
  public String giveTask(String gridCode, String taskJson) throws GridSyncException {
    return call(h -> Native.giveTask(h, gridCode, taskJson));
  }

  /**
   * A step on a task: Task.ACCEPT or Task.REPORT_DONE by the village, Task.CONFIRM or
   * Task.SEND_BACK by the office; the note says what was done or why.
   */
  public void stepTask(String taskId, int action, String note) throws GridSyncException {
    run(h -> Native.stepTask(h, taskId, action, note));
  }

  /**
   * 复查 / 电话抽查: what the household said of a visit (a town office's or the village
   * secretary's phone, never the one that recorded it). said: 1 属实, 2 未入户 (the visit
   * leaves 入户率), 3 记不清, 0 not reached; onSite: 实地复查, else 电话抽查.
   */
  public void verifyVisit(String visitId, int said, boolean onSite, String remark)
      throws GridSyncException {
    String json = "{\"method\":" + (onSite ? 2 : 1) + ",\"reached\":" + (said != 0)
        + ",\"confirmation\":" + said + ",\"remark\":" + Json.quote(remark == null ? "" : remark)
        + "}";
    run(h -> Native.verifyVisit(h, visitId, json));
  }

  /** The scope's tasks: open ones first, overdue first; then the confirmed ones. */
  public DayPage<Task> listTasks(String scopeCode, boolean openOnly, int offset, int limit)
      throws GridSyncException {
    return call(h
        -> page(Native.listTasks(h, scopeCode, openOnly, offset, limit),
            (d, i)
                -> new Task(Native.dayId(d, i), Native.dayName(d, i), Native.dayGrid(d, i),
                    Native.dayState(d, i), Native.dayTimeMs(d, i), Native.dayDaysOverdue(d, i),
                    Native.dayFlags(d, i), Native.dayAuthor(d, i), Native.dayEntryJson(d, i))));
  }

  /** The questionnaire's versions the server published, newest first (ask with the first). */
  public DayPage<SurveyForm> surveyForms() throws GridSyncException {
    return call(h
        -> page(Native.surveyForms(h),
            (d, i)
                -> new SurveyForm(Native.dayId(d, i), Native.dayName(d, i), Native.dayTimeMs(d, i),
                    Native.dayEntryJson(d, i))));
  }

  private interface Entry<T> {
    T at(long day, int i);
  }

  private static <T> DayPage<T> page(long d, Entry<T> entry) {
    try {
      List<T> items = new ArrayList<>();
      for (int i = 0; i < Native.dayCount(d); i++) items.add(entry.at(d, i));
      return new DayPage<>(items, Native.dayTotal(d), Native.dayJson(d));
    } finally {
      Native.dayFree(d);
    }
  }

  /** Record ids, filtered; kind and gridCode may be null for any. */
  public List<String> list(RecordKind kind, String gridCode, boolean conflictsOnly)
      throws GridSyncException {
    return Arrays.asList(
        call(h -> Native.list(h, kind == null ? 0 : kind.number, gridCode, conflictsOnly)));
  }

  /** Records with a field in conflict: what the app shows as "needs a decision". */
  public List<String> conflicted() throws GridSyncException {
    return list(null, null, true);
  }

  public List<Rejected> rejected() throws GridSyncException {
    return call(h -> {
      long r = Native.rejected(h);
      try {
        List<Rejected> out = new ArrayList<>();
        for (int i = 0; i < Native.rejectedCount(r); i++) {
          out.add(new Rejected(Native.rejectedSeq(r, i), Native.rejectedRecordId(r, i),
              Native.rejectedCode(r, i), Native.rejectedField(r, i), Native.rejectedMessage(r, i)));
        }
        return out;
      } finally {
        Native.rejectedFree(r);
      }
    });
  }

  public void dismissRejected(long deviceSeq) throws GridSyncException {
    run(h -> Native.dismissRejected(h, deviceSeq));
  }

  public Stats stats() throws GridSyncException {
    return call(h -> new Stats(Native.stats(h)));
  }

  /**
   * The server's time as this phone knows it (the phone's clock corrected at the last sync).
   * Stamp the times of work with it (visited_at_ms and the like): one more than 10 minutes ahead
   * of the server is refused.
   */
  public long nowMs() throws GridSyncException {
    return call(h -> Native.nowMs(h));
  }

  /** Pushes the outbox and pulls until caught up. Writes from other threads go on meanwhile. */
  public SyncReport sync() throws GridSyncException {
    return sync(null);
  }

  public SyncReport sync(ProgressListener listener) throws GridSyncException {
    return call(h -> new SyncReport(Native.sync(h, NativeCallbacks.of(listener))));
  }

  /** Syncs every intervalMs, at once after a write, backing off while the network fails. */
  public void startBackground(long intervalMs, long minBackoffMs, long maxBackoffMs,
      SyncListener listener) throws GridSyncException {
    run(h
        -> Native.startBackground(
            h, intervalMs, minBackoffMs, maxBackoffMs, NativeCallbacks.of(listener)));
  }

  public void stopBackground() {
    try {
      run(Native::stopBackground);
    } catch (GridSyncException closed) {
      // nothing runs on a closed client
    }
  }

  /** Stops background sync and closes the replica; waits for calls in flight. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (handle != 0) {
        Native.close(handle);
        handle = 0;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private interface Call<T> {
    T apply(long handle) throws GridSyncException;
  }

  private interface Run {
    void apply(long handle) throws GridSyncException;
  }

  // Calls share the handle (the native client is thread-safe); close waits
  // for them, so no call ever sees a freed handle.
  private <T> T call(Call<T> c) throws GridSyncException {
    lock.readLock().lock();
    try {
      if (handle == 0) {
        throw new GridSyncException(GridSyncException.FAILED_PRECONDITION, "the client is closed");
      }
      return c.apply(handle);
    } finally {
      lock.readLock().unlock();
    }
  }

  private void run(Run r) throws GridSyncException {
    call(h -> {
      r.apply(h);
      return null;
    });
  }
}
