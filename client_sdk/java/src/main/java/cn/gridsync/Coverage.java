package cn.gridsync;

/**
 * A scope's figures for a period, as the server's CoverageService gives them: 入户率 (visitRate),
 * 管控率 (checkRate), 化解在基层率 (grassrootsRate: resolved by the unit itself over registered; an
 * escalated case is not the unit's), 调处率 (mediationRate) and 回访率 (followUpRate) with their
 * counts; 巡逻率
 * (patrolRate) of 平安夜巡; 关爱率 (careRate) of the care groups, apart from 管控率; 安全感率 (safetyRate) and 满意率 (satisfactionRate) of the
 * questionnaire. The definitions are in coverage_service.proto; {@link #json} holds the whole
 * answer, by grid, worker and village, the answers' distributions and the opinions raised most.
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

  Coverage(double[] v, String json) {
    int i = 0;
    fromMs = (long) v[i++];
    toMs = (long) v[i++];
    asOfMs = (long) v[i++];
    households = (long) v[i++];
    visited = (long) v[i++];
    visitRate = v[i++];
    persons = (long) v[i++];
    checkedInInterval = (long) v[i++];
    overdue = (long) v[i++];
    neverChecked = (long) v[i++];
    notYetDue = (long) v[i++];
    absentOrOutOfContact = (long) v[i++];
    checkRate = v[i++];
    registered = (long) v[i++];
    open = (long) v[i++];
    resolved = (long) v[i++];
    escalated = (long) v[i++];
    followedUpBoth = (long) v[i++];
    openNow = (long) v[i++];
    openPastDeadline = (long) v[i++];
    mediationRate = v[i++];
    followUpRate = v[i++];
    patrolsPerWeek = (long) v[i++];
    patrols = (long) v[i++];
    patrolWeeks = (long) v[i++];
    weeksPatrolled = (long) v[i++];
    patrolRate = v[i++];
    surveysAsked = (long) v[i++];
    surveysAnswered = (long) v[i++];
    surveysRefused = (long) v[i++];
    surveysNobodyHome = (long) v[i++];
    safetyRate = v[i++];
    satisfactionRate = v[i++];
    grassrootsRate = v[i++];
    carePersons = (long) v[i++];
    careOverdue = (long) v[i++];
    careRate = v[i++];
    this.json = json;
  }
}
