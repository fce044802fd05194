package io.sparkrlhf.datasets.stackexchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PostRowParserTest {
  private final PostRowParser parser = new PostRowParser(10_000);

  @ParameterizedTest
  @ValueSource(strings = {"\uFEFF<?xml version=\"1.0\" encoding=\"utf-8\"?>", "<posts>", "</posts>", "", "   \r", "\uFEFF"})
  void structuralLinesAreSkipped(String line) {
    assertInstanceOf(ParsedLine.Structural.class, parser.parse(line));
  }

  @Test
  void questionWithEscapedHtmlOldStyleTagsAndNoLicense() {
    String row = "  <row Id=\"5\" PostTypeId=\"1\" AcceptedAnswerId=\"9\" CreationDate=\"2012-01-02T03:04:05.678\""
        + " Score=\"12\" Body=\"&lt;p&gt;How do I use &lt;code&gt;a &amp;amp; b&lt;/code&gt;?&lt;/p&gt;&#xA;\""
        + " Title=\"Using &quot;and&quot;\" Tags=\"&lt;java&gt;&lt;spark-sql&gt;\" />\r";
    ParsedLine.Post p = assertInstanceOf(ParsedLine.Post.class, parser.parse(row));
    assertTrue(p.isQuestion());
    assertEquals(5, p.id());
    assertEquals(9L, p.acceptedAnswerId());
    assertNull(p.parentId());
    assertEquals("Using \"and\"", p.title());
    assertEquals("How do I use `a & b`?", p.body());
    assertEquals(List.of("java", "spark-sql"), p.tags());
    assertNull(p.license());
    assertEquals("2012-01-02T03:04:05.678", p.creationDate());
  }

  @Test
  void answerWithNewStyleFieldsAndAbsentOptionalAttributes() {
    String row = "<row Id=\"9\" PostTypeId=\"2\" ParentId=\"5\" Score=\"-3\" Body=\"&lt;p&gt;Use X.&lt;/p&gt;\""
        + " ContentLicense=\"CC BY-SA 4.0\" />";
    ParsedLine.Post p = assertInstanceOf(ParsedLine.Post.class, parser.parse(row));
    assertEquals(5L, p.parentId());
    assertEquals(-3, p.score());
    assertEquals("Use X.", p.body());
    assertEquals("CC BY-SA 4.0", p.license());
    assertNull(p.acceptedAnswerId());
    assertEquals(List.of(), p.tags());
    assertNull(p.creationDate());
  }

  @Test
  void questionWithoutScoreOrBodyIsStillAPost() {
    ParsedLine.Post p = assertInstanceOf(ParsedLine.Post.class, parser.parse("<row Id=\"1\" PostTypeId=\"1\" Title=\"T\" />"));
    assertEquals("", p.body());
    assertEquals(0, p.score());
  }

  @Test
  void otherPostTypesAreNotPosts() {
    ParsedLine.OtherPostType o = assertInstanceOf(ParsedLine.OtherPostType.class,
        parser.parse("<row Id=\"3\" PostTypeId=\"5\" Body=\"&lt;p&gt;wiki&lt;/p&gt;\" />"));
    assertEquals(5, o.postTypeId());
  }

  @Test
  void missingRequiredAttributesAreBadWithTheirName() {
    assertBad(PostRowParser.MISSING_ATTRIBUTE, "Id", "<row PostTypeId=\"2\" ParentId=\"1\" Score=\"1\" />");
    assertBad(PostRowParser.MISSING_ATTRIBUTE, "PostTypeId", "<row Id=\"2\" ParentId=\"1\" Score=\"1\" />");
    assertBad(PostRowParser.MISSING_ATTRIBUTE, "ParentId", "<row Id=\"2\" PostTypeId=\"2\" Score=\"1\" />");
    assertBad(PostRowParser.MISSING_ATTRIBUTE, "Score", "<row Id=\"2\" PostTypeId=\"2\" ParentId=\"1\" />");
  }

  @Test
  void nonNumericNumbersAreBad() {
    assertBad(PostRowParser.INVALID_NUMBER, "Score=\"many\"", "<row Id=\"2\" PostTypeId=\"2\" ParentId=\"1\" Score=\"many\" />");
    assertBad(PostRowParser.INVALID_NUMBER, "Id", "<row Id=\"x7\" PostTypeId=\"1\" />");
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "<row Id=\"1\" PostTypeId=\"2\" Body=\"unterminated />",
    "<row Id=\"1\" PostTypeId=\"1\">",
    "<row Id=\"1\" PostTypeId=\"1\" /> trailing",
    "<row Id=\"1\" Id=\"2\" PostTypeId=\"1\" />",
    "<row Id=\"1\" PostTypeId=\"1\" Body=\"a < b\" />",
    "<row Id=\"1\" PostTypeId=\"1\" Body=\"&nbsp;\" />"
  })
  void malformedXmlIsBad(String row) {
    ParsedLine.Bad b = assertInstanceOf(ParsedLine.Bad.class, parser.parse(row));
    assertEquals(PostRowParser.MALFORMED_XML, b.reason(), b.detail());
    assertTrue(!b.detail().isBlank());
  }

  @Test
  void linesThatAreNotRowsAreBad() {
    assertBad(PostRowParser.NOT_A_ROW, "", "<comment Id=\"1\" />");
    assertBad(PostRowParser.NOT_A_ROW, "", "<!DOCTYPE posts [<!ENTITY x \"y\">]>");
    assertBad(PostRowParser.NOT_A_ROW, "", "just text");
  }

  @Test
  void hugeRowsAreBadNotOutOfMemory() {
    String body = "x".repeat(20_000);
    assertBad(PostRowParser.ROW_TOO_LARGE, "10000", "<row Id=\"1\" PostTypeId=\"1\" Body=\"" + body + "\" />");
  }

  private void assertBad(String reason, String detailContains, String row) {
    ParsedLine.Bad b = assertInstanceOf(ParsedLine.Bad.class, parser.parse(row), row);
    assertEquals(reason, b.reason(), b.detail());
    assertTrue(b.detail().contains(detailContains), b.detail());
  }
}
