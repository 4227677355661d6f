package cn.gridsync;

/**
 * A change to the registry proposed from the field (gridsync.v1.RegistryProposal): the builder
 * for {@link GridSyncClient#propose}, and what {@link GridSyncClient#listProposals} shows.
 */
public final class Proposal {
  /** gridsync.v1.ProposalAction. */
  public static final int NEW_HOUSEHOLD = 1;
  public static final int MOVED_OUT = 2;
  public static final int EMPTY = 3;
  public static final int CORRECT_HOUSEHOLD = 4;
  public static final int NEW_PERSON = 5;
  public static final int PERSON_CHANGE = 6;
  /** gridsync.v1.ProposalDecision. */
  public static final int PENDING = 0;
  public static final int APPROVED = 1;
  public static final int REJECTED = 2;

  // --- as listed -----------------------------------------------------------------------------
  public final String recordId;
  public final String gridCode;
  public final int action;
  /** The head's or the person's name it proposes, or its household. */
  public final String name;
  public final int decision;
  public final String proposedBy;
  public final long proposedAtMs;
  /** All of it as protobuf JSON (gridsync.v1.ProposalItem), decided_by and reason included. */
  public final String json;

  Proposal(String recordId, String gridCode, int action, String name, int decision,
      String proposedBy, long proposedAtMs, String json) {
    this.recordId = recordId;
    this.gridCode = gridCode;
    this.action = action;
    this.name = name;
    this.decision = decision;
    this.proposedBy = proposedBy;
    this.proposedAtMs = proposedAtMs;
    this.json = json;
  }

  // --- to propose: the fields as protobuf JSON ----------------------------------------------
  /** A new household in the grid (新迁入): its id comes with the approval. */
  public static String newHousehold(String headName, String address, String reason) {
    return json("PROPOSAL_ACTION_NEW_HOUSEHOLD", null, "head_name", headName, "address", address,
        "reason", reason);
  }

  /** The household moved out (迁出), or stands empty (空挂户). */
  public static String movedOut(String householdId, boolean empty, String reason) {
    return json(empty ? "PROPOSAL_ACTION_EMPTY" : "PROPOSAL_ACTION_MOVED_OUT", householdId,
        "reason", reason);
  }

  /** A corrected address or head's name (null keeps it). */
  public static String correction(
      String householdId, String headName, String address, String reason) {
    return json("PROPOSAL_ACTION_CORRECT_HOUSEHOLD", householdId, "head_name", headName, "address",
        address, "reason", reason);
  }

  /** A person to supervise: category is a gridsync.v1.PersonCategory name or number. */
  public static String newPerson(String householdId, String name, int category, int riskLevel,
      String guardian, String reason) {
    return json("PROPOSAL_ACTION_NEW_PERSON", householdId, "name", name, "category", category,
        "risk_level", riskLevel, "guardian", guardian, "reason", reason);
  }

  /** A supervised person's change: a new guardian (or null), contact lost, moved away. */
  public static String personChange(
      String personId, String guardian, boolean contactLost, boolean movedAway, String reason) {
    return json("PROPOSAL_ACTION_PERSON_CHANGE", personId.substring(0, 19), "person_id", personId,
        "guardian", guardian, "contact_lost", contactLost, "moved_away", movedAway, "reason",
        reason);
  }

  private static String json(String action, String householdId, Object... kv) {
    StringBuilder b = new StringBuilder("{\"action\":\"").append(action).append('"');
    if (householdId != null)
      b.append(",\"household_id\":").append(Json.quote(householdId));
    for (int i = 0; i + 1 < kv.length; i += 2) {
      Object v = kv[i + 1];
      if (v == null)
        continue;
      b.append(",\"").append(kv[i]).append("\":");
      b.append(v instanceof String ? Json.quote((String) v) : String.valueOf(v));
    }
    return b.append('}').toString();
  }
}
