package io.sparkrlhf.datasets.stackexchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.datasets.sample.SampleDumpGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.xml.stream.XMLStreamException;
import org.apache.hadoop.conf.Configuration;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quick tree against jsoup's HTML5 parser, which it stands in for: the same tree and text for every body. */
class SimpleHtmlTreeTest {

  /** Where the quick tree is built, it is jsoup's tree; the text is the same either way. */
  private static boolean assertSameAsJsoup(String html) {
    assertEquals(HtmlToText.convertWithJsoup(html), HtmlToText.convert(html), () -> "html: " + html);
    Element quick = SimpleHtmlTree.parse(html);
    if (quick != null) {
      Element reference = Jsoup.parseBodyFragment(html).body();
      reference.ownerDocument().outputSettings().prettyPrint(false);
      quick.appendTo(Jsoup.parseBodyFragment("").body()).ownerDocument().outputSettings().prettyPrint(false);
      assertEquals(reference.html(), quick.html(), () -> "tree of: " + html);
    }
    return quick != null;
  }

  private static final List<String> EDGE_BODIES = List.of(
      "<p>plain</p>\n<p>two &amp; three &lt;4&gt; &quot;q&quot; &apos;a&apos; &nbsp;x&#160;&#x41;&#128512;</p>",
      "  <p>leading and trailing whitespace</p>  \n",
      "<pre><code>code\n  kept &lt;as is&gt;\n</code></pre>",
      "<pre>\nnewline after pre</pre>",
      "<pre class=\"lang-java prettyprint-override\"><code>int x;</code></pre>",
      "<p>inline <code>a &lt; b</code>, <kbd>Ctrl</kbd>, <a href=\"http://x.org/?a=1&amp;b=2\" rel=\"nofollow\">link</a></p>",
      "<ul>\n<li>one</li>\n<li>two<ul><li>nested</li></ul></li>\n</ul>\n<ol start=\"3\"><li><p>para in item</p></li></ol>",
      "<blockquote>\n<p>quoted</p>\n<p>more</p>\n</blockquote>",
      "<h2>Heading</h2><hr><p>after<br>break<br/>and<br />more</p>",
      "<p><em>em</em> <strong>strong <em>both</em></strong> <b>b</b> <i>i</i> <sup>2</sup> <sub>i</sub> <s>s</s></p>",
      "<p>unclosed paragraph",
      "<p>implied end<p>next paragraph</p>",
      "<p>block in paragraph<ul><li>x</li></ul></p>",
      "<p>pre in paragraph<pre>x</pre></p>",
      "<li>item outside a list</li>",
      "<ul><p>paragraph directly in a list</p></ul>",
      "<p><a href=\"a\">nested <a href=\"b\">link</a></a></p>",
      "<p><b>mis<i>nested</b> tags</i></p>",
      "<p>end tag of nothing</p></div>",
      "</p>",
      "<h1>heading <h2>in heading</h2></h1>",
      "<P>UPPER CASE</P>",
      "<p CLASS=\"x\">upper-case attribute</p>",
      "<p class=x>unquoted</p>",
      "<p class='single'>single-quoted</p>",
      "<p class=\"a\" class=\"b\">duplicate attribute</p>",
      "<img src=\"x.png\" alt=\"a &amp; b\" /><img src=\"y.png\">",
      "<p>carriage\r\nreturn</p>",
      "<p>nul \u0000 char</p>",
      "<p>\uFFFFabc</p>",
      "<p title=\"a\uFFFFb\">noncharacter U+FFFF in an attribute</p>",
      "<p>&copy; &mdash; &hellip; &amp &lt named entities</p>",
      "<p>&#0; &#13; &#128; &#x9F; &#xD800; &#xFFFE; &#1114112; char refs</p>",
      "<p>&#X41; upper-case x</p>",
      "<p>stray < less-than and > greater-than</p>",
      "<p><!-- comment --></p>",
      "<table><tr><td>a</td><td>b</td></tr></table>",
      "<div><p>in div</p></div>",
      "<p>self-closing <span/> span</p>",
      "<p>emoji 🚀 and 日本語</p>",
      "",
      "no markup at all",
      "<br>",
      "<code><code>nested code</code></code>");

  @Test
  void edgeBodiesGiveJsoupsTreeAndText() {
    int quick = 0;
    for (String html : EDGE_BODIES) {
      quick += assertSameAsJsoup(html) ? 1 : 0;
    }
    assertTrue(quick >= 10 && quick < EDGE_BODIES.size() - 10, "both paths taken: " + quick);
  }

  @Test
  void bodiesOfAGeneratedDumpGiveJsoupsTreeAndText(@TempDir Path dir) throws IOException, XMLStreamException {
    SampleDumpGenerator.write(dir.toString(), new SampleDumpGenerator.Options(
        SampleDumpGenerator.DEFAULT_SITES, 300, 9L, SampleDumpGenerator.Compression.NONE, false), new Configuration());
    PostRowParser rows = new PostRowParser(1_000_000, false);
    int bodies = 0;
    int quick = 0;
    for (String site : SampleDumpGenerator.DEFAULT_SITES) {
      for (String line : Files.readAllLines(dir.resolve(site).resolve("Posts.xml"), StandardCharsets.UTF_8)) {
        String row = line.strip();
        if (!row.startsWith("<row ")) {
          continue;
        }
        String body = rows.staxAttributes(row)[RowAttributeScanner.BODY];
        if (body != null) {
          bodies++;
          quick += assertSameAsJsoup(body) ? 1 : 0;
        }
      }
    }
    assertTrue(bodies > 1000, "bodies: " + bodies);
    assertTrue(quick > 0.95 * bodies, "the quick tree built " + quick + " of " + bodies + " bodies");
  }

  /** Random sequences of tags, text and entities, well- and ill-formed, each compared with jsoup. */
  @Test
  void randomMarkupGivesJsoupsTreeAndText() {
    String[] atoms = {"<p>", "</p>", "<ul>", "</ul>", "<ol>", "</ol>", "<li>", "</li>", "<pre>", "</pre>", "<code>",
        "</code>", "<a href=\"u\">", "</a>", "<em>", "</em>", "<strong>", "</strong>", "<blockquote>", "</blockquote>",
        "<br>", "<hr>", "<h3>", "</h3>", "<div>", "</div>", "text", " ", "\n", "&amp;", "&lt;", "&nbsp;", "&bogus;",
        "&", "<", ">", "\t"};
    Random random = new Random(5);
    int quick = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder html = new StringBuilder();
      for (int j = random.nextInt(12); j > 0; j--) {
        html.append(atoms[random.nextInt(atoms.length)]);
      }
      quick += assertSameAsJsoup(html.toString()) ? 1 : 0;
    }
    assertTrue(quick > 1000 && quick < 19_000, "both paths taken: " + quick + " of 20000");
  }

  @Test
  void givesUpOnWhatHtmlRewrites() {
    assertNull(SimpleHtmlTree.parse("<p>a<p>b"));
    assertNull(SimpleHtmlTree.parse("<pre>\nx</pre>"));
    assertNull(SimpleHtmlTree.parse("<p>&copy;</p>"));
    assertNull(SimpleHtmlTree.parse("<p>\uFFFFabc</p>")); // jsoup reads U+FFFF as the end of its input
  }
}
