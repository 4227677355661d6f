package cn.gridsync;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The Java API through JNI against a real gridsyncd. The C++ test that runs
 * this (tests/client_sdk/java_test.cc) starts the server, enrols phones and
 * passes them as system properties: gridsync.server, gridsync.grid,
 * gridsync.household, gridsync.dir, gridsync.deviceN / gridsync.tokenN.
 */
public class GridSyncClientTest {
  private static int phones = 0;
  private GridSyncClient a;
  private GridSyncClient b;
  private final String grid = System.getProperty("gridsync.grid");
  private final String household = System.getProperty("gridsync.household");

  private static GridSyncClient open(String holder) throws GridSyncException {
    return GridSyncClient.open(options(holder));
  }

  private static GridSyncClient.Options options(String holder) {
    int n = phones++;
    return enrolled("java-phone-" + n, "gridsync.device" + n, "gridsync.token" + n, holder);
  }

  // A phone the test driver enrolled: its device and token in the system
  // properties named, its replica in `folder` under the test's directory.
  private static GridSyncClient.Options enrolled(
      String folder, String deviceProperty, String tokenProperty, String holder) {
    GridSyncClient.Options o = new GridSyncClient.Options();
    o.dataDir = System.getProperty("gridsync.dir") + "/" + folder;
    o.serverAddress = System.getProperty("gridsync.server");
    o.deviceId = System.getProperty(deviceProperty);
    o.token = System.getProperty(tokenProperty);
    o.holder = holder;
    assertNotNull("the test driver enrols a device per phone", o.deviceId);
    return o;
  }

  private GridSyncClient.Options optionsA;

  @Before
  public void openPhones() throws GridSyncException {
    optionsA = options("王芳");
    a = GridSyncClient.open(optionsA);
    b = open("李强");
  }

  @After
  public void closePhones() {
    a.close();
    b.close();
  }

  private String newCase(GridSyncClient phone) throws GridSyncException {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("category", 5L);
    f.put("title", "院墙纠纷");
    f.put("registered_at_ms", System.currentTimeMillis());
    f.put("urgent_major_hard", false);
    return phone.create(RecordKind.DISPUTE_CASE, grid, household, f);
  }

  @Test
  public void writeShowsAtOnceAndSyncsToTheServer() throws GridSyncException {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", System.currentTimeMillis());
    f.put("talked_with_household", true);
    f.put("notes", "老人独居，需常去看看");
    String id = a.create(RecordKind.VISIT, grid, household, f);
    Record r = a.get(id);
    assertEquals(RecordKind.VISIT, r.kind);
    assertEquals(1, r.kindNumber);
    // A kind a newer server adds: shown as UNRECOGNIZED, never an exception.
    assertEquals(RecordKind.UNRECOGNIZED, RecordKind.of(99));
    assertEquals("老人独居，需常去看看", r.fields.get("notes"));
    assertEquals(Boolean.TRUE, r.fields.get("talked_with_household"));
    assertEquals(household, r.subjectId);
    assertEquals(1, a.stats().pending);

    SyncReport report = a.sync();
    assertEquals(1, report.pushed);
    assertEquals(0, a.stats().pending);
    b.sync();
    assertEquals("老人独居，需常去看看", b.get(id).fields.get("notes"));
    assertTrue(b.get(id).json().contains("老人独居"));
  }

