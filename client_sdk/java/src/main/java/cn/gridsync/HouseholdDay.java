package cn.gridsync;

/** A household of the scope with its visit state in the period. */
public final class HouseholdDay {
  /** No visit in the period. */
  public static final int NOT_YET = 1;
  /** Only visits that found nobody home: go again. */
  public static final int NOBODY_HOME = 2;
  /** A visit that counts (入户). */
  public static final int VISITED = 3;

  public final String householdId;
  public final String gridCode;
  public final String headName;
  /** NOT_YET, NOBODY_HOME or VISITED. */
  public final int state;
  /** The period's last visit (or attempt), ms since 1970; 0 for none. */
  public final long lastVisitMs;

  HouseholdDay(String householdId, String gridCode, String headName, int state, long lastVisitMs) {
    this.householdId = householdId;
    this.gridCode = gridCode;
    this.headName = headName;
    this.state = state;
    this.lastVisitMs = lastVisitMs;
  }
}
