package io.sparkrlhf.datasets.sample;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.BZip2Codec;

/**
 * Writes a deterministic synthetic StackExchange dump in the real {@code Posts.xml} format: a UTF-8
 * BOM, the XML declaration, {@code <posts>}, one {@code <row .../>} per line with CRLF endings,
 * entity-escaped HTML bodies with code blocks, both tag styles (the first site uses the older
 * {@code &lt;a&gt;&lt;b&gt;} style and no {@code ContentLicense}; the others {@code |a|b|} and a
 * licence), absent optional attributes, tag-wiki rows (other post types), and — when asked — a fixed
 * set of malformed rows, empty and duplicate answers, and orphaned answers.
 *
 * <h2>The planted preference signal</h2>
 * Each answer draws four features; its upvotes follow them, so a reward model can learn what a
 * "good" answer looks like here:
 * <pre>
 *   upvotes = 4·hasCodeBlock + 2·hasList + 2·hasLink + (paragraphs − 1) − 7·isShouting + noise,
 *   noise ∈ {−1, 0, +1} uniformly
 * </pre>
 * where {@code isShouting} answers are written in capitals with "!!!" and no code. The asker accepts
 * the answer of highest latent quality with probability 1/2 (never a shouting one). Everything is a
 * pure function of the seed.
 */
public final class SampleDumpGenerator {

  public enum Compression {
    NONE(""),
    GZIP(".gz"),
    BZIP2(".bz2");

    final String suffix;

    Compression(String suffix) {
      this.suffix = suffix;
    }
  }

  public record Options(List<String> sites, int questionsPerSite, long seed, Compression compression, boolean malformed) {
    public Options {
      if (sites.isEmpty()) {
        throw new IllegalArgumentException("at least one site is needed");
      }
      if (questionsPerSite < 1) {
        throw new IllegalArgumentException("questions per site must be >= 1, found " + questionsPerSite);
      }
    }

    public static Options defaults() {
      return new Options(DEFAULT_SITES, 400, 42L, Compression.NONE, true);
    }
  }

  /** What was written, so tests and logs can check the job's counts against it. */
  public record Summary(
      List<String> files, long bytes, long questions, long answers, long otherPosts, long malformedRows,
      long emptyAnswers, long duplicateAnswers, long orphanAnswers) {}

  public static final List<String> DEFAULT_SITES = List.of("cooking.stackexchange.com", "gardening.stackexchange.com");

  /** Malformed rows written per site when {@code malformed} is set (each a different defect). */
  public static final int MALFORMED_PER_SITE = 5;

  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private static final String CRLF = "\r\n";

  private SampleDumpGenerator() {}

  public static Summary write(String outDir, Options options, Configuration conf) {
    long[] totals = new long[8];
    List<String> files = new ArrayList<>();
    for (int s = 0; s < options.sites().size(); s++) {
      String site = options.sites().get(s);
      Path file = new Path(new Path(outDir, site), "Posts.xml" + options.compression().suffix);
      Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
      try {
        FileSystem fs = file.getFileSystem(conf);
        try (OutputStream raw = fs.create(tmp, true);
            OutputStream out = new BufferedOutputStream(compress(raw, options.compression(), conf), 1 << 16)) {
          SiteWriter writer = new SiteWriter(out, new SplittableRandom(options.seed() * 31 + s), s == 0, options);
          writer.writeSite();
          for (int i = 0; i < totals.length; i++) {
            totals[i] += writer.counts[i];
          }
        }
        if (fs.exists(file)) {
          fs.delete(file, false);
        }
        if (!fs.rename(tmp, file)) {
          throw new IOException("cannot rename " + tmp + " to " + file);
        }
        totals[0] += fs.getFileStatus(file).getLen();
        files.add(file.toString());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write sample dump " + file + ": " + e.getMessage(), e);
      }
    }
    return new Summary(files, totals[0], totals[1], totals[2], totals[3], totals[4], totals[5], totals[6], totals[7]);
  }

  private static OutputStream compress(OutputStream raw, Compression c, Configuration conf) throws IOException {
    return switch (c) {
      case NONE -> raw;
      case GZIP -> new GZIPOutputStream(raw, 1 << 16);
      case BZIP2 -> {
        BZip2Codec codec = new BZip2Codec();
        codec.setConf(conf);
        yield codec.createOutputStream(raw);
      }
    };
  }

