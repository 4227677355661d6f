package cn.gridsync;

/** A supervised person to check, as the check policy says. */
public final class DueCheck {
  public final String personId;
  public final String name;
  public final String gridCode;
  /** As last observed, or as the registry says. */
  public final int riskLevel;
  /** When the check is (or was) due, ms since 1970; 0 if unknown. */
  public final long dueAtMs;
  /** Days past due, counted up; 0 when not overdue. */
  public final int daysOverdue;
  public final boolean neverChecked;
  public final boolean absent;
  public final boolean outOfContact;

  DueCheck(String personId, String name, String gridCode, int riskLevel, long dueAtMs,
      int daysOverdue, int flags) {
    this.personId = personId;
    this.name = name;
    this.gridCode = gridCode;
    this.riskLevel = riskLevel;
    this.dueAtMs = dueAtMs;
    this.daysOverdue = daysOverdue;
    this.neverChecked = (flags & 1) != 0;
    this.absent = (flags & 2) != 0;
    this.outOfContact = (flags & 4) != 0;
  }
}