  @Test
  public void aPhotoAttachedOnOnePhoneIsFetchedOnAnother() throws Exception {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", System.currentTimeMillis());
    f.put("talked_with_household", true);
    String id = a.create(RecordKind.VISIT, grid, household, f);
    // A JPEG in a folder and file named with characters outside the BMP.
    Path folder = Files.createDirectories(Paths.get(System.getProperty("gridsync.dir"), "相册𡒄"));
    byte[] photo = new byte[150_000];
    new java.util.Random(7).nextBytes(photo);
    photo[0] = (byte) 0xFF;
    photo[1] = (byte) 0xD8;
    photo[2] = (byte) 0xFF;
    Path file = folder.resolve("门口𠮷.jpg");
    Files.write(file, photo);
    GridSyncClient.Attach opts = new GridSyncClient.Attach();
    opts.caption = "户主𠮷大娘签字";
    opts.purpose = AttachmentPurpose.SIGNATURE;
    // Photos wait for Wi-Fi on this phone; records do not.
    a.close();
    optionsA.attachmentsUnmeteredOnly = true;
    a = GridSyncClient.open(optionsA);
    a.setNetworkMetered(true);
    String sha = a.attachFile(id, file.toString(), opts);
    assertEquals(64, sha.length());
    assertEquals(1, a.pendingUploads().size());
    assertTrue(a.pendingUploads().get(0).contains(sha));
    assertTrue(a.get(id).json().contains("门口𠮷.jpg"));
    SyncReport onMobileData = a.sync();
    assertEquals(2, onMobileData.pushed); // the visit and the photo's reference
    assertEquals(1, onMobileData.attachmentsWaiting);
    assertEquals(0, onMobileData.attachmentsUploaded);

    a.setNetworkMetered(false);
    AtomicLong lastSent = new AtomicLong(-1);
    SyncReport r = a.sync((phase, sent, total, pending) -> {
      if (phase == SyncPhase.UPLOAD)
        lastSent.set(sent);
    });
    assertEquals(1, r.attachmentsUploaded);
    assertEquals(photo.length, r.attachmentBytesSent);
    assertEquals(photo.length, lastSent.get());
    assertTrue(a.pendingUploads().isEmpty());

    b.sync();
    AtomicLong done = new AtomicLong();
    String path = b.fetchAttachment(id, sha, (d, t) -> done.set(d));
    assertEquals(photo.length, done.get());
    assertTrue(java.util.Arrays.equals(photo, Files.readAllBytes(Paths.get(path))));
    assertTrue(b.get(id).json().contains("户主𠮷大娘签字"));

    try {
      b.fetchAttachment(id, "0".repeat(64), null);
      fail("an attachment the record does not reference");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.NOT_FOUND, e.code());
    }
    try {
      a.attachBytes(id, "GIF89a".getBytes(StandardCharsets.UTF_8), null);
      fail("a GIF");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.INVALID_ARGUMENT, e.code());
    }
  }

  /** Whether any file under dir holds text in UTF-8, UTF-16LE or UTF-16BE. */
  private static boolean anyFileHolds(Path dir, String text) throws IOException {
    byte[][] forms = {text.getBytes(StandardCharsets.UTF_8),
        text.getBytes(StandardCharsets.UTF_16LE), text.getBytes(StandardCharsets.UTF_16BE)};
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        for (byte[] form : forms) {
          if (bytes.contains(new String(form, StandardCharsets.ISO_8859_1)))
            return true;
        }
      }
    }
    return false;
  }

  private static byte[] newKey() {
    byte[] k = new byte[32];
    new java.security.SecureRandom().nextBytes(k);
    return k;
  }

  @Test
  public void anEncryptedReplicaShowsNoNameOnDiskAndAWrongKeyIsClear() throws Exception {
    GridSyncClient.Options o = options("赵𠮷");
    byte[] key = newKey();
    o.replicaKey = key;
    GridSyncClient p = GridSyncClient.open(o);
    p.sync(); // the grid's registry, with 𠮷大娘 as a household head
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", System.currentTimeMillis());
    f.put("notes", "𡒄某说门口漏水，约周六调解");
    String id = p.create(RecordKind.VISIT, grid, household, f);
    byte[] photo = new byte[40_000];
    new java.util.Random(9).nextBytes(photo);
    photo[0] = (byte) 0xFF;
    photo[1] = (byte) 0xD8;
    photo[2] = (byte) 0xFF;
    String sha = p.attachBytes(id, photo, null);
    assertEquals(2, p.sync().pushed); // the visit and the photo's reference
    assertTrue(java.util.Arrays.equals(photo, p.readAttachment(id, sha, null)));
    try {
      p.fetchAttachment(id, sha, null);
      fail("an encrypted replica has no readable attachment file");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.FAILED_PRECONDITION, e.code());
    }
    p.close();
    Path dir = Paths.get(o.dataDir);
    assertFalse(anyFileHolds(dir, "𠮷大娘"));
    assertFalse(anyFileHolds(dir, "𡒄某说门口漏水"));

    o.replicaKey = newKey();
    try {
      GridSyncClient.open(o).close();
      fail("a wrong key");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.PERMISSION_DENIED, e.code());
      assertTrue(e.getMessage(), e.getMessage().contains("does not open this replica"));
    }
    byte[] next = newKey();
    GridSyncClient.rekey(o.dataDir, key, next);
    o.replicaKey = next;
    try (GridSyncClient again = GridSyncClient.open(o)) {
      assertTrue(again.get(id).json().contains("𡒄某说门口漏水"));
    }
  }

  @Test
  public void aPatrolIsRecordedAndReadBackWithItsKind() throws Exception {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("started_at_ms", System.currentTimeMillis() - 3_600_000L);
    f.put("route", "村委会—𠮷家巷—砖厂");
    String id = a.create(RecordKind.PATROL, grid, "", f);
    Record r = a.get(id);
    assertEquals(RecordKind.PATROL, r.kind);
    assertTrue(r.json(), r.json().contains("村委会—𠮷家巷—砖厂"));
    assertEquals(1, a.sync().pushed);
    b.sync();
    assertEquals(RecordKind.PATROL, b.get(id).kind);
  }

  @Test
  public void aVillagesScreeningReportCountsOfflineAndSyncs() throws Exception {
    a.sync(); // the registry: the grid's village
    // 排查零报告: this month's screening, nothing found, typed offline.
    java.util.Calendar china =
        java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone("GMT+08:00"));
    china.setTimeInMillis(a.nowMs());
    long month =
        china.get(java.util.Calendar.YEAR) * 100L + china.get(java.util.Calendar.MONTH) + 1;
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("month", month);
    f.put("disputes_found", 0L);
    f.put("notes", "本月排查未发现矛盾纠纷，𠮷家巷已走访");
    String id = a.create(RecordKind.SCREENING_REPORT, grid, "", f);
    Coverage c = a.getCoverage(grid, null);
    assertEquals(1, c.figures.getScreening().getReported());
    assertEquals(1, c.figures.getScreening().getZeroReports());
    assertEquals(1.0, c.figures.getScreening().getRate(), 1e-9);
    try {
      Map<String, Object> bad = new LinkedHashMap<>();
      bad.put("month", 202613L);
      a.create(RecordKind.SCREENING_REPORT, grid, "", bad);
      fail("month 202613 taken");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage(), e.getMessage().contains("yyyymm"));
    }
    assertEquals(1, a.sync().pushed);
    Record r = a.get(id);
    assertEquals(RecordKind.SCREENING_REPORT, r.kind);
    assertTrue(r.json(), r.json().contains("𠮷家巷"));
  }

  @Test
  public void aQuestionnaireIsAskedUnderThePublishedFormAndCounted() throws Exception {
    a.sync();
    DayPage<SurveyForm> forms = a.surveyForms();
    assertEquals(1, forms.items.size());
    SurveyForm form = forms.items.get(0);
    assertEquals("2026-Q4", form.version);
    assertEquals("群众安全感满意度调查", form.title);
    assertTrue(form.json, form.json.contains("𠮷家巷路灯"));

    Coverage before = a.getCoverage(grid, null);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("form_version", form.version);
    f.put("asked_at_ms", a.nowMs());
    f.put("outcome", 1); // answered
    f.put("safety", 2); // 安全
    f.put("satisfaction", 4); // 不太满意
    String id = a.create(RecordKind.SURVEY, grid, household, f);
    a.appendLog(id, "answers", "{\"question_id\": \"q3\", \"choice\": 1}");
    a.appendLog(id, "opinions",
        "{\"topic\": \"OPINION_TOPIC_INFRASTRUCTURE\", "
            + "\"text\": \"𡒄家门口路灯坏了\"}");
    Coverage c = a.getCoverage(grid, null); // offline, at once
    assertEquals(before.surveysAnswered + 1, c.surveysAnswered);
    assertTrue(c.safetyRate > 0);
    assertTrue(c.json, c.json.contains("OPINION_TOPIC_INFRASTRUCTURE"));
    assertEquals(1, c.patrolsPerWeek);
    a.sync();
    Record r = a.get(id);
    assertEquals(RecordKind.SURVEY, r.kind);
    assertTrue(r.json(), r.json().contains("𡒄家门口路灯坏了"));
    assertTrue(r.json(), r.json().contains("SATISFACTION_ANSWER_NOT_VERY_SATISFIED"));
    // Another grid worker's phone is never sent the answers someone else
    // asked (core::SentToPhone): who answered what stays with the asker.
    b.sync();
    try {
      b.get(id);
      fail("the other worker's phone holds the questionnaire");
    } catch (GridSyncException e) {
      assertTrue(e.getMessage(), e.getMessage().contains("not on this phone"));
    }
  }

  @Test
  public void aPhoneRevokedAsLostErasesItsReplicaAndTellsTheApp() throws Exception {
    GridSyncClient.Options o =
        enrolled("java-lost-phone", "gridsync.lostDevice", "gridsync.lostToken", "孙𠮷");
    o.replicaKey = newKey();
    try (GridSyncClient p = GridSyncClient.open(o)) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("visited_at_ms", System.currentTimeMillis());
      f.put("notes", "离线写的，手机丢了𡒄");
      p.create(RecordKind.VISIT, grid, household, f);
      assertFalse(p.wiped());
      try {
        p.sync();
        fail("the device was revoked as lost");
      } catch (GridSyncException e) {
        assertEquals(GridSyncException.PERMISSION_DENIED, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("erased"));
      }
      assertTrue(p.wiped());
      assertFalse(Files.exists(Paths.get(o.dataDir)));
      assertEquals(0, p.stats().pending);
    }
  }

  @Test
  public void aPlainReplicaKeepsItsUnsentWorkWhenItIsEncrypted() throws Exception {
    GridSyncClient.Options o = options("钱𡒄");
    GridSyncClient p = GridSyncClient.open(o);
    p.sync();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", System.currentTimeMillis());
    f.put("notes", "离线写的𠮷");
    String id = p.create(RecordKind.VISIT, grid, household, f);
    p.close();
    o.replicaKey = newKey();
    try (GridSyncClient enc = GridSyncClient.open(o)) {
      assertEquals(1, enc.stats().pending);
      assertEquals(1, enc.sync().pushed);
      assertTrue(enc.get(id).json().contains("离线写的𠮷"));
    }
    assertFalse(anyFileHolds(Paths.get(o.dataDir), "离线写的𠮷"));
  }

  @Test
  public void concurrentEditsShowAConflictThatEitherPhoneResolves() throws GridSyncException {
    String id = newCase(a);
    a.sync();
    b.sync();
    a.setField(id, "title", "院墙位置纠纷");
    b.setField(id, "title", "宅基地边界纠纷");
    a.setStatus(id, CaseStatus.MEDIATING);
    b.appendLog(id, "mediation_sessions",
        "{\"held_at_ms\": \"" + System.currentTimeMillis() + "\", \"mediator\": \"张主任\","
            + " \"mediation_type\": \"MEDIATION_TYPE_PEOPLES\", \"agreement_reached\": true}");
    a.sync();
    b.sync();
    a.sync();

    Record ra = a.get(id);
    Record rb = b.get(id);
    assertEquals(ra.json(), rb.json());
    assertEquals(CaseStatus.MEDIATING, ra.status);
    assertEquals(1, ra.log("mediation_sessions").size());
    assertTrue(ra.log("mediation_sessions").get(0).contains("张主任"));
    assertEquals(List.of(id), a.conflicted());
    assertEquals(1, ra.conflicts.size());
    Record.Conflict c = ra.conflicts.get(0);
    assertEquals("title", c.field);
    assertEquals(2, c.siblings.size());
    Set<String> authors = new HashSet<>();
    for (Record.Sibling s : c.siblings) authors.add(s.author);
    assertEquals(Set.of("王芳", "李强"), authors);
    assertEquals(c.siblings.get(0).value, ra.fields.get("title")); // the winner shows

    Object kept = c.siblings.get(1).value;
    b.chooseSibling(id, "title", 1);
    assertTrue(b.conflicted().isEmpty());
    b.sync();
    a.sync();
    Record resolved = a.get(id);
    assertFalse(resolved.hasConflicts());
    assertEquals(kept, resolved.fields.get("title"));
    assertEquals(resolved.json(), b.get(id).json());
  }

  @Test
  public void badWritesThrowWithTheCodeAndTheField() throws GridSyncException {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("risk_level", 9L);
    try {
      a.create(RecordKind.SPECIAL_CHECK, grid, household + "01", f);
      fail("risk level 9 was accepted");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage(), e.getMessage().contains("risk_level"));
    }
    try {
      a.get("01JDZZZZZZZZZZZZZZZZZZZZZZ");
      fail("an unknown record was found");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.NOT_FOUND, e.code());
    }
    String id = newCase(a);
    try {
      a.appendLog(id, "mediation_sessions", "{\"no_such_field\": 1}");
      fail("a bad payload was accepted");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.INVALID_ARGUMENT, e.code());
    }
    assertEquals(1, a.stats().pending); // only the case
  }

  @Test
  public void rejectionFromTheServerIsListedWithItsReason() throws GridSyncException {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", System.currentTimeMillis());
    String bad = a.create(RecordKind.VISIT, grid, grid + "0099", f);
    SyncReport r = a.sync();
    assertEquals(1, r.rejected);
    List<GridSyncClient.Rejected> rejected = a.rejected();
    assertEquals(1, rejected.size());
    assertEquals(bad, rejected.get(0).recordId);
    assertTrue(rejected.get(0).message, rejected.get(0).message.contains(grid + "0099"));
    a.dismissRejected(rejected.get(0).deviceSeq);
    assertTrue(a.rejected().isEmpty());
  }

  @Test
  public void backgroundSyncDeliversAWriteAndStops() throws Exception {
    CountDownLatch synced = new CountDownLatch(1);
    AtomicLong pushed = new AtomicLong();
    a.startBackground(50, 100, 1000, (code, message, report) -> {
      pushed.addAndGet(report.pushed);
      if (code == 0 && pushed.get() > 0)
        synced.countDown();
    });
    String id = newCase(a);
    assertTrue("background sync pushed within 10 s", synced.await(10, TimeUnit.SECONDS));
    a.stopBackground();
    b.sync();
    assertEquals("院墙纠纷", b.get(id).fields.get("title"));
  }

  @Test
  public void progressIsReportedDuringSync() throws GridSyncException {
    for (int i = 0; i < 12; i++) newCase(a);
    AtomicLong lastPushed = new AtomicLong(-1);
    AtomicReference<SyncPhase> lastPhase = new AtomicReference<>();
    a.sync((phase, p, pulled, pending) -> {
      lastPushed.set(p);
      lastPhase.set(phase);
    });
    assertEquals(12, lastPushed.get());
    assertEquals(SyncPhase.DONE, lastPhase.get());
  }

  @Test
  public void aClosedClientRefusesCalls() {
    a.close();
    try {
      a.stats();
      fail("a closed client answered");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.FAILED_PRECONDITION, e.code());
    }
  }

  /**
   * Text a grid worker types that is not in the BMP or not simple: rare
   * characters in names (CJK Extension B and later), emoji with ZWJ
   * sequences and skin-tone modifiers, right-to-left text, combining marks,
   * U+FFFD itself.
   */
  static final String[] HARD_TEXT = {
      "𠮷",
      "𡒄",
      "𪚥",
      "吉𠮷祥",
      "张𡒄𪚥",
      "入户走访 🌸",
      "👨\u200D👩\u200D👧\u200D👦",
      "👍🏽",
      "🏳\uFE0F\u200D🌈",
      "مرحبا بالعالم",
      "שלום עולם",
      "e\u0301 a\u0308 \u0915\u094D\u0937",
      "\uFFFD",
      "𠀀𪘀\uD87E\uDC04",
  };

  private static String hex(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) b.append(String.format("%02x", x & 0xff));
    return b.toString();
  }

  @Test
  public void textOutsideTheBmpSyncsByteIdenticalToAnotherPhone() throws Exception {
    List<String> ids = new java.util.ArrayList<>();
    StringBuilder expected = new StringBuilder(); // id field utf8-hex, for the server check
    for (String t : HARD_TEXT) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("visited_at_ms", System.currentTimeMillis());
      f.put("notes", t);
      f.put("opinions", "户主 " + t);
      String id = a.create(RecordKind.VISIT, grid, household, f);
      ids.add(id);
      expected.append(id).append(" notes ").append(hex(t)).append('\n');
      expected.append(id).append(" opinions ").append(hex("户主 " + t)).append('\n');
      assertEquals(t, a.get(id).fields.get("notes"));
    }
    // Log payloads and reasons carry text too.
    String caseId = newCase(a);
    a.appendLog(caseId, "mediation_sessions",
        "{\"held_at_ms\": \"" + System.currentTimeMillis() + "\", \"mediator\": \"张𡒄\","
            + " \"summary\": \"👨\u200D👩\u200D👧 和解\", \"mediation_type\": \"MEDIATION_TYPE_PEOPLES\"}");
    String voided = ids.get(0);
    a.voidRecord(voided, "录错户 𠮷");
    SyncReport r = a.sync();
    assertEquals(0, r.rejected);
    assertEquals(0, a.stats().pending);

    b.sync();
    for (int i = 0; i < HARD_TEXT.length; i++) {
      Record got = b.get(ids.get(i));
      assertEquals(HARD_TEXT[i], got.fields.get("notes"));
      assertEquals("户主 " + HARD_TEXT[i], got.fields.get("opinions"));
      assertEquals(a.get(ids.get(i)).json(), got.json());
    }
    String session = b.get(caseId).log("mediation_sessions").get(0);
    assertTrue(session, session.contains("张𡒄"));
    // The JSON printer escapes the zero-width joiner (format characters) as \\u200d.
    assertTrue(session, session.replace("\\u200d", "\u200D").contains("👨\u200D👩\u200D👧 和解"));
    assertTrue(b.get(voided).voided);

    // Siblings of a conflict come back as typed, on both phones.
    b.setField(caseId, "title", "𪚥家院墙");
    a.setField(caseId, "title", "👍🏽 已调解");
    a.sync();
    b.sync();
    a.sync();
    Record.Conflict c = a.get(caseId).conflicts.get(0);
    Set<Object> values = new HashSet<>();
    for (Record.Sibling s : c.siblings) values.add(s.value);
    assertEquals(Set.of("𪚥家院墙", "👍🏽 已调解"), values);
    assertEquals(a.get(caseId).json(), b.get(caseId).json());
    a.chooseSibling(caseId, "title", 0); // other tests count the grid's conflicts
    a.sync();

    try (FileOutputStream out =
             new FileOutputStream(System.getProperty("gridsync.dir") + "/unicode-expected.txt")) {
      out.write(expected.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  public void aLoneSurrogateIsRefusedNamingTheFieldAndNothingIsQueued() throws GridSyncException {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", System.currentTimeMillis());
    f.put("notes", "broken \uD842 half");
    try {
      a.create(RecordKind.VISIT, grid, household, f);
      fail("a lone surrogate was accepted");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage(), e.getMessage().contains("notes"));
      assertTrue(e.getMessage(), e.getMessage().contains("UTF-8"));
    }
    f.put("notes", "cut \u0000 short");
    try {
      a.create(RecordKind.VISIT, grid, household, f);
      fail("a NUL was accepted (the C API would have cut the text short)");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.INVALID_ARGUMENT, e.code());
    }
    assertEquals(0, a.stats().pending);
    // The outbox still drains: a good write after the refused one syncs.
    f.put("notes", "𠮷");
    a.create(RecordKind.VISIT, grid, household, f);
    assertEquals(1, a.sync().pushed);
  }

  @Test
  public void aTimeOfWorkInTheFutureIsRefusedAtOnce() throws GridSyncException {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", a.nowMs() + 3L * 24 * 3600 * 1000);
    try {
      a.create(RecordKind.VISIT, grid, household, f);
      fail("a visit three days ahead was accepted");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage(), e.getMessage().contains("visited_at_ms"));
    }
    assertEquals(0, a.stats().pending);
  }

  @Test
  public void rejectionMessagesComeBackIntact() throws GridSyncException {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", System.currentTimeMillis());
    f.put("notes", "𡒄");
    a.create(RecordKind.VISIT, grid, grid + "0099", f);
    a.sync();
    GridSyncClient.Rejected rj = a.rejected().get(0);
    assertTrue(rj.message, rj.message.contains(grid + "0099"));
    assertFalse(rj.message, rj.message.contains("\uFFFD"));
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  private String visit(GridSyncClient phone, String notes) throws GridSyncException {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", phone.nowMs());
    f.put("notes", notes);
    return phone.create(RecordKind.VISIT, grid, household, f);
  }

  /** The replica folder comes back from an older copy (Android backup, a support person). */
  @Test
  public void aReplicaRestoredFromAnOlderCopyLosesNothing() throws Exception {
    GridSyncClient.Options o = options("张伟");
    Path dir = Paths.get(o.dataDir);
    Path copy = Paths.get(o.dataDir + ".backup");
    GridSyncClient c = GridSyncClient.open(o);
    String a1 = visit(c, "A 𠮷");
    c.sync();
    c.close();
    copyTree(dir, copy);
    c = GridSyncClient.open(o);
    String b1 = visit(c, "B 𡒄");
    c.sync();
    c.close();
    deleteTree(dir);
    copyTree(copy, dir);
    c = GridSyncClient.open(o);
    String c1 = visit(c, "C 𪚥");
    SyncReport r = c.sync();
    assertEquals(1, r.renumbered);
    assertEquals(1, r.pushed);
    assertEquals(0, c.stats().pending);
    assertEquals(0, c.stats().rejected);
    // Another phone sees all three, exactly as the restored phone does.
    b.sync();
    for (String id : List.of(a1, b1, c1)) assertEquals(c.get(id).json(), b.get(id).json());
    assertEquals("C 𪚥", b.get(c1).fields.get("notes"));
    assertEquals("B 𡒄", c.get(b1).fields.get("notes"));
    c.close();
  }

  @Test
  public void theDaysListsAndFiguresOffline() throws GridSyncException {
    try {
      a.listHouseholds(grid, null, 0, 100);
      fail("the registry arrives with the first sync");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.NOT_FOUND, e.code());
    }
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", a.nowMs());
    a.create(RecordKind.VISIT, grid, household, f);
    a.sync(null);

    DayPage<HouseholdDay> page = a.listHouseholds(grid, "", 0, 100);
    assertEquals(20, page.total);
    assertEquals(20, page.items.size());
    HouseholdDay last = page.items.get(19);
    assertEquals(household, last.householdId); // visited last
    assertEquals(HouseholdDay.VISITED, last.state);
    assertTrue(last.lastVisitMs > 0);
    assertEquals(HouseholdDay.NOT_YET, page.items.get(0).state);
    String named = null;
    for (HouseholdDay h : page.items) {
      if (h.householdId.endsWith("0002"))
        named = h.headName;
    }
    assertEquals("𠮷大娘", named);
    assertTrue(page.json, page.json.contains("\"visited\":\"1\""));

    // Offline, a visit to a household not yet visited shows at once.
    Coverage before = a.getCoverage(grid, null);
    f.put("visited_at_ms", a.nowMs());
    a.create(RecordKind.VISIT, grid, page.items.get(0).householdId, f);
    Coverage c = a.getCoverage(grid, null);
    assertEquals(20, c.households);
    assertEquals(before.visited + 1, c.visited);
    assertEquals(c.visited / 20.0, c.visitRate, 1e-9);
    assertEquals(19, c.persons); // the supervised (管控)
    assertEquals(1, c.carePersons); // household 20's left-behind child (关爱)
    assertTrue(c.json.contains("by_grid"));
    // The whole answer as the schema's messages: the rows by grid and by
    // worker, which no headline field carries.
    assertEquals(1, c.figures.getVisits().getByGridCount());
    assertEquals(grid, c.figures.getVisits().getByGrid(0).getGridCode());
    assertEquals(c.visited, c.figures.getVisits().getByGrid(0).getVisited());
    assertEquals(c.figures.getVisits().getVisited(), c.visited);
    assertTrue(c.figures.getVisits().getByWorkerCount() >= 1);
    assertEquals(
        c.figures.getVisits().getByWorkerCount(), c.figures.getVisits().getWorkersVisiting());

    DayPage<DueCheck> due = a.listDueChecks(grid, 7, 0, 5);
    assertEquals(20, due.total); // nobody checked yet
    assertEquals(5, due.items.size());
    boolean sawName = false;
    for (DueCheck d : a.listDueChecks(grid, 7, 0, 100).items) {
      assertTrue(d.neverChecked);
      sawName |= "𡒄某".equals(d.name);
    }
    assertTrue(sawName);

    String id = newCase(a);
    CaseItem mine = findCase(a.listOpenCases(grid, 0, 1000), id);
    assertEquals("院墙纠纷", mine.title);
    assertEquals(CaseStatus.REGISTERED, mine.status);
    assertFalse(mine.followUpDue);
    assertFalse(mine.backlog);
    // 积案: a case registered 100 days ago, still open, is past the county's
    // 90 days, on the list and in the figures, offline.
    Map<String, Object> old = new LinkedHashMap<>();
    old.put("title", "𠮷家宅基地纠纷");
    old.put("registered_at_ms", System.currentTimeMillis() - 100L * 86400000L);
    String oldId = a.create(RecordKind.DISPUTE_CASE, grid, household, old);
    CaseItem carried = findCase(a.listOpenCases(grid, 0, 1000), oldId);
    assertEquals("𠮷家宅基地纠纷", carried.title);
    assertTrue(carried.backlog);
    Coverage withBacklog = a.getCoverage(grid, null);
    assertEquals(1, withBacklog.figures.getCases().getBacklogOpen());
    assertEquals(90, withBacklog.figures.getCases().getBacklogDays());
    a.setStatus(id, CaseStatus.RESOLVED);
    mine = findCase(a.listOpenCases(grid, 0, 1000), id);
    assertEquals(CaseStatus.RESOLVED, mine.status);
    assertTrue(mine.followUpDue);
    // 化解在基层率, offline, as the report and the server define it.
    Coverage resolved = a.getCoverage(grid, null);
    assertTrue(resolved.registered > 0);
    assertEquals((double) resolved.resolved / resolved.registered, resolved.grassrootsRate, 1e-9);
    assertTrue(resolved.json, resolved.json.contains("grassroots_rate"));

    try {
      a.listHouseholds(grid, "2026-13", 0, 100);
      fail("a bad month is refused");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.INVALID_ARGUMENT, e.code());
    }
  }

  @Test
  public void aProposalFromTheFieldIsDecidedOnTheSecretarysPhone() throws GridSyncException {
    a.sync(null);
    String id = a.propose(grid, Proposal.newHousehold("𠮷大娘", "3组21号", "新建房屋"));
    Proposal mine = null;
    for (Proposal p : a.listProposals(grid, true, 0, 100).items) {
      if (p.recordId.equals(id))
        mine = p;
    }
    assertNotNull(mine);
    assertEquals(Proposal.NEW_HOUSEHOLD, mine.action);
    assertEquals("𠮷大娘", mine.name);
    assertEquals("王芳", mine.proposedBy);
    assertEquals(Proposal.PENDING, mine.decision);
    assertTrue(mine.json, mine.json.contains("3组21号"));
    try {
      a.decide(id, true, "");
      fail("a grid worker does not decide");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.PERMISSION_DENIED, e.code());
    }
    try {
      a.propose(grid, "{\"action\": \"PROPOSAL_ACTION_CORRECT_HOUSEHOLD\"}");
      fail("a correction needs its household");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.INVALID_ARGUMENT, e.code());
    }
    a.sync(null);
    long before = a.listHouseholds(grid, "", 0, 1000).total;

    GridSyncClient.Options o =
        enrolled("java-secretary", "gridsync.secretaryDevice", "gridsync.secretaryToken", "村书记");
    try (GridSyncClient s = GridSyncClient.open(o)) {
      s.sync(null);
      s.decide(id, true, "已核实 𡒄");
      s.sync(null);
      boolean decided = false;
      for (Proposal p :
          s.listProposals(System.getProperty("gridsync.village"), false, 0, 100).items) {
        if (p.recordId.equals(id)) {
          decided = p.decision == Proposal.APPROVED && p.json.contains("\"decided_by\":\"村书记\"");
        }
      }
      assertTrue(decided);
    }
    a.sync(null);
    DayPage<HouseholdDay> after = a.listHouseholds(grid, "", 0, 1000);
    assertEquals(before + 1, after.total);
    boolean arrived = false;
    for (HouseholdDay h : after.items) arrived |= "𠮷大娘".equals(h.headName);
    assertTrue(arrived);
  }

  // 督办: the town office gives a task; the worker accepts it and reports it
  // done offline; only the office confirms it.
  @Test
  public void aTaskFromTheTownOfficeIsDoneOnThePhoneAndConfirmed() throws GridSyncException {
    GridSyncClient.Options o =
        enrolled("java-office", "gridsync.officeDevice", "gridsync.officeToken", "镇综治中心");
    try (GridSyncClient office = GridSyncClient.open(o)) {
      office.sync(null);
      long deadline = System.currentTimeMillis() + 3L * 86400000L;
      String id =
          office.giveTask(grid, Task.json("核查𠮷家巷口照明", "𡒄村东", 1, deadline, false, null));
      office.sync(null);
      try {
        a.giveTask(grid, Task.json("自己派的", null, 5, deadline, false, null));
        fail("a phone that never synced does not know its role");
      } catch (GridSyncException e) {
        assertEquals(GridSyncException.FAILED_PRECONDITION, e.code());
      }
      a.sync(null);
      try {
        a.giveTask(grid, Task.json("自己派的", null, 5, deadline, false, null));
        fail("a grid worker does not give tasks");
      } catch (GridSyncException e) {
        assertEquals(GridSyncException.PERMISSION_DENIED, e.code());
      }
      Task t = findTask(a.listTasks(grid, true, 0, 100), id);
      assertEquals("核查𠮷家巷口照明", t.title);
      assertEquals(Task.ASSIGNED, t.state);
      assertEquals("镇综治中心", t.issuedBy);
      assertEquals(deadline, t.deadlineMs);
      assertFalse(t.overdue);
      a.stepTask(id, Task.ACCEPT, "");
      a.stepTask(id, Task.REPORT_DONE, "已装路灯 𠮷");
      try {
        a.stepTask(id, Task.CONFIRM, "");
        fail("only the office confirms");
      } catch (GridSyncException e) {
        assertEquals(GridSyncException.PERMISSION_DENIED, e.code());
      }
      assertEquals(Task.DONE, findTask(a.listTasks(grid, true, 0, 100), id).state);
      assertEquals(1, a.getCoverage(grid, null).figures.getTasks().getAwaitingConfirmation());
      a.sync(null);
      office.sync(null);
      office.stepTask(id, Task.CONFIRM, "");
      office.sync(null);
      a.sync(null);
      t = findTask(a.listTasks(grid, false, 0, 100), id);
      assertEquals(Task.CONFIRMED, t.state);
      assertTrue(t.json, t.json.contains("已装路灯 𠮷"));
      assertEquals(0, a.listTasks(grid, true, 0, 100).total);
      assertEquals(0, a.getCoverage(grid, null).figures.getTasks().getOpen());
    }
  }

  // 复查: the village secretary calls a household; it says nobody came, and
  // the visit leaves 入户率 on the worker's phone once both have synced.
  @Test
  public void aVisitTheHouseholdDeniesLeavesTheFiguresOnTheWorkersPhone() throws Exception {
    a.sync(null);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("visited_at_ms", System.currentTimeMillis());
    String visit = a.create(RecordKind.VISIT, grid, grid + "0019", f); // visited by no other test
    try {
      a.verifyVisit(visit, 1, false, "");
      fail("a worker does not verify its own visit");
    } catch (GridSyncException e) {
      assertEquals(GridSyncException.PERMISSION_DENIED, e.code());
    }
    a.sync(null);
    long before = a.getCoverage(grid, null).figures.getVisits().getVisited();
    GridSyncClient.Options o =
        enrolled("java-secretary", "gridsync.secretaryDevice", "gridsync.secretaryToken", "村书记");
    try (GridSyncClient s = GridSyncClient.open(o)) {
      s.sync(null);
      s.verifyVisit(visit, 2, false, "住户说𠮷月没人来");
      s.sync(null);
    }
    a.sync(null);
    Coverage after = a.getCoverage(grid, null);
    assertEquals(before - 1, after.figures.getVisits().getVisited());
    assertEquals(1, after.figures.getVerification().getNotMade());
  }

  private static Task findTask(DayPage<Task> page, String id) {
    for (Task t : page.items) {
      if (t.recordId.equals(id))
        return t;
    }
    fail("task " + id + " is not on the list");
    return null;
  }

  private static CaseItem findCase(DayPage<CaseItem> page, String id) {
    for (CaseItem c : page.items) {
      if (c.recordId.equals(id))
        return c;
    }
    fail("case " + id + " is not on the list");
    return null;
  }
}
