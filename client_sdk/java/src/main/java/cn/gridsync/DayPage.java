package cn.gridsync;

import java.util.Collections;
import java.util.List;

/** One page of a list of the day, computed on the phone (see GridSyncClient). */
public final class DayPage<T> {
  /** The entries of this page. */
  public final List<T> items;
  /** Entries in the whole list. */
  public final long total;
  /** The whole answer as protobuf JSON (gridsync.v1.HouseholdList, DueCheckList or CaseList). */
  public final String json;

  DayPage(List<T> items, long total, String json) {
    this.items = Collections.unmodifiableList(items);
    this.total = total;
    this.json = json;
  }
}
