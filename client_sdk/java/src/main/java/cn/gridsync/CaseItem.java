package cn.gridsync;

/** A case on the worker's list: open, or resolved with follow-ups due. */
public final class CaseItem {
  public final String recordId;
  public final String title;
  public final String gridCode;
  public final CaseStatus status;
  /** ms since 1970; 0 for none. */
  public final long deadlineMs;
  public final boolean pastDeadline;
  /** Resolved, and not every party followed up yet (回访). */
  public final boolean followUpDue;

  CaseItem(String recordId, String title, String gridCode, int status, long deadlineMs, int flags) {
    this.recordId = recordId;
    this.title = title;
    this.gridCode = gridCode;
    this.status = CaseStatus.of(status);
    this.deadlineMs = deadlineMs;
    this.pastDeadline = (flags & 16) != 0;
    this.followUpDue = (flags & 32) != 0;
  }
}
