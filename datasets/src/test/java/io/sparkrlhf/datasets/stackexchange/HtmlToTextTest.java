package io.sparkrlhf.datasets.stackexchange;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HtmlToTextTest {
  @Test
  void paragraphsBecomeBlankLineSeparatedText() {
    assertEquals("First para.\n\nSecond para.", HtmlToText.convert("<p>First   para.</p>\n<p>Second\npara.</p>"));
  }

  @Test
  void codeBlocksBecomeFencedCodeWithLanguageAndKeepWhitespace() {
    String html = "<p>Try:</p><pre class=\"lang-python\"><code>for i in x:\n    print(i &lt; 3)\n</code></pre><p>Done.</p>";
    assertEquals("Try:\n\n```python\nfor i in x:\n    print(i < 3)\n```\n\nDone.", HtmlToText.convert(html));
  }

  @Test
  void fenceGrowsWhenCodeContainsBackticks() {
    assertEquals("````\nuse ``` here\n````", HtmlToText.convert("<pre><code>use ``` here</code></pre>"));
  }

  @Test
  void inlineCodeKeepsBackticks() {
    assertEquals("Call `map.get(k)` and ``a`b``.", HtmlToText.convert("<p>Call <code>map.get(k)</code> and <code>a`b</code>.</p>"));
    assertEquals("`` `tick ``", HtmlToText.convert("<code>`tick</code>"));
  }

  @Test
  void listsKeepBulletsNumbersAndNesting() {
    String html = "<ul><li>one</li><li>two<ul><li>inner</li></ul></li></ul><ol start=\"3\"><li>c</li><li>d</li></ol>";
    assertEquals("- one\n- two\n  - inner\n\n3. c\n4. d", HtmlToText.convert(html));
  }

  @Test
  void linksKeepTextAndMarkupIsDropped() {
    assertEquals("See the docs, really.",
        HtmlToText.convert("<p>See <a href=\"http://x\">the <strong>docs</strong></a>, <em>really</em>.<img src=\"a.png\" alt=\"pic\"></p>"));
  }

  @Test
  void headingsQuotesBreaksAndRules() {
    String html = "<h2>Title</h2><blockquote><p>quoted</p><p>twice</p></blockquote>line<br>break<hr>end";
    assertEquals("## Title\n\n> quoted\n>\n> twice\n\nline\nbreak\n\n---\n\nend", HtmlToText.convert(html));
  }

  @Test
  void entitiesAreDecodedAndScriptsDropped() {
    assertEquals("a & b < c © d", HtmlToText.convert("<p>a &amp; b &lt; c &copy; d<script>alert(1)</script></p>"));
  }

  @Test
  void emptyAndWhitespaceBodiesBecomeEmpty() {
    assertEquals("", HtmlToText.convert(""));
    assertEquals("", HtmlToText.convert("<p>  </p>\n"));
  }
}