  /** Writes one site's file; counts[] = {bytes(unused), questions, answers, other, malformed, empty, dup, orphan}. */
  private static final class SiteWriter {
    private final OutputStream out;
    private final SplittableRandom rnd;
    private final boolean oldStyle;
    private final Options options;
    private final long[] counts = new long[8];
    private long nextId = 1;

    SiteWriter(OutputStream out, SplittableRandom rnd, boolean oldStyle, Options options) {
      this.out = out;
      this.rnd = rnd;
      this.oldStyle = oldStyle;
      this.options = options;
    }

    void writeSite() throws IOException {
      out.write(BOM);
      line("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
      line("<posts>");
      int malformedEvery = Math.max(1, options.questionsPerSite() / (MALFORMED_PER_SITE + 1));
      int malformedWritten = 0;
      for (int q = 0; q < options.questionsPerSite(); q++) {
        writeQuestionWithAnswers(q);
        if (options.malformed() && malformedWritten < MALFORMED_PER_SITE && q % malformedEvery == malformedEvery - 1) {
          writeMalformed(malformedWritten++);
        }
        if (q % 50 == 7) {
          writeTagWiki();
        }
      }
      while (options.malformed() && malformedWritten < MALFORMED_PER_SITE) {
        writeMalformed(malformedWritten++);
      }
      if (options.malformed()) {
        writeAnswer(nextId++, 10_000_000L + nextId, "<p>An answer whose question was deleted.</p>", 1);
        counts[7]++;
      }
      line("</posts>");
    }

    private void writeQuestionWithAnswers(int q) throws IOException {
      long qid = nextId++;
      int nAnswers = rnd.nextInt(100) < 12 ? 0 : 1 + rnd.nextInt(5);
      List<long[]> answers = new ArrayList<>(); // {id, upvotes, quality}
      List<String> bodies = new ArrayList<>();
      for (int a = 0; a < nAnswers; a++) {
        boolean code = rnd.nextInt(100) < 45;
        boolean list = rnd.nextInt(100) < 35;
        boolean link = rnd.nextInt(100) < 30;
        int paragraphs = 1 + rnd.nextInt(3);
        boolean shouting = !code && rnd.nextInt(100) < 12;
        int quality = 4 * (code ? 1 : 0) + 2 * (list ? 1 : 0) + 2 * (link ? 1 : 0) + (paragraphs - 1) - 7 * (shouting ? 1 : 0);
        int upvotes = quality + rnd.nextInt(3) - 1;
        answers.add(new long[] {nextId++, upvotes, quality});
        bodies.add(shouting ? shoutingBody() : answerBody(code, list, link, paragraphs));
      }
      Long accepted = null;
      if (!answers.isEmpty() && rnd.nextBoolean()) {
        long[] best = answers.stream().max((x, y) -> Long.compare(x[2], y[2])).get();
        if (best[2] > 0) {
          accepted = best[0];
        }
      }
      writeQuestion(qid, accepted, nAnswers);
      for (int a = 0; a < answers.size(); a++) {
        writeAnswer(answers.get(a)[0], qid, bodies.get(a), (int) answers.get(a)[1]);
      }
      if (options.malformed() && q % 97 == 13 && !bodies.isEmpty()) {
        writeAnswer(nextId++, qid, bodies.get(0), 0); // a verbatim copy of the first answer
        counts[6]++;
      }
      if (options.malformed() && q % 89 == 11) {
        writeAnswer(nextId++, qid, rnd.nextBoolean() ? "" : "<p>   </p>", 0);
        counts[5]++;
      }
    }

    private void writeQuestion(long id, Long accepted, int answerCount) throws IOException {
      String topic = pick(TOPICS);
      String title = "How do I " + pick(VERBS) + " " + topic + " with " + pick(TOOLS) + "?";
      StringBuilder body = new StringBuilder();
      body.append("<p>").append(sentence()).append(" I tried <code>").append(pick(TOOLS)).append("</code> but ")
          .append(sentence().toLowerCase()).append("</p>\n");
      if (rnd.nextBoolean()) {
        body.append("<p>").append(sentence()).append(" Any ideas &amp; tips?</p>\n");
      }
      List<String> tags = List.of(topic.replace(' ', '-'), pick(TOOLS).replace(' ', '-'));
      StringBuilder row = new StringBuilder("  <row");
      attr(row, "Id", Long.toString(id));
      attr(row, "PostTypeId", "1");
      if (accepted != null) {
        attr(row, "AcceptedAnswerId", Long.toString(accepted));
      }
      attr(row, "CreationDate", date());
      attr(row, "Score", Integer.toString(rnd.nextInt(20) - 2));
      attr(row, "ViewCount", Integer.toString(rnd.nextInt(5000)));
      attr(row, "Body", body.toString());
      if (rnd.nextInt(10) > 0) { // sometimes NULL: the attribute is simply absent
        attr(row, "OwnerUserId", Integer.toString(rnd.nextInt(100000)));
      }
      attr(row, "Title", title);
      attr(row, "Tags", oldStyle ? "<" + String.join("><", tags) + ">" : "|" + String.join("|", tags) + "|");
      attr(row, "AnswerCount", Integer.toString(answerCount));
      if (!oldStyle) {
        attr(row, "ContentLicense", "CC BY-SA 4.0");
      }
      line(row.append(" />").toString());
      counts[1]++;
    }

    private void writeAnswer(long id, long parent, String body, int upvotes) throws IOException {
      StringBuilder row = new StringBuilder("  <row");
      attr(row, "Id", Long.toString(id));
      attr(row, "PostTypeId", "2");
      attr(row, "ParentId", Long.toString(parent));
      attr(row, "CreationDate", date());
      attr(row, "Score", Integer.toString(upvotes));
      attr(row, "Body", body);
      if (rnd.nextInt(10) > 0) {
        attr(row, "OwnerUserId", Integer.toString(rnd.nextInt(100000)));
      }
      if (!oldStyle) {
        attr(row, "ContentLicense", "CC BY-SA 4.0");
      }
      line(row.append(" />").toString());
      counts[2]++;
    }

    private void writeTagWiki() throws IOException {
      StringBuilder row = new StringBuilder("  <row");
      attr(row, "Id", Long.toString(nextId++));
      attr(row, "PostTypeId", rnd.nextBoolean() ? "4" : "5");
      attr(row, "Body", "<p>Questions about " + pick(TOPICS) + ".</p>");
      line(row.append(" />").toString());
      counts[3]++;
    }

    /** Five defects, one each: what the real dump's consumers have met. */
    private void writeMalformed(int kind) throws IOException {
      long id = nextId++;
      switch (kind) {
        case 0 -> line("  <row Id=\"" + id + "\" PostTypeId=\"2\" ParentId=\"1\" Score=\"1\" Body=\"&lt;p&gt;unterminated />");
        case 1 -> line("  <row PostTypeId=\"2\" ParentId=\"1\" Score=\"3\" Body=\"&lt;p&gt;no id&lt;/p&gt;\" />");
        case 2 -> line("  <row Id=\"" + id + "\" PostTypeId=\"2\" ParentId=\"1\" Score=\"many\" Body=\"&lt;p&gt;x&lt;/p&gt;\" />");
        case 3 -> {
          out.write(("  <row Id=\"" + id + "\" PostTypeId=\"2\" ParentId=\"1\" Score=\"1\" Body=\"caf").getBytes(StandardCharsets.UTF_8));
          out.write(new byte[] {(byte) 0xE9, (byte) 0xFF}); // Latin-1 bytes in a UTF-8 file
          line("\" />");
        }
        default -> line("  <comment Id=\"" + id + "\" Text=\"not a post\" />");
      }
      counts[4]++;
    }

    private String answerBody(boolean code, boolean list, boolean link, int paragraphs) {
      StringBuilder b = new StringBuilder();
      for (int p = 0; p < paragraphs; p++) {
        b.append("<p>").append(sentence()).append(' ').append(sentence());
        if (p == 0 && link) {
          b.append(" See <a href=\"https://example.org/").append(pick(TOPICS).replace(' ', '-'))
              .append("\" rel=\"nofollow\">the ").append(pick(TOOLS)).append(" guide</a>.");
        }
        b.append("</p>\n");
      }
      if (list) {
        b.append("<ul>\n");
        for (int i = 0; i < 2 + rnd.nextInt(3); i++) {
          b.append("<li>").append(pick(VERBS)).append(" the ").append(pick(TOPICS)).append("</li>\n");
        }
        b.append("</ul>\n");
      }
      if (code) {
        String tool = pick(TOOLS).replace(' ', '_');
        b.append("<pre class=\"lang-python\"><code>for step in range(").append(2 + rnd.nextInt(9)).append("):\n")
            .append("    ").append(tool).append(".").append(pick(VERBS)).append("(&quot;").append(pick(TOPICS))
            .append("&quot;, heat=").append(rnd.nextInt(250)).append(")\n")
            .append("    if step &gt; 1 and ok &lt; 3:\n        break\n</code></pre>\n");
      }
      return b.toString();
    }

    private String shoutingBody() {
      return "<p>" + (sentence() + " " + sentence()).toUpperCase() + "!!! <strong>"
          + pick(TOOLS).toUpperCase() + " IS WRONG!!!</strong></p>";
    }

    private String sentence() {
      StringBuilder s = new StringBuilder();
      int n = 6 + rnd.nextInt(10);
      for (int i = 0; i < n; i++) {
        String w = pick(WORDS);
        s.append(i == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w);
        s.append(i == n - 1 ? "." : " ");
      }
      return s.toString();
    }

    private String date() {
      return String.format("20%02d-%02d-%02dT%02d:%02d:%02d.%03d", 10 + rnd.nextInt(14), 1 + rnd.nextInt(12),
          1 + rnd.nextInt(28), rnd.nextInt(24), rnd.nextInt(60), rnd.nextInt(60), rnd.nextInt(1000));
    }

    private String pick(String[] words) {
      return words[rnd.nextInt(words.length)];
    }

    private void line(String s) throws IOException {
      out.write(s.getBytes(StandardCharsets.UTF_8));
      out.write(CRLF.getBytes(StandardCharsets.US_ASCII));
    }

    /** Escapes as the dump does: markup characters as entities, line breaks as character references. */
    private static void attr(StringBuilder row, String name, String value) {
      row.append(' ').append(name).append("=\"");
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        switch (c) {
          case '&' -> row.append("&amp;");
          case '<' -> row.append("&lt;");
          case '>' -> row.append("&gt;");
          case '"' -> row.append("&quot;");
          case '\n' -> row.append("&#xA;");
          case '\r' -> row.append("&#xD;");
          default -> row.append(c);
        }
      }
      row.append('"');
    }
  }

