package cn.gridsync;

import cn.gridsync.proto.v1.CaseCoverage;
import cn.gridsync.proto.v1.CheckCoverage;
import cn.gridsync.proto.v1.GetCoverageResponse;
import cn.gridsync.proto.v1.PatrolCoverage;
import cn.gridsync.proto.v1.SurveyCoverage;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * A scope's figures for a period, as the server's CoverageService gives them: 入户率 (visitRate),
 * 管控率 (checkRate), 化解在基层率 (grassrootsRate: resolved by the unit itself over registered; an
 * escalated case is not the unit's), 调处率 (mediationRate) and 回访率 (followUpRate) with their
 * counts; 巡逻率
 * (patrolRate) of 平安夜巡; 关爱率 (careRate) of the care groups, apart from 管控率; 安全感率 (safetyRate) and 满意率 (satisfactionRate) of the
 * questionnaire. The definitions are in coverage_service.proto; {@link #figures} holds the whole
 * answer (and {@link #json} the same as protobuf JSON), by grid, worker and village, the answers'
 * distributions and the opinions raised most.
 */
public final class Coverage {
  public final long fromMs, toMs, asOfMs;
  public final long households, visited;
  public final double visitRate;
  public final long persons, checkedInInterval, overdue, neverChecked, notYetDue;
  public final long absentOrOutOfContact;
  public final double checkRate;
  public final long registered, open, resolved, escalated, followedUpBoth, openNow;
  public final long openPastDeadline;
  public final double mediationRate, followUpRate;
  public final long patrolsPerWeek, patrols, patrolWeeks, weeksPatrolled;
  public final double patrolRate;
  public final long surveysAsked, surveysAnswered, surveysRefused, surveysNobodyHome;
  public final double safetyRate, satisfactionRate;
  public final double grassrootsRate;
  /** 关爱: the care groups (孤寡老人, 留守儿童, 残疾人), apart from the supervised (checkRate). */
  public final long carePersons, careOverdue;
  public final double careRate;
  public final String json;

  /**
   * The whole answer as the server and core/ build it (gridsync.v1.GetCoverageResponse): every
   * figure, by grid, worker and village. A figure added to the schema is here with no change to
   * this SDK; the fields above are its headline figures, read from it.
   */
  public final GetCoverageResponse figures;

  Coverage(byte[] proto, String json) throws GridSyncException {
    try {
      figures = GetCoverageResponse.parseFrom(proto);
    } catch (InvalidProtocolBufferException e) {
      throw new GridSyncException(GridSyncException.INTERNAL, "coverage: " + e.getMessage());
    }
    this.json = json;
    final GetCoverageResponse c = figures;
    fromMs = c.getFromMs();
    toMs = c.getToMs();
    asOfMs = c.getAsOfMs();
    households = c.getVisits().getHouseholds();
    visited = c.getVisits().getVisited();
    visitRate = c.getVisits().getRate();
    final CheckCoverage k = c.getChecks();
    persons = k.getPersons();
    checkedInInterval = k.getCheckedInInterval();
    overdue = k.getOverdue();
    neverChecked = k.getNeverChecked();
    notYetDue = k.getNotYetDue();
    absentOrOutOfContact = k.getAbsentOrOutOfContact();
    checkRate = k.getRate();
    final CaseCoverage cs = c.getCases();
    registered = cs.getRegistered();
    open = cs.getOpen();
    resolved = cs.getResolved();
    escalated = cs.getEscalated();
    followedUpBoth = cs.getFollowedUpBoth();
    openNow = cs.getOpenNow();
    openPastDeadline = cs.getOpenPastDeadline();
    mediationRate = cs.getMediationRate();
    followUpRate = cs.getFollowUpRate();
    grassrootsRate = cs.getGrassrootsRate();
    final PatrolCoverage p = c.getPatrols();
    patrolsPerWeek = p.getPerWeek();
    patrols = p.getPatrols();
    patrolWeeks = p.getWeeks();
    weeksPatrolled = p.getWeeksPatrolled();
    patrolRate = p.getRate();
    final SurveyCoverage q = c.getSurveys();
    surveysAsked = q.getAsked();
    surveysAnswered = q.getAnswered();
    surveysRefused = q.getRefused();
    surveysNobodyHome = q.getNobodyHome();
    safetyRate = q.getSafetyRate();
    satisfactionRate = q.getSatisfactionRate();
    carePersons = c.getCare().getPersons();
    careOverdue = c.getCare().getOverdue();
    careRate = c.getCare().getRate();
  }
}
