package cn.gridsync;

/** gridsync.v1.RecordKind. */
public enum RecordKind {
  VISIT(1),
  DISPUTE_CASE(2),
  SPECIAL_CHECK(3);

  final int number;

  RecordKind(int number) {
    this.number = number;
  }

  static RecordKind of(int number) {
    for (RecordKind k : values()) {
      if (k.number == number) return k;
    }
    throw new IllegalArgumentException("unknown record kind " + number);
  }
}
