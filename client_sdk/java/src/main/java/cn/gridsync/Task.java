package cn.gridsync;

/**
 * A task the town office gives a village, a grid or a household (督办, gridsync.v1.Task): the
 * builder for {@link GridSyncClient#giveTask}, and what {@link GridSyncClient#listTasks} shows.
 */
public final class Task {
  /** Steps (gridsync.v1.TaskAction), for {@link GridSyncClient#stepTask}. */
  public static final int ACCEPT = 1; // 签收, by the village
  public static final int REPORT_DONE = 2; // 报结, by the village
  public static final int CONFIRM = 3; // 确认办结, by the office
  public static final int SEND_BACK = 4; // 退回重办, by the office
  /** States (gridsync.v1.TaskState), read from the steps. */
  public static final int ASSIGNED = 1; // 待签收
  public static final int ACCEPTED = 2; // 办理中
  public static final int DONE = 3; // 待确认
  public static final int CONFIRMED = 4; // 已办结
  public static final int RETURNED = 5; // 退回重办

  // --- as listed -----------------------------------------------------------------------------
  public final String recordId;
  public final String title;
  public final String gridCode;
  public final int state;
  /** ms since 1970. */
  public final long deadlineMs;
  /** Open past its deadline and not reported done by it. */
  public final boolean overdue;
  public final int daysOverdue;
  /** Who gave it. */
  public final String issuedBy;
  /** All of it as protobuf JSON (gridsync.v1.TaskItem): steps' times, returns, last note. */
  public final String json;

  Task(String recordId, String title, String gridCode, int state, long deadlineMs, int daysOverdue,
      int flags, String issuedBy, String json) {
    this.recordId = recordId;
    this.title = title;
    this.gridCode = gridCode;
    this.state = state;
    this.deadlineMs = deadlineMs;
    this.daysOverdue = daysOverdue;
    this.overdue = (flags & 16) != 0;
    this.issuedBy = issuedBy;
    this.json = json;
  }

  // --- to give: the fields as protobuf JSON --------------------------------------------------
  /**
   * A task with its title and deadline; category is a gridsync.v1.TaskCategory number (1 隐患整改,
   * 2 入户复访, 3 纠纷跟进, 4 重点人员, 5 其他); householdId may be null.
   */
  public static String json(String title, String description, int category, long deadlineMs,
      boolean wholeVillage, String householdId) {
    StringBuilder b = new StringBuilder("{\"title\":").append(Json.quote(title));
    if (description != null)
      b.append(",\"description\":").append(Json.quote(description));
    b.append(",\"category\":").append(category);
    b.append(",\"deadline_ms\":\"").append(deadlineMs).append('"');
    if (wholeVillage)
      b.append(",\"whole_village\":true");
    if (householdId != null)
      b.append(",\"household_id\":").append(Json.quote(householdId));
    return b.append('}').toString();
  }
}
