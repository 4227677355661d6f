package cn.gridsync;

/** gridsync.v1.CaseStatus: the dispute case lifecycle. */
public enum CaseStatus {
  UNSPECIFIED(0),
  REGISTERED(1),
  ACCEPTED(2),
  MEDIATING(3),
  RESOLVED(4),
  ESCALATED(5),
  FOLLOWED_UP(6),
  CLOSED(7);

  final int number;

  CaseStatus(int number) {
    this.number = number;
  }

  static CaseStatus of(int number) {
    for (CaseStatus s : values()) {
      if (s.number == number) return s;
    }
    return UNSPECIFIED;
  }
}
