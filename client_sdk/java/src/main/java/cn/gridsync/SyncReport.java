package cn.gridsync;

/** What one sync did. */
public final class SyncReport {
  public final long pushed;
  public final long duplicates;
  public final long rejected;
  public final long restamped;
  public final long pulled;
  public final long cursor;
  /**
   * Mutations given new device sequence numbers because this replica had
   * gone back in time (its folder restored from an older copy). Nothing was
   * lost; worth a line in the app's support log.
   */
  public final long renumbered;
  /**
   * After the server's store was restored from an older backup: mutations it
   * had acknowledged and lost, pushed again; records whose state on this
   * phone held its own writes it no longer had, sent back and merged; and those it refused.
   * Nothing was lost; worth a line in the app's support log.
   */
  public final long repushed;
  public final long refilled;
  public final long refillRefused;
  /**
   * Attachments uploaded whole, bytes the server acknowledged, still to send (their record not
   * yet acknowledged, a metered network, the day's quota spent), refused for good (see
   * GridSyncClient.pendingUploads).
   */
  public final long attachmentsUploaded;
  public final long attachmentBytesSent;
  public final long attachmentsWaiting;
  public final long attachmentsRefused;
  /**
   * After such a restore: records sent back holding other devices' writes the server lacked,
   * which it keeps for the county to review instead of merging them. Nothing is lost.
   */
  public final long refillHeld;

  SyncReport(long[] r) {
    pushed = r[0];
    duplicates = r[1];
    rejected = r[2];
    restamped = r[3];
    pulled = r[4];
    cursor = r[5];
    renumbered = r[6];
    repushed = r[7];
    refilled = r[8];
    refillRefused = r[9];
    attachmentsUploaded = r[10];
    attachmentBytesSent = r[11];
    attachmentsWaiting = r[12];
    attachmentsRefused = r[13];
    refillHeld = r[14];
  }

  @Override
  public String toString() {
    return "pushed " + pushed + ", duplicates " + duplicates + ", rejected " + rejected
        + ", restamped " + restamped + ", pulled " + pulled + ", cursor " + cursor + ", renumbered " + renumbered
        + ", repushed " + repushed + ", refilled " + refilled + ", refill refused " + refillRefused
        + ", refill held for review " + refillHeld + ", attachments uploaded " + attachmentsUploaded
        + " (" + attachmentBytesSent + " bytes), waiting " + attachmentsWaiting + ", refused "
        + attachmentsRefused;
  }
}