  private static final String[] TOPICS = {
    "sourdough starter", "cast iron pan", "tomato seedlings", "basil plant", "pizza dough", "compost heap",
    "rice cooker", "rose bush", "chicken stock", "raised bed", "chocolate ganache", "lawn moss", "knife edge",
    "apple tree", "bread crust", "pepper plants", "soup base", "potting soil", "pasta sauce", "herb garden"
  };
  private static final String[] VERBS = {
    "season", "prune", "store", "revive", "thicken", "water", "sharpen", "ferment", "repot", "reduce", "fertilize",
    "bake", "transplant", "clean", "proof"
  };
  private static final String[] TOOLS = {
    "a dutch oven", "a stand mixer", "neem oil", "a pressure cooker", "drip irrigation", "a whetstone",
    "a thermometer", "mulch", "a food processor", "bone meal", "a cloche", "a sous vide"
  };
  private static final String[] WORDS = {
    "the", "water", "heat", "slowly", "soil", "leaves", "flour", "temperature", "usually", "roots", "salt", "you",
    "should", "keep", "it", "under", "about", "minutes", "humidity", "sunlight", "yeast", "butter", "acid", "then",
    "because", "moisture", "before", "after", "gently", "overnight", "drain", "layer", "texture", "shade",
    "pot", "dough", "crisp", "fungus", "spread", "batch", "ratio", "degrees", "weekly", "fresh", "dry", "rich"
  };
}
