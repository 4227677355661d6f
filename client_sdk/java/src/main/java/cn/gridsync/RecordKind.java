package cn.gridsync;

/**
 * gridsync.v1.RecordKind. A kind this release does not know (a newer server
 * added it) is UNRECOGNIZED, as protobuf's Java enums have it: the record
 * still shows, and {@link Record#kindNumber} keeps its number.
 */
public enum RecordKind {
  UNRECOGNIZED(-1),
  VISIT(1),
  DISPUTE_CASE(2),
  SPECIAL_CHECK(3),
  REGISTRY_PROPOSAL(4), // a registry change proposed from the field (Client.propose)
  PATROL(5), // 平安夜巡: of the grid's village; create it with an empty subject
  SURVEY(6), // 安全感/满意度 questionnaire: at a household, under a form version
  SCREENING_REPORT(7), // 矛盾纠纷排查上报: a village's month (field month = yyyymm), empty subject
  TROUBLE_SPOT(8), // 排查整治: a place and its problem, its steps and state; empty subject
  TASK(9); // 督办: the town office's task (Client.giveTask, stepTask, listTasks)

  final int number;

  RecordKind(int number) {
    this.number = number;
  }

  static RecordKind of(int number) {
    for (RecordKind k : values()) {
      if (k.number == number)
        return k;
    }
    return UNRECOGNIZED;
  }
}
