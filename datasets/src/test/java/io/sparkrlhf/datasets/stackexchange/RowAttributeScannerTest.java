package io.sparkrlhf.datasets.stackexchange;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.xml.stream.XMLStreamException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quick attribute scanner against StAX, the parser it stands in for: the same result for every line. */
class RowAttributeScannerTest {
  private final PostRowParser scanning = new PostRowParser(100_000, true);
  private final PostRowParser staxOnly = new PostRowParser(100_000, false);

  private static final String HEAD = "<row Id=\"7\" PostTypeId=\"2\" ParentId=\"3\" Score=\"4\" ";

  /** Values and rows the scanner must hand to StAX, or read exactly as StAX does. */
  private static final List<String> EDGE_ROWS = List.of(
      HEAD + "Body=\"&lt;p&gt;a &amp;amp; b&lt;/p&gt;&#xA;&#10;&#x1F600;&#128512;&quot;&apos;\" />",
      HEAD + "Body='single &quot;quoted&quot; \"inner\"' />",
      HEAD + "Body = \"spaces around the equals sign\"   />",
      HEAD + "Body=\"no space before the end\"/>",
      HEAD + "Body=\"literal\ttab\" />",
      HEAD + "Body=\"literal\rcarriage return\" />",
      HEAD + "Body=\"a &nbsp; b\" />",
      HEAD + "Body=\"a &#0; b\" />",
      HEAD + "Body=\"a &#xD800; b\" />",
      HEAD + "Body=\"a &#xFFFE; b\" />",
      HEAD + "Body=\"a &#X41; b\" />",
      HEAD + "Body=\"a &#x110000; b\" />",
      HEAD + "Body=\"a &#00000065; b\" />",
      HEAD + "Body=\"a & b\" />",
      HEAD + "Body=\"a &amp b\" />",
      HEAD + "Body=\"a < b\" />",
      HEAD + "Body=\"a > b\" />",
      HEAD + "Body=\"emoji 🚀 and 日本語\" />",
      HEAD + "Body=\"unpaired \uD83D surrogate\" />",
      HEAD + "Body=\"not a character \uFFFF\" />",
      HEAD + "Body=\"control \u0001 character\" />",
      HEAD + "Body=\"a\" Body=\"b\" />",
      HEAD + "Extra=\"x\" Extra=\"y\" Body=\"b\" />",
      HEAD + "Body=\"x\"Title=\"run together\" />",
      HEAD + "Body=\"unterminated />",
      HEAD + "Body=unquoted />",
      HEAD + "Body=\"b\" >",
      HEAD + "Body=\"b\" /> trailing",
      HEAD + "Body=\"b\" /><row Id=\"8\" />",
      HEAD + "xmlns:p=\"urn:x\" p:Body=\"namespaced\" />",
      HEAD + "xmlns=\"urn:x\" Body=\"default namespace\" />",
      HEAD + "p:Body=\"undeclared prefix\" />",
      HEAD + "Bödy=\"non-ASCII name\" Body=\"b\" />",
      HEAD + "1Body=\"digit first\" />",
      HEAD + "Unused=\"&lt;fine&gt;\" Other=\"&bogus;\" Body=\"b\" />",
      HEAD + "Unused=\"a\tb\" Body=\"b\" />",
      "<row Id=\"x\" PostTypeId=\"2\" ParentId=\"3\" Score=\"4\" Body=\"b\" />",
      "<row Id=\"9\" PostTypeId=\"5\" Body=\"tag wiki\" />",
      "<row PostTypeId=\"2\" ParentId=\"3\" Score=\"4\" Body=\"no id\" />",
      "<row\tId=\"10\" PostTypeId=\"1\" Title=\"tab after the name\" Score=\" 5 \" />",
      "<row Id=\"11\" PostTypeId=\"1\" Title=\"&#x20;padded title&#x20;\" Tags=\"&lt;a&gt;&lt;b-c&gt;\" />",
      "<row Id=\"12\" PostTypeId=\"1\" />",
      "<row />",
      "<row Id=\"13\" PostTypeId=\"1\"/ >");

  /** The same post (or error), and where the scanner reads a row itself, the same attribute values as StAX. */
  private void assertSameAsStax(String line) {
    assertEquals(staxOnly.parse(line), scanning.parse(line), () -> "line: " + line);
    String row = line.strip();
    String[] scanned = row.startsWith("<row") ? RowAttributeScanner.scan(row) : null;
    if (scanned != null) {
      try {
        assertArrayEquals(staxOnly.staxAttributes(row), scanned, () -> "row: " + row);
      } catch (XMLStreamException e) {
        fail("the scanner read a row StAX refuses: " + row + " (" + e.getMessage() + ")");
      }
    }
  }

