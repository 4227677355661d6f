package cn.gridsync;

/** Where a sync is, as {@link GridSyncClient.ProgressListener} hears it. */
public enum SyncPhase {
  PUSH(0),    // sending the outbox
  PULL(1),    // taking the scope's changes
  DONE(2),    // the sync ended
  UPLOAD(3),  // sending attachments' bytes
  UNRECOGNIZED(-1);  // a phase a newer SDK core reports

  final int number;

  SyncPhase(int number) {
    this.number = number;
  }

  static SyncPhase of(int number) {
    for (SyncPhase p : values()) {
      if (p.number == number) return p;
    }
    return UNRECOGNIZED;
  }
}
