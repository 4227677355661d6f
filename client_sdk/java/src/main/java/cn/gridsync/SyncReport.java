package cn.gridsync;

/** What one sync did. */
public final class SyncReport {
  public final long pushed;
  public final long duplicates;
  public final long rejected;
  public final long restamped;
  public final long pulled;
  public final long cursor;

  SyncReport(long[] r) {
    pushed = r[0];
    duplicates = r[1];
    rejected = r[2];
    restamped = r[3];
    pulled = r[4];
    cursor = r[5];
  }

  @Override
  public String toString() {
    return "pushed " + pushed + ", duplicates " + duplicates + ", rejected " + rejected
        + ", restamped " + restamped + ", pulled " + pulled + ", cursor " + cursor;
  }
}