  @Test
  void edgeRowsParseAsStaxParsesThem() {
    for (String row : EDGE_ROWS) {
      assertSameAsStax(row);
    }
    for (String title : List.of("a\tb", "a\rb", "a\r\nb", "&#x9;tab", "a&#xD;b", "&lt;&amp;&gt;")) {
      assertSameAsStax(HEAD + "Title=\"" + title + "\" Body=\"b\" />");
    }
  }

  @Test
  void rowsOfAGeneratedDumpParseAsStaxParsesThem(@TempDir Path dir) throws IOException {
    SampleDumpGenerator.write(dir.toString(), new SampleDumpGenerator.Options(
        SampleDumpGenerator.DEFAULT_SITES, 300, 5L, SampleDumpGenerator.Compression.NONE, true), new Configuration());
    int rows = 0;
    int scanned = 0;
    for (String site : SampleDumpGenerator.DEFAULT_SITES) {
      // Bytes that are not UTF-8 (the generator plants such a line) become U+FFFD, as for a lenient reader.
      String file = new String(Files.readAllBytes(dir.resolve(site).resolve("Posts.xml")), StandardCharsets.UTF_8);
      for (String line : file.split("\n")) {
        assertSameAsStax(line);
        rows++;
        String trimmed = line.strip();
        if (trimmed.startsWith("<row ") && RowAttributeScanner.scan(trimmed) != null) {
          scanned++;
        }
      }
    }
    assertTrue(rows > 1000, "rows: " + rows);
    assertTrue(scanned > 0.95 * rows, "the scanner read " + scanned + " of " + rows + " lines itself");
  }

  /** Random values over characters that matter to XML, each row compared with StAX. */
  @Test
  void randomValuesParseAsStaxParsesThem() {
    String[] atoms = {"a", " ", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#xA;", "&#10;", "&#x1F680;", "&", "<",
        ">", "'", "\t", "\n", "\r", "é", "🚀", "\uD83D", "&nbsp;", "&#;", "&#x;", "&#65", ";", "=", "/", "\u0000"};
    Random random = new Random(11);
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      StringBuilder body = new StringBuilder();
      for (int j = random.nextInt(8); j > 0; j--) {
        body.append(atoms[random.nextInt(atoms.length)]);
      }
      rows.add(HEAD + "Title=\"" + body + "\" Body=\"" + body + "\" />");
    }
    int quick = 0;
    for (String row : rows) {
      assertSameAsStax(row);
      quick += RowAttributeScanner.scan(row.strip()) != null ? 1 : 0;
    }
    assertTrue(quick > 500 && quick < 4500, "both paths taken: " + quick + " of 5000 scanned");
  }

  /** Values longer than a StAX reader's usual buffers and attribute caps, under prepare's default row limit. */
  @Test
  void longValuesParseAsStaxParsesThem() throws XMLStreamException {
    PostRowParser scanningLarge = new PostRowParser(1_000_000, true);
    PostRowParser staxOnlyLarge = new PostRowParser(1_000_000, false);
    for (int length : new int[] {500_000, 524_288, 600_000, 999_000}) {
      String row = HEAD + "Title=\"t\" Body=\"" + "x&amp;".repeat(length / 5) + "\" />";
      assertEquals(staxOnlyLarge.parse(row), scanningLarge.parse(row));
      assertArrayEquals(staxOnlyLarge.staxAttributes(row), RowAttributeScanner.scan(row));
    }
  }

  @Test
  void scannerReadsValuesByName() {
    String[] v = RowAttributeScanner.scan("<row Id=\"7\" Unused=\"u\" Body=\"&lt;p&gt;x&#x20AC;\" Title='q' />");
    assertNotNull(v);
    assertEquals("7", v[RowAttributeScanner.ID]);
    assertEquals("<p>x€", v[RowAttributeScanner.BODY]);
    assertEquals("q", v[RowAttributeScanner.TITLE]);
    assertNull(v[RowAttributeScanner.PARENT_ID]);
    assertNull(RowAttributeScanner.scan("<row Id=\"7\" Body=\"a\tb\" />"));
  }
}
