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
  /** 积案: open longer than the county's backlog age (90 days unless it set one). */
  public final boolean backlog;

  CaseItem(String recordId, String title, String gridCode, int status, long deadlineMs, int flags) {
    this.recordId = recordId;
    this.title = title;
    this.gridCode = gridCode;
    this.status = CaseStatus.of(status);
    this.deadlineMs = deadlineMs;
    this.pastDeadline = (flags & 16) != 0;
    this.followUpDue = (flags & 32) != 0;
    this.backlog = (flags & 64) != 0;
  }
}
