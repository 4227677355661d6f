package cn.gridsync;

/** A failed SDK call: the status code (google.rpc.Code) and what to do. */
public class GridSyncException extends Exception {
  public static final int INVALID_ARGUMENT = 3;
  public static final int NOT_FOUND = 5;
  public static final int PERMISSION_DENIED = 7;
  public static final int FAILED_PRECONDITION = 9;
  public static final int INTERNAL = 13;
  public static final int UNAVAILABLE = 14;
  public static final int UNAUTHENTICATED = 16;

  private final int code;

  public GridSyncException(int code, String message) {
    super(message);
    this.code = code;
  }

  public int code() {
    return code;
  }
}
