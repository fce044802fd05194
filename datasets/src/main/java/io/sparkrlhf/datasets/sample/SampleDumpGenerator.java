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
 * Each question asks about one of its site's topics. Each answer talks, with probability 1/2, about
 * that topic (upvotes 5..10, StackLLaMA score 3) or about another topic of the same site (upvotes 0,
 * score 0); when exactly one answer is on topic the asker accepts it with probability 1/2. Length,
 * code blocks, lists, links and wording are drawn from one distribution for both kinds
 * ({@link SamplePosts}), so every preference pair is an on-topic answer against an off-topic one that
 * looks alike: the longer answer wins half the time, and a linear bag-of-words model of the answers
 * learns nothing (each topic word is as common in rejected answers as in chosen ones). To tell them
 * apart a model must read the question and see whether the answer is about the same thing.
 * Everything is a pure function of the seed.
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

  /** Changes whenever the same options write other posts (2: the topic preference of {@link SamplePosts}). */
  public static final int VERSION = 2;

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
          SiteWriter writer = new SiteWriter(out, new SplittableRandom(options.seed() * 31 + s), s == 0, options,
              SamplePosts.SITES.get(s % SamplePosts.SITES.size()));
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
    private final List<SamplePosts.Topic> topics;
    private final SamplePosts posts;
    private final long[] counts = new long[8];
    private long nextId = 1;

    SiteWriter(OutputStream out, SplittableRandom rnd, boolean oldStyle, Options options, SamplePosts.Site site) {
      this.out = out;
      this.rnd = rnd;
      this.oldStyle = oldStyle;
      this.options = options;
      this.topics = site.topics();
      this.posts = new SamplePosts(rnd);
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
      SamplePosts.Topic topic = pick(topics);
      int nAnswers = rnd.nextInt(100) < 12 ? 0 : 1 + rnd.nextInt(5);
      List<long[]> answers = new ArrayList<>(); // {id, upvotes, onTopic}
      List<String> bodies = new ArrayList<>();
      for (int a = 0; a < nAnswers; a++) {
        boolean onTopic = rnd.nextBoolean();
        SamplePosts.Topic about = onTopic ? topic : otherTopic(topic);
        answers.add(new long[] {nextId++, onTopic ? 5 + rnd.nextInt(6) : 0, onTopic ? 1 : 0});
        bodies.add(posts.answerBody(about));
      }
      Long accepted = null;
      List<long[]> onTopic = answers.stream().filter(x -> x[2] == 1).toList();
      if (onTopic.size() == 1 && rnd.nextBoolean()) {
        accepted = onTopic.get(0)[0];
      }
      writeQuestion(qid, topic, accepted, nAnswers);
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

    private SamplePosts.Topic otherTopic(SamplePosts.Topic topic) {
      SamplePosts.Topic other;
      do {
        other = pick(topics);
      } while (other.equals(topic));
      return other;
    }

    private void writeQuestion(long id, SamplePosts.Topic topic, Long accepted, int answerCount) throws IOException {
      String title = posts.title(topic);
      String body = posts.questionBody(topic);
      List<String> tags = List.of(topic.name(), rnd.nextBoolean() ? "troubleshooting" : "storage");
      StringBuilder row = new StringBuilder("  <row");
      attr(row, "Id", Long.toString(id));
      attr(row, "PostTypeId", "1");
      if (accepted != null) {
        attr(row, "AcceptedAnswerId", Long.toString(accepted));
      }
      attr(row, "CreationDate", date());
      attr(row, "Score", Integer.toString(rnd.nextInt(20) - 2));
      attr(row, "ViewCount", Integer.toString(rnd.nextInt(5000)));
      attr(row, "Body", body);
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
      attr(row, "Body", "<p>Questions about " + pick(topics).name() + ".</p>");
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

    private String date() {
      return String.format("20%02d-%02d-%02dT%02d:%02d:%02d.%03d", 10 + rnd.nextInt(14), 1 + rnd.nextInt(12),
          1 + rnd.nextInt(28), rnd.nextInt(24), rnd.nextInt(60), rnd.nextInt(60), rnd.nextInt(1000));
    }

    private <T> T pick(List<T> from) {
      return from.get(rnd.nextInt(from.size()));
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
}
