package cn.gridsync;

/**
 * What the native library calls back, by name (gridsync_jni.cc GetMethodID): adapters from
 * its positional arguments to the typed listeners the app gives. The consumer R8/ProGuard rules
 * (consumer-rules.pro) keep these names; nothing else the app sees is looked up by name.
 */
final class NativeCallbacks {
  private NativeCallbacks() {}

  static Progress of(GridSyncClient.ProgressListener l) {
    return l == null ? null : new Progress(l);
  }

  static Bytes of(GridSyncClient.BytesListener l) {
    return l == null ? null : new Bytes(l);
  }

  static Result of(GridSyncClient.SyncListener l) {
    return l == null ? null : new Result(l);
  }

  static final class Progress {
    private final GridSyncClient.ProgressListener listener;

    Progress(GridSyncClient.ProgressListener listener) {
      this.listener = listener;
    }

    void onProgress(int phase, long pushed, long pulled, long pending) {
      listener.onProgress(SyncPhase.of(phase), pushed, pulled, pending);
    }
  }

  static final class Bytes {
    private final GridSyncClient.BytesListener listener;

    Bytes(GridSyncClient.BytesListener listener) {
      this.listener = listener;
    }

    void onProgress(long done, long total) {
      listener.onProgress(done, total);
    }
  }

  static final class Result {
    private final GridSyncClient.SyncListener listener;

    Result(GridSyncClient.SyncListener listener) {
      this.listener = listener;
    }

    void onResult(int code, String message, long[] report) {
      listener.onResult(code, message, new SyncReport(report));
    }
  }
}
