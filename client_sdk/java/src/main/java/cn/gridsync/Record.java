package cn.gridsync;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One record as the phone shows it: the winning value of every edited field,
 * the fields in conflict with every value and its author, and the logs.
 * A snapshot: it does not change when the replica does.
 */
public final class Record {
  /** One of the values of a field in conflict. */
  public static final class Sibling {
    public final Object value;  // String, Long or Boolean
    public final String author;
    public final long timeMs;

    Sibling(Object value, String author, long timeMs) {
      this.value = value;
      this.author = author;
      this.timeMs = timeMs;
    }
  }

  /** A field two people wrote without seeing each other; winner first. */
  public static final class Conflict {
    public final String field;
    public final List<Sibling> siblings;

    Conflict(String field, List<Sibling> siblings) {
      this.field = field;
      this.siblings = Collections.unmodifiableList(siblings);
    }
  }

  public final String id;
  public final RecordKind kind;
  /** gridsync.v1.RecordKind's number: the kind's even when {@code kind} is UNRECOGNIZED. */
  public final int kindNumber;
  public final String gridCode;
  public final String subjectId;
  public final String createdBy;
  public final boolean voided;
  public final CaseStatus status;  // dispute cases
  public final Map<String, Object> fields;
  public final List<Conflict> conflicts;
  private final Map<String, List<String>> logs = new LinkedHashMap<>();
  private final String json;

  Record(long r) {
    id = Native.recordId(r);
    kindNumber = Native.recordKind(r);
    kind = RecordKind.of(kindNumber);
    gridCode = Native.recordGrid(r);
    subjectId = Native.recordSubject(r);
    createdBy = Native.recordAuthor(r);
    voided = Native.recordVoided(r);
    status = CaseStatus.of(Native.recordStatus(r));
    Map<String, Object> f = new LinkedHashMap<>();
    for (int i = 0; i < Native.recordFieldCount(r); i++) {
      f.put(Native.recordFieldName(r, i), Native.recordFieldValue(r, i));
    }
    fields = Collections.unmodifiableMap(f);
    List<Conflict> cs = new ArrayList<>();
    for (int i = 0; i < Native.recordConflictCount(r); i++) {
      List<Sibling> sibs = new ArrayList<>();
      for (int j = 0; j < Native.recordSiblingCount(r, i); j++) {
        sibs.add(new Sibling(Native.recordSiblingValue(r, i, j), Native.recordSiblingAuthor(r, i, j),
            Native.recordSiblingTimeMs(r, i, j)));
      }
      cs.add(new Conflict(Native.recordConflictField(r, i), sibs));
    }
    conflicts = Collections.unmodifiableList(cs);
    for (String name : Native.recordLogNames(r)) {
      logs.put(name, Collections.unmodifiableList(List.of(Native.recordLog(r, name))));
    }
    json = Native.recordJson(r);
  }

  /** Log elements (e.g. "mediation_sessions") as protobuf JSON, oldest id first. */
  public List<String> log(String name) {
    return logs.getOrDefault(name, List.of());
  }

  /** The whole record (gridsync.v1.Record) as JSON. */
  public String json() {
    return json;
  }

  public boolean hasConflicts() {
    return !conflicts.isEmpty();
  }
}
