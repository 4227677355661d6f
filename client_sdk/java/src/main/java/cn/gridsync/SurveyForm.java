package cn.gridsync;

/**
 * A version of the 安全感/满意度 questionnaire as the server published it (gridsync.v1.SurveyForm):
 * ask with the newest, and record the answers as a {@link RecordKind#SURVEY} record whose
 * form_version is {@link #version}. {@link #json} holds the questions and their choices.
 */
public final class SurveyForm {
  public final String version;
  public final String title;
  public final long publishedAtMs;
  public final String json;

  SurveyForm(String version, String title, long publishedAtMs, String json) {
    this.version = version;
    this.title = title;
    this.publishedAtMs = publishedAtMs;
    this.json = json;
  }
}
